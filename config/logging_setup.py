"""Process-wide logging: one format, the configured level, noisy SDK loggers quieted."""

import logging

from config.settings import Settings

# The Azure SDKs log every HTTP request and its headers at INFO.
QUIET_LOGGERS = ("azure", "azure.core.pipeline.policies.http_logging_policy", "uamqp", "httpx")


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
