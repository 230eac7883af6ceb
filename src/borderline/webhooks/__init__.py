"""Outbound webhooks: signed, at-least-once event deliveries from a transactional outbox.

Public API (the rest is internal):

- :data:`EVENT_TYPES`: the event types an endpoint can subscribe to.
- :func:`create_endpoint`, :func:`list_endpoints`, :func:`disable_endpoint`: endpoints.
- :func:`list_deliveries`, :func:`get_delivery`, :func:`resend`, :func:`send_test`,
  :func:`prune`: the delivery log.
- :func:`deliver_due` and :class:`Dispatcher` (:class:`DispatchConfig`,
  :class:`DeliverReport`): sending (one round, or a background thread).
- :func:`sign` and :func:`verify`: the ``Borderline-Signature`` header
  (:data:`SIGNATURE_HEADER`, :data:`EVENT_HEADER`).

Events are written by :mod:`borderline.webhooks.outbox`, which observes the audit ledger.
"""

from borderline.webhooks.dispatcher import DeliverReport, DispatchConfig, Dispatcher, deliver_due
from borderline.webhooks.outbox import EVENT_TYPES
from borderline.webhooks.service import (
    create_endpoint,
    disable_endpoint,
    get_delivery,
    list_deliveries,
    list_endpoints,
    prune,
    resend,
    send_test,
)
from borderline.webhooks.signing import EVENT_HEADER, SIGNATURE_HEADER, sign, verify

__all__ = [
    "EVENT_HEADER",
    "EVENT_TYPES",
    "SIGNATURE_HEADER",
    "DeliverReport",
    "DispatchConfig",
    "Dispatcher",
    "create_endpoint",
    "deliver_due",
    "disable_endpoint",
    "get_delivery",
    "list_deliveries",
    "list_endpoints",
    "prune",
    "resend",
    "send_test",
    "sign",
    "verify",
]
