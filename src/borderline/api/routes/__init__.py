"""API routers. Every module here exposes ``router``; ``create_app`` includes them all.

A module may also define ``install(app)`` to add middleware or mounts.
"""
