"""Anonymisers: deterministic pseudonyms, reversible FPE and encryption, key rotation."""

from __future__ import annotations

import json
import logging
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderline.errors import DataFileError, InvalidInput, NotFound
from borderline.privacy.analyzer import Analyzer
from borderline.privacy.anonymise import (
    Keyring,
    anonymise,
    decrypt_text,
    decrypt_token,
    encrypt_value,
    fpe,
    mask,
    pseudonym,
    rotate_token,
)
from borderline.privacy.logfilter import RedactingFilter

TEXT = "Refund John Smith, card 4111 1111 1111 1111, mail john@example.com"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="module")
def ring() -> Keyring:
    return Keyring.generate()


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("replace", "Refund <PERSON>, card <CREDIT_CARD>, mail <EMAIL_ADDRESS>"),
        ("redact", "Refund , card , mail "),
        ("mask", "Refund **** *****, card **** **** **** 1111, mail ****@*******.***"),
    ],
)
def test_unkeyed_methods(analyzer, method, expected):
    assert anonymise(TEXT, analyzer.analyze(TEXT), method) == expected


def test_pseudonyms_are_consistent_per_key_and_differ_across_keys(ring):
    a = pseudonym("John@Example.com", "EMAIL_ADDRESS", ring)
    assert a == pseudonym("john@example.com ", "EMAIL_ADDRESS", ring)
    assert a != pseudonym("jane@example.com", "EMAIL_ADDRESS", ring)
    assert a != pseudonym("john@example.com", "EMAIL_ADDRESS", Keyring.generate())
    assert a.startswith("<EMAIL_ADDRESS_") and "john" not in a


@settings(max_examples=50, deadline=None)
@given(st.text(string.digits + " -", min_size=6, max_size=30))
def test_fpe_round_trips_and_keeps_the_format(value):
    ring = Keyring.generate()
    if sum(c.isdigit() for c in value) < 6:
        return
    enc = fpe(value, "CREDIT_CARD", ring)
    assert len(enc) == len(value)
    assert [c.isdigit() for c in enc] == [c.isdigit() for c in value]
    assert fpe(enc, "CREDIT_CARD", ring, decrypt=True) == value


def test_fpe_short_values_are_masked(ring):
    assert fpe("12-34", "POSTAL_CODE", ring) == "**-**"


def test_encryption_round_trip_rotation_and_tamper(ring, tmp_path):
    token = encrypt_value("4111 1111 1111 1111", "CREDIT_CARD", ring)
    old_kid = ring.current
    assert token.startswith(f"enc:{old_kid}:")
    assert decrypt_token(token, "CREDIT_CARD", ring) == "4111 1111 1111 1111"
    with pytest.raises(InvalidInput, match="does not decrypt"):
        decrypt_token(token, "PHONE_NUMBER", ring)  # the type is bound as associated data
    new_kid = ring.rotate()
    rotated = rotate_token(token, "CREDIT_CARD", ring)
    assert rotated.startswith(f"enc:{new_kid}:")
    assert decrypt_token(token, "CREDIT_CARD", ring) == decrypt_token(rotated, "CREDIT_CARD", ring)
    path = tmp_path / "ring.json"
    ring.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = Keyring.load(path)
    assert decrypt_text(f"card {token} end", loaded) == "card 4111 1111 1111 1111 end"
    del loaded.keys[old_kid]
    with pytest.raises(NotFound):
        decrypt_token(token, "CREDIT_CARD", loaded)


def test_bad_keyring_and_method_are_clear(tmp_path):
    bad = tmp_path / "ring.json"
    bad.write_text(json.dumps({"current": "x", "keys": {"x": "AAAA"}}))
    with pytest.raises(DataFileError, match="32-byte"):
        Keyring.load(bad)
    with pytest.raises(InvalidInput, match="unknown method"):
        anonymise("a", [], "shred")
    with pytest.raises(InvalidInput, match="needs a keyring"):
        from borderline.privacy.anonymise import anonymise_value

        anonymise_value("a", "PERSON", "hash", None)


def test_mask_keeps_separators_and_last_four():
    assert mask("DE89 3704 0044 0532 0130 00") == "**** **** **** **** **30 00"


def test_redacting_log_filter_keeps_pii_out_of_every_record(caplog):
    log = logging.getLogger("borderline.test.privacy")
    flt = RedactingFilter()
    log.addFilter(flt)
    try:
        with caplog.at_level(logging.INFO, logger=log.name):
            log.info("payment by %s from %s", "john@example.com", "+44 20 7946 0958")
            log.warning("身份证号 %s 校验失败", "360426199101010071")
            try:
                raise ValueError("bad card 4111 1111 1111 1111")
            except ValueError:
                log.exception("parse failed")
    finally:
        log.removeFilter(flt)
    text = caplog.text
    for raw in ("john@example.com", "7946 0958", "360426199101010071", "4111 1111 1111 1111"):
        assert raw not in text
    assert "payment by <EMAIL_ADDRESS> from <PHONE_NUMBER>" in text
    assert "<CREDIT_CARD>" in text  # inside the traceback
