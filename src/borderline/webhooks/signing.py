"""Signing outbound deliveries: ``Borderline-Signature: t=<unix seconds>,v1=<hex HMAC>``.

The HMAC-SHA256 is taken over ``"<t>.<body>"`` with the endpoint's secret, so a receiver can
refuse both a forged body and an old one replayed later (it checks ``t`` against its clock).
The same scheme as Stripe's; :func:`verify` is what a receiver written in Python would do.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Borderline-Signature"
EVENT_HEADER = "Borderline-Event"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body`` signed now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def parse(header: str) -> tuple[int, list[str]]:
    """``t=..,v1=..[,v1=..]`` -> (t, [v1 signatures]); ValueError when malformed."""
    t: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise ValueError(f"malformed signature element {part.strip()!r}")
        if key == "t":
            if not value.isdigit():
                raise ValueError("t must be unix seconds")
            t = int(value)
        elif key == "v1":
            sigs.append(value)
    if t is None or not sigs:
        raise ValueError("signature needs t= and v1=")
    return t, sigs


def verify(
    secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """True when one v1 signature matches and ``t`` is within ``tolerance`` seconds of now."""
    try:
        t, sigs = parse(header)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    # compare_digest on every candidate: the time taken does not tell which one was close.
    return any(hmac.compare_digest(expected, s) for s in sigs)
