"""ASGI entry point for servers: ``uvicorn borderline.api.main:app``."""

from borderline.api.app import create_app

app = create_app()
