"""C2SP signed notes and tlog checkpoints with Ed25519 (https://c2sp.org/signed-note).

A checkpoint's text is ``<origin>\\n<size>\\n<base64 root>\\n``; the signed note appends a blank
line and one line per signature: ``— <key name> <base64(4-byte key hash ‖ signature)>``.
The key hash is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from borderline.errors import InvalidInput

_ALG_ED25519 = b"\x01"
_DASH = "\u2014"  # the em dash that starts every signature line


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ALG_ED25519 + _raw_public(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The text form others use to verify: ``name+hash+base64(alg ‖ key)``."""
    return "+".join(
        (
            name,
            key_hash(name, public).hex(),
            base64.b64encode(_ALG_ED25519 + _raw_public(public)).decode(),
        )
    )


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    try:
        name, hash_hex, b64 = text.strip().split("+", 2)
        raw = base64.b64decode(b64, validate=True)
    except ValueError:
        raise InvalidInput("verifier key must be name+hash+base64key", where="key") from None
    if raw[:1] != _ALG_ED25519 or len(raw) != 33:
        raise InvalidInput("only Ed25519 verifier keys are supported", where="key")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_hash(name, public).hex() != hash_hex:
        raise InvalidInput("verifier key hash does not match its name and key", where="key")
    return name, public


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(text: str, name: str, private: Ed25519PrivateKey) -> str:
    if not text.endswith("\n"):
        raise ValueError("note text must end with a newline")
    sig = private.sign(text.encode())
    blob = base64.b64encode(key_hash(name, private.public_key()) + sig).decode()
    return f"{text}\n{_DASH} {name} {blob}\n"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str


def open_checkpoint(note: str, verifier: str) -> Checkpoint:
    """Verify a signed checkpoint with a verifier key and parse it; raises on any mismatch."""
    name, public = parse_verifier_key(verifier)
    text, sep, sigs = note.partition("\n\n")
    if not sep:
        raise InvalidInput("signed note has no blank line before its signatures", where="note")
    text += "\n"
    want = key_hash(name, public)
    for line in sigs.splitlines():
        if not line.startswith(_DASH + " "):
            raise InvalidInput(f"bad signature line {line!r}", where="note")
        _, sig_name, blob = line.split(" ", 2)
        raw = base64.b64decode(blob)
        if sig_name != name or raw[:4] != want:
            continue
        try:
            public.verify(raw[4:], text.encode())
        except InvalidSignature:
            raise InvalidInput("checkpoint signature does not verify", where="note") from None
        lines = text.splitlines()
        if len(lines) < 3 or not lines[1].isdigit():
            raise InvalidInput("checkpoint body must be origin, size and root", where="note")
        return Checkpoint(lines[0], int(lines[1]), base64.b64decode(lines[2]), text)
    raise InvalidInput(f"no signature by key {name!r} on this note", where="note")
