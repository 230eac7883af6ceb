"""ASGI entry point for servers: ``uvicorn borderline.api.main:app``.

Also where a served process sets up logging (``api/logs.py``): every handler gets the privacy
domain's redacting filter, so no raw personal data reaches the logs.
"""

from borderline.api.app import create_app
from borderline.api.logs import install_log_filters

install_log_filters()
app = create_app()
