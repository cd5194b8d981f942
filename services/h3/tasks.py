"""The task handlers this package registers (listed by jobs/registry.py). Kept out of
the package's __init__, which its own modules import through."""

from services.h3.handlers import aggregate_parent, prepare, publish

HANDLERS = [prepare, aggregate_parent, publish]
