"""Acting on what detection found: redact, mask, replace, pseudonymise, FPE-tokenise, encrypt.

Detection (``analyzer.py``) never changes text; these functions take its entities and rewrite
the text right to left so earlier offsets stay valid. Keyed methods use a ``Keyring``: a JSON
file of named 256-bit keys with one current key, so keys can rotate while old ciphertexts stay
readable (each token names the key id that made it).

- ``hash``: HMAC-SHA256 pseudonyms, the same input gives the same token under one key (so
  joins across records still work) and nothing without the key links token to value.
- ``fpe``: FF3-1 format-preserving encryption (NIST SP 800-38G Rev. 1, via the ``ff3``
  library) over the digits of a value; separators and letters stay in place, so a card still
  looks like a card. FF3-1 needs at least 6 digits; shorter values are masked instead.
- ``encrypt``: AES-256-GCM with a random nonce and the entity type as associated data;
  reversible with ``decrypt_token``; ``rotate_token`` re-encrypts under the current key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from ff3 import FF3Cipher

from borderline.errors import DataFileError, InvalidInput, NotFound
from borderline.privacy.entities import Entity

METHODS = ("redact", "mask", "replace", "hash", "fpe", "encrypt")
_METHOD_LIST = ", ".join(METHODS)
KEYED = frozenset({"hash", "fpe", "encrypt"})
_TOKEN = re.compile(r"enc:([A-Za-z0-9_\-]{1,40}):([A-Za-z0-9_\-]+={0,2})")


@dataclass
class Keyring:
    """Named keys and the id of the current one. ``keys`` maps key id -> 32 random bytes."""

    keys: dict[str, bytes] = field(default_factory=dict)
    current: str = ""

    @classmethod
    def generate(cls) -> Keyring:
        ring = cls()
        ring.rotate()
        return ring

    def rotate(self) -> str:
        """Add a new key and make it current; old keys stay to decrypt old tokens."""
        kid = f"k{len(self.keys) + 1}-{secrets.token_hex(3)}"
        self.keys[kid] = secrets.token_bytes(32)
        self.current = kid
        return kid

    def key(self, kid: str | None = None) -> bytes:
        kid = kid or self.current
        if kid not in self.keys:
            raise NotFound(f"no key {kid!r} in the keyring", where="keyring")
        return self.keys[kid]

    @classmethod
    def load(cls, path: Path | str) -> Keyring:
        p = Path(path)
        if not p.is_file():
            raise NotFound(
                "no keyring file; create one with `borderline privacy keys rotate`", where=str(p)
            )
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            keys = {k: base64.b64decode(v, validate=True) for k, v in data["keys"].items()}
            current = str(data["current"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DataFileError(f"not a keyring file ({exc})", where=str(p)) from None
        if current not in keys or any(len(k) != 32 for k in keys.values()):
            raise DataFileError("keyring needs 32-byte keys and a known current id", where=str(p))
        return cls(keys, current)

    def save(self, path: Path | str) -> None:
        """Write atomically with owner-only permissions: the file holds secrets."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "current": self.current,
            "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
        }
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(body, fh, indent=2)
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _subkey(ring: Keyring, purpose: str, kid: str | None = None) -> bytes:
    # One master key per id, separate derived keys per purpose, so a leaked pseudonym key
    # does not decrypt anything and vice versa.
    return hmac.new(ring.key(kid), purpose.encode(), hashlib.sha256).digest()


def pseudonym(value: str, etype: str, ring: Keyring) -> str:
    norm = " ".join(value.split()).casefold()
    digest = hmac.new(_subkey(ring, "pseudonym"), f"{etype}\x00{norm}".encode(), hashlib.sha256)
    return f"<{etype}_{digest.hexdigest()[:16]}>"


def mask(value: str, keep_last: int = 4, char: str = "*") -> str:
    """Mask letters and digits, keep separators; keep the last digits of long numbers (as on
    a receipt). Names and emails keep nothing: their last letters identify too much."""
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    keep = set(digits[-keep_last:]) if len(digits) >= 8 and keep_last else set()
    return "".join(c if (not c.isalnum() or i in keep) else char for i, c in enumerate(value))


def _ff3(ring: Keyring, etype: str) -> FF3Cipher:
    key = _subkey(ring, "fpe")[:16].hex()
    # FF3-1 uses a 56-bit tweak; deriving it from the type keeps a card and a phone with the
    # same digits from encrypting alike.
    tweak = hashlib.sha256(etype.encode()).digest()[:7].hex()
    return FF3Cipher(key, tweak, radix=10)


def fpe(value: str, etype: str, ring: Keyring, *, decrypt: bool = False) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) < 6:
        if decrypt:
            return value
        return mask(value, keep_last=0)
    cipher = _ff3(ring, etype)
    out_digits = iter(cipher.decrypt(digits) if decrypt else cipher.encrypt(digits))
    return "".join(next(out_digits) if c.isdigit() else c for c in value)


def encrypt_value(value: str, etype: str, ring: Keyring) -> str:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(_subkey(ring, "encrypt")).encrypt(nonce, value.encode(), etype.encode())
    return f"enc:{ring.current}:{base64.urlsafe_b64encode(nonce + ct).decode()}"


def decrypt_token(token: str, etype: str, ring: Keyring) -> str:
    m = _TOKEN.fullmatch(token)
    if not m:
        raise InvalidInput("not an encryption token (enc:<key id>:<data>)", where="token")
    kid, data = m.groups()
    raw = base64.urlsafe_b64decode(data)
    try:
        plain = AESGCM(_subkey(ring, "encrypt", kid)).decrypt(raw[:12], raw[12:], etype.encode())
    except InvalidTag:
        raise InvalidInput(
            f"token does not decrypt under key {kid!r} as {etype}", where="token"
        ) from None
    return plain.decode()


def rotate_token(token: str, etype: str, ring: Keyring) -> str:
    """Re-encrypt a token under the keyring's current key (after ``Keyring.rotate``)."""
    return encrypt_value(decrypt_token(token, etype, ring), etype, ring)


def decrypt_text(text: str, ring: Keyring, etype: str | None = None) -> str:
    """Replace every ``enc:…`` token in ``text`` by its plaintext (type tried from the ring)."""
    from borderline.privacy.entities import ENTITY_TYPES

    def one(m: re.Match[str]) -> str:
        for t in (etype,) if etype else ENTITY_TYPES:
            try:
                return decrypt_token(m.group(), t, ring)
            except InvalidInput:
                continue
        return m.group()

    return _TOKEN.sub(one, text)


def anonymise_value(value: str, etype: str, method: str, ring: Keyring | None = None) -> str:
    if method not in METHODS:
        raise InvalidInput(
            f"unknown method {method!r}; one of {', '.join(METHODS)}", where="method"
        )
    if method in KEYED and ring is None:
        raise InvalidInput(f"method {method!r} needs a keyring", where="keyring")
    if method == "redact":
        return ""
    if method == "mask":
        return mask(value)
    if method == "replace":
        return f"<{etype}>"
    assert ring is not None
    if method == "hash":
        return pseudonym(value, etype, ring)
    if method == "fpe":
        return fpe(value, etype, ring)
    return encrypt_value(value, etype, ring)


def anonymise(
    text: str, entities: Sequence[Entity], method: str, ring: Keyring | None = None
) -> str:
    """Rewrite ``text`` with each entity replaced; entities must not overlap (the analyzer's
    output never does)."""
    if method not in METHODS:
        raise InvalidInput(
            f"unknown method {method!r}; one of {', '.join(METHODS)}", where="method"
        )
    out = text
    for e in sorted(entities, key=lambda e: e.start, reverse=True):
        out = (
            out[: e.start]
            + anonymise_value(text[e.start : e.end], e.type, method, ring)
            + out[e.end :]
        )
    return out
