"""The HTTP API: the FastAPI application factory, dependencies and one router per domain."""
