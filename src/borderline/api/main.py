"""ASGI entry point for servers: ``uvicorn borderline.api.main:app``.

Also where a served process sets up logging: every handler gets the privacy domain's
redacting filter, so no raw personal data reaches the logs.
"""

import logging

from borderline.api.app import create_app
from borderline.privacy.logfilter import install
from borderline.settings import Settings

logging.basicConfig(level=Settings().log_level)
_filter = install()
for _name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
    for _handler in logging.getLogger(_name).handlers:
        _handler.addFilter(_filter)

app = create_app()
