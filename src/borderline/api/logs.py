"""Logging for a served process: every handler gets the privacy domain's redacting filter, so
no raw personal data reaches the logs. Called once uvicorn has configured its loggers."""

from __future__ import annotations

import logging

from borderline.privacy import install
from borderline.settings import Settings


def install_log_filters() -> None:
    logging.basicConfig(level=Settings().log_level)
    redact = install()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(redact)
