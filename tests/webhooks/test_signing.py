"""The Borderline-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from borderline.webhooks import sign, verify

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"decision.created"}'


def test_signature_is_hmac_sha256_of_t_dot_body() -> None:
    header = sign(SECRET, BODY, timestamp=1767225600)
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1767225600,v1={expected}"


@pytest.mark.parametrize(
    ("secret", "body", "header_t", "now", "ok"),
    [
        (SECRET, BODY, 1000, 1000, True),
        (SECRET, BODY, 1000, 1299, True),  # within the 300 s tolerance
        (SECRET, BODY, 1000, 1301, False),  # too old: a replay
        ("whsec_other", BODY, 1000, 1000, False),  # wrong secret
        (SECRET, BODY + b" ", 1000, 1000, False),  # body changed after signing
    ],
)
def test_verify(secret: str, body: bytes, header_t: int, now: float, ok: bool) -> None:
    header = sign(SECRET, BODY, timestamp=header_t)
    assert verify(secret, body, header, now=now) is ok


@pytest.mark.parametrize("header", ["", "t=1", "v1=ab", "t=x,v1=ab", "garbage", "t=1;v1=2"])
def test_malformed_headers_do_not_verify(header: str) -> None:
    assert verify(SECRET, BODY, header, now=1) is False


def test_a_second_v1_for_secret_rotation_verifies() -> None:
    good = sign(SECRET, BODY, timestamp=50).split("v1=")[1]
    assert verify(SECRET, BODY, f"t=50,v1={'0' * 64},v1={good}", now=50)
