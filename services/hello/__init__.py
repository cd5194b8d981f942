"""Handlers of the reference job, hello_world."""
