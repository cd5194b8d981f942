"""Pipelines as data: storage of versions, their compilation for the engine, the plan
preview, scheduled runs and the outputs of a run (docs/pipelines.md)."""
