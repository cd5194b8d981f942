"""The task handlers this package registers (listed by jobs/registry.py). Kept out of
the package's __init__, which its own modules import through."""

from services.ingest.copying import copy_batch
from services.ingest.discover import discover
from services.ingest.finalize import finalize
from services.ingest.inventory import inventory
from services.ingest.registering import register_collection, register_items

HANDLERS = [discover, inventory, copy_batch, register_collection, register_items, finalize]
