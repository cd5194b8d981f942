"""Pipelines as data: a definition (JSON), its validation against the registered steps,
and its compilation into the engine's JobDefinition (docs/pipelines.md)."""
