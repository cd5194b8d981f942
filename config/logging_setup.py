"""Process-wide logging: one format, the configured level, noisy SDK loggers quieted, and
no credential in any record.

httpx logs every request's full URL at INFO, and IBAT's credentials travel in the query
string, so httpx and httpcore are held at WARNING. Whatever still gets logged (an
exception's text, a library at DEBUG, a message of ours) passes SecretScrubber first: it
masks the values of secret-looking parameters and the current values of every secret
setting. It is installed through the log record factory, so it sees every record of the
process whichever handler emits it (ours, the Functions host's, a test's).
"""

import logging

from config.settings import Settings
from core.redaction import scrub_secret_parameters, scrub_values

# The Azure SDKs log every HTTP request and its headers at INFO; httpx and httpcore log URLs.
QUIET_LOGGERS = (
    "azure",
    "azure.core.pipeline.policies.http_logging_policy",
    "uamqp",
    "httpx",
    "httpcore",
)
# Shorter "secrets" are not scrubbed: masking every occurrence of a 3-character string would
# garble the logs, and such a value protects nothing anyway.
MIN_SECRET_LENGTH = 4


class SecretScrubber(logging.Filter):
    """Rewrites a record's message, exception and stack text with secrets masked."""

    def __init__(self, secrets: tuple[str, ...] = ()):
        super().__init__()
        self.secrets = secrets

    def scrub(self, text: str) -> str:
        return scrub_secret_parameters(scrub_values(text, self.secrets))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - arguments that do not fit the format, or whose str() fails: the
            return True  # record stays as it is and its handler reports the failure, as logging always does
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


_scrubber = SecretScrubber()


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    install_scrubber(tuple(v for v in settings.secret_values() if len(v) >= MIN_SECRET_LENGTH))


def install_scrubber(secrets: tuple[str, ...]) -> SecretScrubber:
    """Scrubs every record created from now on; calling again only updates the secrets."""
    _scrubber.secrets = secrets
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "scrubs_secrets", False):
        logging.setLogRecordFactory(_scrubbing(factory))
    return _scrubber


def _scrubbing(factory):
    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _scrubber.filter(record)
        return record

    make_record.scrubs_secrets = True
    return make_record
