"""Job metrics: the sampler (SQL aggregates → app.job_metrics), progress reads, and the
context-specific progress trackers handlers use."""
