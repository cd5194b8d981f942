"""Clients of external HTTP APIs (IBAT, plain URLs)."""
