"""ingest_collection's task handlers: inventory, copy, register (collection, items), finalize."""

from services.ingest.copying import copy_batch
from services.ingest.finalize import finalize
from services.ingest.inventory import inventory
from services.ingest.registering import register_collection, register_items

HANDLERS = [inventory, copy_batch, register_collection, register_items, finalize]
