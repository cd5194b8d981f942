"""Settings: one root object, built once by the composition root and passed down."""

from config.settings import Settings

__all__ = ["Settings"]
