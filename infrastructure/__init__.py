"""Adapters: database, queues, blob storage, external HTTP clients."""
