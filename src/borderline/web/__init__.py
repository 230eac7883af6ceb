"""The analyst's web workspace: server-rendered pages over ``Services`` and ``cases``.

Served by the API app: ``borderline.api.routes.web`` exposes this package's ``router`` and
``install`` (static files and the session middleware).
"""
