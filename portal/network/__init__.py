"""The network registry: regions, dealers, stores and product lines."""
