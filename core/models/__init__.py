"""Pydantic models shared by the API, the dashboard and the services."""
