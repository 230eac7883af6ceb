"""The former home of ``Services``, kept so existing imports work.

``Services`` is :class:`borderline.application.Application`; the operations live in the
packages of their concepts (``borderline.decisions``, ``borderline.lists``).
"""

from borderline.application import Application
from borderline.decisions import (
    POLICY_NAME,
    BacktestReport,
    BatchItem,
    DbHistory,
    parse_order,
    payload_hash,
    payload_sha256,
    replay_policy,
)
from borderline.lists import ListCache

Services = Application

__all__ = [
    "POLICY_NAME",
    "Application",
    "BacktestReport",
    "BatchItem",
    "DbHistory",
    "ListCache",
    "Services",
    "parse_order",
    "payload_hash",
    "payload_sha256",
    "replay_policy",
]
