"""Order intake from storefronts and disputes from payment providers.

Public API (the rest is internal):

- :func:`receive_shopify`, :func:`receive_woocommerce`: a signed order webhook -> a decision.
- :func:`receive_stripe`: a signed dispute event -> a fraud label on the matching order;
  :func:`dispute_label`, the label a dispute becomes.
- :func:`map_shopify`, :func:`map_woocommerce`: the mappings alone (``Mapped``: order dict +
  gaps).
- :func:`deliver_writebacks`, :class:`WritebackLoop`, :func:`enabled`,
  :func:`risk_assessment_request`: Shopify risk-assessment write-back.
- :class:`IntakeHost`: what intake needs from the application.
"""

from borderline.intake.mapping import Mapped, map_shopify, map_woocommerce
from borderline.intake.service import (
    IntakeHost,
    dispute_label,
    receive_shopify,
    receive_stripe,
    receive_woocommerce,
)
from borderline.intake.writeback import (
    WritebackLoop,
    deliver_writebacks,
    enabled,
    risk_assessment_request,
)

__all__ = [
    "IntakeHost",
    "Mapped",
    "WritebackLoop",
    "deliver_writebacks",
    "dispute_label",
    "enabled",
    "map_shopify",
    "map_woocommerce",
    "receive_shopify",
    "receive_stripe",
    "receive_woocommerce",
    "risk_assessment_request",
]
