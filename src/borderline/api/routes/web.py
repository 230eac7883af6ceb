"""The analyst's web workspace (pages under /web); see ``borderline.web``."""

from borderline.web.routes import install, router

__all__ = ["install", "router"]
