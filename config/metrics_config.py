"""Metrics settings (part of the one root Settings object, which inherits them)."""

from pydantic import BaseModel, Field


class MetricsSettings(BaseModel):
    metrics_enabled: bool = True
    metrics_sample_interval: float = Field(
        5.0, gt=0, description="seconds between job metric samples and progress flushes"
    )
    metrics_retention_minutes: int = Field(
        1440, ge=1, description="job_metrics rows older than this are deleted by the reconciler"
    )
    metrics_rate_window_seconds: float = Field(
        60.0, gt=0, description="rolling window for rates and ETA"
    )
    dashboard_refresh_seconds: float = Field(3.0, gt=0)
