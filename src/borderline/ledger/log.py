"""The audit ledger: an append-only Merkle log stored in the database.

Each entry (leaf) is canonical JSON holding only a kind, a subject id, the SHA-256 of the
record it commits to, and a time: no personal data reaches the log. Complete subtree hashes
are stored as they form, so appends cost O(1) amortised writes and any proof needs O(log n)
stored hashes fetched in one query, never a recomputation over all leaves.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from borderline.errors import InvalidInput, NotFound
from borderline.ledger import merkle
from borderline.ledger.canonical import (
    CURRENT_FORMAT,
    LEGACY_FORMAT,
    canonical_bytes,
    current_format,
    jcs_builtin,
    record_format,
)
from borderline.ledger.coverage import Coverage, Entry, LoggedIndex, NotRecheckable
from borderline.ledger.note import checkpoint_text, open_checkpoint, sign_note, verifier_key
from borderline.model import Receipt
from borderline.store.models import LedgerCheckpointRow, LedgerLeafRow, LedgerNodeRow

_TIP_SELECT = (
    select(LedgerLeafRow.__table__.c.idx, LedgerLeafRow.__table__.c.leaf_hash)
    .order_by(LedgerLeafRow.__table__.c.idx.desc())
    .limit(1)
)
_LEAF_INSERT = insert(cast(Table, LedgerLeafRow.__table__))
_NODE_INSERT = insert(cast(Table, LedgerNodeRow.__table__))


def canonical_json(obj: Any) -> bytes:
    """Canonical bytes in the record format in force (RFC 8785 unless re-checking format 1)."""
    return canonical_bytes(obj)


def canonical_json_builtin(obj: Any) -> bytes | None:
    """:func:`canonical_json` of a value made of JSON's own types only (see
    ``canonical.jcs_builtin``), or ``None``: the value holds something else, or the format in
    force is not RFC 8785."""
    return jcs_builtin(obj) if current_format() == CURRENT_FORMAT else None


def record_hash(record: Mapping[str, Any], version: int | None = None) -> str:
    return hashlib.sha256(canonical_bytes(record, version)).hexdigest()


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput("ledger key is not an Ed25519 private key", where=str(path))
        return key
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pem)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


def _fetch_nodes(
    session: Session, wanted: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """Stored nodes by (level, idx): one query, one primary-key lookup per level.

    Grouped by level rather than a row-value IN (which SQLite cannot match to the primary
    key), and sent as driver SQL: the statement's shape changes with every proof, so
    SQLAlchemy's compile cache would miss each time. Only integers are interpolated.
    """
    by_level: dict[int, list[int]] = {}
    for level, idx in wanted:
        by_level.setdefault(int(level), []).append(int(idx))
    if not by_level:
        return {}
    cond = " OR ".join(
        f"(level = {lv} AND idx IN ({','.join(str(i) for i in ixs)}))"
        for lv, ixs in sorted(by_level.items())
    )
    rows = session.connection().exec_driver_sql(
        f"SELECT level, idx, hash FROM ledger_nodes WHERE {cond}"
    )
    return {(lv, ix): bytes(h) for lv, ix, h in rows}


def _blocks(start: int, end: int) -> list[tuple[int, int]]:
    """Stored nodes (level, idx) whose concatenation is the RFC 9162 subtree [start, end)."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return [(level, start >> level)]
    k = merkle.split_point(n)
    return _blocks(start, start + k) + _blocks(start + k, end)


@dataclass
class VerifyReport:
    size: int
    root: str
    checkpoint_size: int
    problems: list[str] = field(default_factory=list)
    records_checked: int = 0
    coverage: list[dict[str, Any]] = field(default_factory=list)
    checkpoint_time: str | None = None
    unchecked_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "root": self.root,
            "checkpoint_size": self.checkpoint_size,
            "checkpoint_time": self.checkpoint_time,
            "records_checked": self.records_checked,
            "coverage": self.coverage,
            "unchecked_kinds": self.unchecked_kinds,
            "problems": self.problems,
        }


# kind -> function(session, subject) returning the record as it is stored now (None if gone).
RecordResolver = Callable[[Session, str], Mapping[str, Any] | None]
# Called with (session, kind, subject, record, receipt) after each append, in the appender's
# transaction: whatever an observer writes lands with the entry or not at all (the webhook
# outbox is one).
EntryObserver = Callable[[Session, str, str, Mapping[str, Any], Receipt], None]


class Ledger:
    def __init__(
        self,
        origin: str,
        key: Ed25519PrivateKey,
        key_name: str | None = None,
        *,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 60.0,
    ) -> None:
        self.origin = origin
        self.key = key
        self.key_name = key_name or origin
        self.resolvers: dict[str, RecordResolver] = {}
        self.coverage: list[Coverage] = []
        # Automatic checkpoints: an append that crosses a multiple of ``checkpoint_every``
        # entries, or comes ``checkpoint_seconds`` after this process's last checkpoint, signs
        # one in its own transaction. Deleting the newest entries is then caught by a signed
        # size larger than the log, or (past the last checkpoint) by rows left without entries.
        self.checkpoint_every = max(1, int(checkpoint_every))
        self.checkpoint_seconds = float(checkpoint_seconds)
        self._last_checkpoint = time.monotonic()
        self.observers: list[EntryObserver] = []
        # SQLite has no row locks to serialise appenders; one process-wide lock does it.
        self._lock = threading.Lock()
        # (size, last leaf hash, frontier nodes) after this process's last append, checked
        # against the stored tip before use: another writer in between only costs one query.
        self._frontier: tuple[int, bytes, dict[tuple[int, int], bytes]] | None = None

    @property
    def verifier(self) -> str:
        return verifier_key(self.key_name, self.key.public_key())

    def register_resolver(self, kind: str, resolver: RecordResolver) -> None:
        self.resolvers[kind] = resolver

    def register_coverage(self, coverage: Coverage) -> None:
        """A table whose every row must be logged, with the columns checked against the log."""
        self.coverage = [c for c in self.coverage if c.table != coverage.table] + [coverage]

    def observe(self, observer: EntryObserver) -> None:
        """Call ``observer`` for every entry appended from now on, in the same transaction."""
        if observer not in self.observers:
            self.observers.append(observer)

    # -- appending ---------------------------------------------------------------------------

    def _serialise(self, session: Session) -> None:
        if session.get_bind().dialect.name == "postgresql":
            # Transaction-scoped: released at commit or rollback, so a failed write frees it.
            session.execute(text("SELECT pg_advisory_xact_lock(7152026)"))

    def size(self, session: Session) -> int:
        last = session.connection().exec_driver_sql("SELECT max(idx) FROM ledger_leaves").scalar()
        return 0 if last is None else int(last) + 1

    def append(
        self, session: Session, *, kind: str, subject: str, record: Mapping[str, Any]
    ) -> Receipt:
        return self.append_many(session, [(kind, subject, record)])[0]

    def append_many(
        self,
        session: Session,
        entries: Iterable[tuple[str, str, Mapping[str, Any]]],
        *,
        record_version: int = CURRENT_FORMAT,
    ) -> list[Receipt]:
        """Append entries in the caller's transaction: they land with the change, or not at all.

        ``record_version`` exists to reproduce logs written before RFC 8785 (format 1) in
        tests and migrations; everything else writes the current format.
        """
        entries = list(entries)
        if not entries:
            return []
        with self._lock:
            self._serialise(session)
            last = session.execute(_TIP_SELECT).first()
            start = 0 if last is None else int(last[0]) + 1
            tip = b"" if last is None else bytes(last[1])
            # The right frontier (complete subtrees covering [0, start)) is all an append needs.
            frontier = self._frontier_for(session, start, tip)
            now = datetime.now(UTC)
            nodes: dict[tuple[int, int], bytes] = {}
            leaves = []
            receipts = []
            for offset, (kind, subject, record) in enumerate(entries):
                idx = start + offset
                rhash = record_hash(record, record_version)
                leaf = canonical_bytes(
                    {
                        "v": record_version,
                        "kind": kind,
                        "subject": subject,
                        "record_sha256": rhash,
                        "time": now.isoformat(),
                    },
                    record_version,
                )
                lh = merkle.leaf_hash(leaf)
                leaves.append(
                    {
                        "idx": idx,
                        "kind": kind,
                        "subject": subject,
                        "leaf": leaf,
                        "leaf_hash": lh,
                        "created_at": now,
                    }
                )
                nodes[(0, idx)] = lh
                level, i, h = 0, idx, lh
                while i & 1:  # a right child completes its parent
                    left = nodes.get((level, i - 1)) or frontier[(level, i - 1)]
                    h = merkle.node_hash(left, h)
                    level, i = level + 1, i >> 1
                    nodes[(level, i)] = h
                receipts.append(Receipt(log_index=idx, leaf_hash=lh.hex(), record_hash=rhash))
            session.execute(_LEAF_INSERT, leaves)
            session.execute(
                _NODE_INSERT,
                [{"level": lv, "idx": ix, "hash": hv} for (lv, ix), hv in nodes.items()],
            )
            end = start + len(entries)
            all_nodes = {**frontier, **nodes}
            frontier_end = {b: all_nodes[b] for b in _blocks(0, end)}
            self._frontier = (end, lh, frontier_end)
            due = end // self.checkpoint_every > start // self.checkpoint_every or (
                time.monotonic() - self._last_checkpoint >= self.checkpoint_seconds
            )
            if due and session.get(LedgerCheckpointRow, end) is None:
                root = _fold(0, end, iter(frontier_end[b] for b in _blocks(0, end)))
                self._store_checkpoint(session, end, root)
        for observer in self.observers:
            # An observer with a ``many`` form sees the whole append at once (the webhook
            # outbox reads the subscriptions once for all of it).
            many = getattr(observer, "many", None)
            if many is not None:
                pairs = zip(entries, receipts, strict=True)
                many(session, [(k, sub, rec, receipt) for (k, sub, rec), receipt in pairs])
                continue
            for (kind, subject, record), receipt in zip(entries, receipts, strict=True):
                observer(session, kind, subject, record, receipt)
        return receipts

    def _store_checkpoint(self, session: Session, size: int, root: bytes) -> LedgerCheckpointRow:
        note = sign_note(checkpoint_text(self.origin, size, root), self.key_name, self.key)
        row = LedgerCheckpointRow(size=size, root=root, note=note, created_at=datetime.now(UTC))
        session.add(row)
        session.flush()
        self._last_checkpoint = time.monotonic()
        return row

    def _frontier_for(
        self, session: Session, size: int, tip: bytes
    ) -> dict[tuple[int, int], bytes]:
        cached = self._frontier
        # Same size and same last leaf: nobody else appended (or rolled back) since we did.
        if cached is not None and cached[0] == size and cached[1] == tip:
            return cached[2]
        if size == 0:
            return {}
        wanted = _blocks(0, size)
        found = _fetch_nodes(session, wanted)
        if len(found) != len(wanted):
            raise NotFound("ledger frontier nodes missing: the log is damaged")
        return found

    def _node(self, session: Session, level: int, idx: int) -> bytes:
        row = session.get(LedgerNodeRow, (level, idx))
        if row is None:
            raise NotFound(f"ledger node {level}/{idx} missing: the log is damaged")
        return bytes(row.hash)

    # -- proofs ------------------------------------------------------------------------------

    def _subtree_fn(
        self, session: Session, ranges: Callable[[merkle.SubtreeHash], object]
    ) -> merkle.SubtreeHash:
        """Run ``ranges`` once to learn which subtrees it needs, fetch them in one query."""
        wanted: set[tuple[int, int]] = set()

        def record(s: int, e: int) -> bytes:
            wanted.update(_blocks(s, e))
            return b""

        ranges(record)
        found = _fetch_nodes(session, wanted)
        if len(found) != len(wanted):
            raise NotFound("ledger nodes missing: the log is damaged")

        def subtree(s: int, e: int) -> bytes:
            blocks = [found[b] for b in _blocks(s, e)]
            return _fold(s, e, iter(blocks))

        return subtree

    def root(self, session: Session, size: int | None = None) -> bytes:
        size = self.size(session) if size is None else size
        if size == 0:
            return merkle.EMPTY_ROOT
        return self._subtree_fn(session, lambda f: f(0, size))(0, size)

    def inclusion(self, session: Session, index: int, size: int | None = None) -> dict[str, Any]:
        current = self.size(session)
        size = current if size is None else size
        if not 0 < size <= current:
            raise InvalidInput(f"tree size {size} not in 1..{current}", where="tree_size")
        if not 0 <= index < size:
            raise InvalidInput(f"leaf index {index} not in 0..{size - 1}", where="index")

        def both(f: merkle.SubtreeHash) -> object:
            merkle.inclusion_path(index, size, f)
            f(index, index + 1)  # the leaf hash is the level-0 node: same query
            return f(0, size)

        sub = self._subtree_fn(session, both)
        return {
            "index": index,
            "tree_size": size,
            "leaf_hash": sub(index, index + 1).hex(),
            "path": [p.hex() for p in merkle.inclusion_path(index, size, sub)],
            "root": sub(0, size).hex(),
        }

    def consistency(self, session: Session, old: int, new: int | None = None) -> dict[str, Any]:
        current = self.size(session)
        new = current if new is None else new
        if not 0 < old <= new <= current:
            raise InvalidInput(f"need 0 < old <= new <= {current}", where="old,new")

        def all_(f: merkle.SubtreeHash) -> object:
            merkle.consistency_path(old, new, f)
            f(0, old)
            return f(0, new)

        sub = self._subtree_fn(session, all_)
        return {
            "old_size": old,
            "new_size": new,
            "old_root": sub(0, old).hex(),
            "new_root": sub(0, new).hex(),
            "path": [p.hex() for p in merkle.consistency_path(old, new, sub)],
        }

    # -- checkpoints -------------------------------------------------------------------------

    def checkpoint(self, session: Session) -> LedgerCheckpointRow:
        """The signed checkpoint for the current size (signed now if the log has grown)."""
        size = self.size(session)
        latest = session.get(LedgerCheckpointRow, size)
        if latest is not None:
            return latest
        return self._store_checkpoint(session, size, self.root(session, size))

    def current_note(self, session: Session) -> tuple[int, str]:
        """(size, signed note) for the log as it is now, without writing anything.

        The stored checkpoint when one covers the current size; otherwise a note signed in
        memory. Readers (an auditor's GET) get a fresh signature without a write.
        """
        size = self.size(session)
        stored = session.get(LedgerCheckpointRow, size)
        if stored is not None:
            return size, stored.note
        root = self.root(session, size)
        return size, sign_note(checkpoint_text(self.origin, size, root), self.key_name, self.key)

    def latest_checkpoint(self, session: Session) -> LedgerCheckpointRow | None:
        return session.scalars(
            select(LedgerCheckpointRow).order_by(LedgerCheckpointRow.size.desc()).limit(1)
        ).first()

    # -- verification ------------------------------------------------------------------------

    def verify(self, session: Session, *, check_records: bool = True) -> VerifyReport:
        """Recompute everything from the leaves and compare with what is stored and signed.

        Detects: a leaf edited or removed, a stored node that disagrees, a signed checkpoint
        the tree no longer matches, and (with ``check_records``) a record edited behind the
        log's back, by recomputing each record's hash through the registered resolvers.
        """
        problems: list[str] = []
        stack: list[tuple[int, bytes]] = []  # (level, hash) of complete subtrees, left to right
        expected = 0
        checked = 0
        logged = LoggedIndex()
        unchecked: dict[str, int] = {}
        rows = session.execute(
            select(
                LedgerLeafRow.idx,
                LedgerLeafRow.kind,
                LedgerLeafRow.subject,
                LedgerLeafRow.leaf,
                LedgerLeafRow.leaf_hash,
            ).order_by(LedgerLeafRow.idx)
        ).yield_per(5000)
        for idx, kind, subject, leaf, stored_hash in rows:
            if idx != expected:
                problems.append(f"leaf {expected} is missing (next stored leaf is {idx})")
                expected = idx
            lh = merkle.leaf_hash(bytes(leaf))
            if lh != bytes(stored_hash):
                problems.append(f"leaf {idx}: stored hash does not match its content")
            try:
                entry = json.loads(bytes(leaf))
                version = int(entry.get("v", LEGACY_FORMAT))
                rsha = str(entry["record_sha256"])
                if entry.get("kind") != kind or entry.get("subject") != subject:
                    problems.append(f"leaf {idx}: kind or subject column differs from the entry")
            except (ValueError, KeyError, TypeError, AttributeError):
                problems.append(f"leaf {idx}: not a ledger entry")
                entry, version, rsha = {}, LEGACY_FORMAT, ""
            logged.add(
                kind,
                subject,
                Entry(idx, rsha, str(entry.get("time", "")), version),
                version == CURRENT_FORMAT,
            )
            if check_records and kind in self.resolvers:
                checked += 1
                try:
                    with record_format(version):
                        current = self.resolvers[kind](session, subject)
                        current_hash = None if current is None else record_hash(current)
                except NotRecheckable:
                    checked -= 1
                    unchecked[kind] = unchecked.get(kind, 0) + 1
                except Exception as exc:  # a record that cannot even be read is a finding
                    problems.append(f"leaf {idx}: {kind} {subject} cannot be re-read: {exc}")
                else:
                    if current is None:
                        problems.append(f"leaf {idx}: {kind} {subject} is gone from the database")
                    elif current_hash != rsha:
                        problems.append(
                            f"leaf {idx}: {kind} {subject} was changed after it was logged"
                        )
            elif check_records:
                unchecked[kind] = unchecked.get(kind, 0) + 1
            level, h = 0, lh
            while stack and stack[-1][0] == level:
                _, left = stack.pop()
                h = merkle.node_hash(left, h)
                level += 1
            stack.append((level, h))
            expected += 1
        size = expected
        root = merkle.EMPTY_ROOT
        if stack:
            root = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                root = merkle.node_hash(left, root)
        if size and not problems:
            try:
                if self.root(session, size) != root:
                    problems.append("stored interior nodes disagree with the leaves")
            except NotFound as exc:
                problems.append(str(exc))
        structural = bool(problems)  # the tree itself is damaged: no proof can be trusted
        coverage: list[dict[str, Any]] = []
        if check_records:
            for cov in self.coverage:
                result = cov.run(session, logged)
                coverage.append(result)
                problems.extend(result["problems"])
        cp_size = 0
        cp_time = None
        latest = self.latest_checkpoint(session)
        if latest is not None:
            cp_size = latest.size
            cp_time = _iso_utc(latest.created_at)
            try:
                cp = open_checkpoint(latest.note, self.verifier)
            except InvalidInput as exc:
                problems.append(f"checkpoint {latest.size}: {exc.message}")
            else:
                if cp.size > size:
                    problems.append(f"checkpoint signed size {cp.size} but log has {size}")
                elif cp.size == size and cp.root != root:
                    problems.append(f"checkpoint {cp.size}: signed root differs from the log")
                elif cp.size < size and not structural:
                    proof = self.consistency(session, cp.size, size)
                    if not merkle.verify_consistency(
                        cp.size, size, cp.root, root, [bytes.fromhex(p) for p in proof["path"]]
                    ):
                        problems.append(f"log is not an extension of checkpoint {cp.size}")
        return VerifyReport(
            size=size,
            root=root.hex(),
            checkpoint_size=cp_size,
            problems=problems,
            records_checked=checked,
            coverage=coverage,
            checkpoint_time=cp_time,
            unchecked_kinds=unchecked,
        )


def _iso_utc(dt: datetime) -> str:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()


def _fold(start: int, end: int, blocks: Any) -> bytes:
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        return next(blocks)  # type: ignore[no-any-return]
    k = merkle.split_point(n)
    left = _fold(start, start + k, blocks)
    return merkle.node_hash(left, _fold(start + k, end, blocks))
