"""The demo network: a realistic, deterministic data set for trying and testing the portal.

Each area adds its part as a module here; `seed_demo` runs them in dependency order.
"""

from __future__ import annotations

from portal.demo.audits import seed_audits
from portal.demo.network import DEMO_PASSWORD, DemoNetwork, seed_network

__all__ = ["DEMO_PASSWORD", "DemoNetwork", "seed_demo"]


def seed_demo() -> DemoNetwork:
    """Load the whole demo network into an empty database (flushes; the caller commits)."""
    network = seed_network()
    seed_audits(network)
    return network
