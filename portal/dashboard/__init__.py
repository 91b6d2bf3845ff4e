"""Home pages: where each role starts the day."""
