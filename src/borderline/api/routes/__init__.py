"""API routers. Every module here exposes ``router``; ``create_app`` includes them all."""
