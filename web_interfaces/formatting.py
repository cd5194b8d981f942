"""Jinja2 filters: how numbers, durations and times read on the dashboard."""

from datetime import datetime


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def clock(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def sparkline(values: list[float | None], width: int = 240, height: int = 40) -> str:
    """SVG polyline points for a series (None read as 0)."""
    points = [v or 0.0 for v in values]
    if len(points) < 2:
        return ""
    top = max(points) or 1.0
    step = width / (len(points) - 1)
    return " ".join(
        f"{i * step:.1f},{height - (v / top) * (height - 2) - 1:.1f}" for i, v in enumerate(points)
    )


def register_filters(env) -> None:
    env.filters.update(duration=duration, number=number, clock=clock, sparkline=sparkline)
