"""A logging filter that keeps raw personal data out of logs.

Install it on a handler (so every logger that reaches the handler is covered) or on a logger.
The message is formatted with its arguments first, because personal data usually arrives as
an argument (``log.info("paid by %s", email)``), then detected and replaced by ``<TYPE>``.
Exception text is redacted too: a traceback can quote the value that failed to parse.
"""

from __future__ import annotations

import logging

from borderline.privacy.analyzer import Analyzer, default_analyzer
from borderline.privacy.anonymise import anonymise


class RedactingFilter(logging.Filter):
    def __init__(self, analyzer: Analyzer | None = None, method: str = "replace") -> None:
        super().__init__()
        self.analyzer = analyzer or default_analyzer()
        self.method = method

    def redact(self, text: str) -> str:
        return anonymise(text, self.analyzer.analyze(text), self.method)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: redact the template itself
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def install(handler: logging.Handler | None = None) -> RedactingFilter:
    """Add the filter to ``handler`` or to every handler of the root logger."""
    flt = RedactingFilter()
    targets = [handler] if handler is not None else logging.getLogger().handlers
    for h in targets:
        h.addFilter(flt)
    return flt
