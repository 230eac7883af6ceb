"""Checking that a webhook comes from the platform that claims to have sent it.

Shopify and WooCommerce sign the raw body: base64(HMAC-SHA256(body, secret)). Stripe signs
``"<t>.<body>"`` and sends ``Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=...]``, and a
receiver must refuse a timestamp outside its tolerance (an old message replayed). Every
comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def base64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_base64_hmac(secret: str, body: bytes, header: str | None) -> bool:
    """Shopify's X-Shopify-Hmac-Sha256 and WooCommerce's X-WC-Webhook-Signature."""
    if not secret or not header:
        return False
    return hmac.compare_digest(base64_hmac(secret, body).encode(), header.strip().encode())


def stripe_signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_stripe(
    secret: str, body: bytes, header: str | None, *, tolerance: int, now: float | None = None
) -> str | None:
    """None when the Stripe-Signature is good, else the reason it is not."""
    if not secret:
        return "no Stripe signing secret is configured (BORDERLINE_STRIPE_WEBHOOK_SECRET)"
    if not header:
        return "missing Stripe-Signature header"
    t: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            t = int(value)
        elif key == "v1":
            sigs.append(value)
    if t is None or not sigs:
        return "Stripe-Signature needs t= and v1="
    current = time.time() if now is None else now
    if abs(current - t) > tolerance:
        return f"Stripe-Signature timestamp is outside the {tolerance} s tolerance"
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected.encode(), s.encode()) for s in sigs):
        return "Stripe-Signature does not match"
    return None
