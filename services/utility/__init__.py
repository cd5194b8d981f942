"""Utility steps for pipelines: steps that belong to no data domain (notify)."""

from services.utility.notify import notify

HANDLERS = [notify]
