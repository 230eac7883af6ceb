"""The dashboard's Webhooks page (``borderline.web.webhooks``)."""

from borderline.web.webhooks import router

__all__ = ["router"]
