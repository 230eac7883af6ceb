"""C2SP signed-note checkpoints: round trip, tampering, wrong keys, malformed input."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from borderline.errors import InvalidInput
from borderline.ledger.note import (
    checkpoint_text,
    key_hash,
    open_checkpoint,
    parse_verifier_key,
    sign_note,
    verifier_key,
)

ROOT = bytes(range(32))


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_checkpoint_format(key: Ed25519PrivateKey) -> None:
    note = sign_note(checkpoint_text("example.com/log", 42, ROOT), "example.com/log", key)
    body, sig = note.split("\n\n")
    assert body.split("\n") == ["example.com/log", "42", base64.b64encode(ROOT).decode()]
    assert sig.startswith("\u2014 example.com/log ")
    blob = base64.b64decode(sig.split(" ")[2])
    assert blob[:4] == key_hash("example.com/log", key.public_key())
    assert len(blob) == 4 + 64


def test_round_trip(key: Ed25519PrivateKey) -> None:
    note = sign_note(checkpoint_text("o", 7, ROOT), "o", key)
    cp = open_checkpoint(note, verifier_key("o", key.public_key()))
    assert (cp.origin, cp.size, cp.root) == ("o", 7, ROOT)


@pytest.mark.parametrize(
    "edit",
    [
        lambda n: n.replace("\n7\n", "\n8\n"),
        lambda n: n.replace("o\n", "p\n", 1),
    ],
)
def test_tampered_note_fails(key: Ed25519PrivateKey, edit: object) -> None:
    note = sign_note(checkpoint_text("o", 7, ROOT), "o", key)
    with pytest.raises(InvalidInput):
        open_checkpoint(edit(note), verifier_key("o", key.public_key()))  # type: ignore[operator]


def test_other_key_fails(key: Ed25519PrivateKey) -> None:
    note = sign_note(checkpoint_text("o", 7, ROOT), "o", key)
    other = Ed25519PrivateKey.generate()
    with pytest.raises(InvalidInput, match="no signature"):
        open_checkpoint(note, verifier_key("o", other.public_key()))


@pytest.mark.parametrize("text", ["", "a+b", "name+00000000+AAAA", "n+zz+" + "A" * 44])
def test_malformed_verifier_keys(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_verifier_key(text)


def test_verifier_key_parses_back(key: Ed25519PrivateKey) -> None:
    name, pub = parse_verifier_key(verifier_key("borderline.local/ledger", key.public_key()))
    assert name == "borderline.local/ledger"
    assert key_hash(name, pub) == key_hash(name, key.public_key())
