"""Which list versions are active: the shipped snapshot, overlaid by lists the user imported.

Imported lists are kept on disk in ``<data dir>/screening/lists/<name>/<version>.pkl``
with ``active.json`` naming the active version of each. An import writes the new version file
and then swaps ``active.json`` atomically, so a failed import leaves the previous version active.
The search index for the active set is pickled next to them and rebuilt only when it changes.

The data dir is handed in (``use_data_dir``) by the application and the CLI from their
settings; this module reads no settings. Until it is handed in (a library caller that never
does), screening searches the shipped lists only, with the index built in memory.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from borderline.errors import InvalidInput, NotFound
from borderline.refdata.recheck import Recheck, changed
from borderline.screening.index import ScreeningIndex, index_fingerprint
from borderline.screening.loaders import LoadedList, load
from borderline.screening.matcher import ALGORITHM

_lock = threading.Lock()
_current: dict[str, ScreeningIndex] = {}
_active_cache: dict[str, tuple[tuple[str, int, int], dict[str, str]]] = {}
_root: Path | None = None


def use_data_dir(data_dir: str | Path | None) -> None:
    """Keep imported lists and the index under ``<data_dir>/screening`` (None: shipped lists
    only, nothing kept on disk). The application and the CLI call this with their settings."""
    global _root
    with _lock:
        _root = None if data_dir is None else Path(data_dir) / "screening"
    changed()


def data_root() -> Path | None:
    """The screening folder of the data dir handed to ``use_data_dir``, if any."""
    return _root


def _stored_root(root: Path | None) -> Path:
    """``root``, else the handed-in one: for what only exists on disk (imports)."""
    root = root or _root
    if root is None:
        raise InvalidInput(
            "no data dir to keep imported lists in (the application or CLI hands it in)",
            where="data_dir",
        )
    return root


def _package_data() -> Path:
    return Path(str(resources.files("borderline.screening") / "data"))


@cache
def manifest() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((_package_data() / "manifest.yaml").read_text("utf-8"))
    return raw


def load_snapshot(name: str | None = None) -> list[LoadedList]:
    """Parse the shipped lists (all, or the one called ``name``)."""
    out = []
    for item in manifest()["lists"]:
        if name is not None and item["name"] != name:
            continue
        out.append(
            load(
                _package_data() / item["path"],
                item["format"],
                list_name=item["name"],
                published=date.fromisoformat(str(item["published"])),
                **(item.get("options") or {}),
            )
        )
    return out


@cache
def _snapshot_key() -> str:
    h = hashlib.sha256()
    for item in manifest()["lists"]:
        p = _package_data() / item["path"]
        files = sorted(p.iterdir()) if p.is_dir() else [p]
        for f in files:
            h.update(f.name.encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    h.update(json.dumps(manifest(), sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Stored:
    name: str
    version: str
    path: Path


def _active_file(root: Path) -> Path:
    return root / "lists" / "active.json"


def active_imports(root: Path | None = None) -> dict[str, str]:
    """Imported list name -> active version (none without a data dir)."""
    root = root or _root
    if root is None:
        return {}
    f = _active_file(root)
    try:
        st = f.stat()
    except FileNotFoundError:
        return {}
    # Every search asks which versions are active (another process may have imported one);
    # re-read the file only when it changed.
    stamp = (str(f), st.st_mtime_ns, st.st_size)
    cached = _active_cache.get(stamp[0])
    if cached is not None and cached[0] == stamp:
        return dict(cached[1])
    data: dict[str, str] = json.loads(f.read_text("utf-8"))
    _active_cache[stamp[0]] = (stamp, dict(data))
    return data


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_import(loaded: LoadedList, root: Path | None = None) -> Stored:
    """Keep a parsed list and make it the active version of its name (atomically)."""
    root = _stored_root(root)
    path = root / "lists" / loaded.name / f"{loaded.version}.pkl"
    _atomic_write(path, pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
    with _lock:
        active = active_imports(root)
        active[loaded.name] = loaded.version
        _atomic_write(_active_file(root), json.dumps(active, indent=1).encode())
        _current.clear()
    changed()
    return Stored(loaded.name, loaded.version, path)


def load_import(name: str, version: str, root: Path | None = None) -> LoadedList:
    root = _stored_root(root)
    path = root / "lists" / name / f"{version}.pkl"
    if not path.is_file():
        raise NotFound(f"no stored version {version} of list {name}", where=str(path))
    with path.open("rb") as fh:
        obj: LoadedList = pickle.load(fh)
    return obj


def versions(name: str, root: Path | None = None) -> list[str]:
    root = root or _root
    if root is None:
        return []
    folder = root / "lists" / name
    return sorted(p.stem for p in folder.glob("*.pkl")) if folder.is_dir() else []


def active_lists(root: Path | None = None) -> list[LoadedList]:
    """Every active list, parsed: snapshot lists unless an import replaced them, then imports."""
    root = root or _root
    imports = active_imports(root)
    out = [ll for ll in load_snapshot() if ll.name not in imports]
    out += [load_import(n, v, root) for n, v in sorted(imports.items())]
    return out


def _index_key(root: Path | None) -> str:
    imports = active_imports(root)
    h = hashlib.sha256(f"{ALGORITHM}|{_snapshot_key()}".encode())
    for name, ver in sorted(imports.items()):
        h.update(f"|{name}={ver}".encode())
    return h.hexdigest()[:16]


# data folder -> (when to look again, the index found): every order asks for the current
# index; which list versions are active (``active.json``, which another process's import
# rewrites) is looked at again at most once a second, at once after a change in this process
# (``store_import``, ``set_index``: ``refdata.recheck``).
_checked: dict[str, tuple[Recheck, str, ScreeningIndex]] = {}


def current_index(root: Path | None = None) -> ScreeningIndex:
    """The search index over the active lists: from memory, else from disk, else built."""
    root = root or _root
    memo = _checked.get(str(root))
    if memo is not None and _current.get(memo[1]) is memo[2] and not memo[0].due():
        return memo[2]
    key = _index_key(root)
    idx = _current_index(root, key)
    recheck = memo[0] if memo is not None else Recheck()
    if memo is None:
        recheck.due()
    _checked[str(root)] = (recheck, key, idx)
    return idx


def _current_index(root: Path | None, key: str) -> ScreeningIndex:
    with _lock:
        idx = _current.get(key)
        if idx is not None:
            return idx
        path = None if root is None else root / f"index-{key}.pkl"
        idx = None if path is None else ScreeningIndex.load(path)
        if idx is None:
            idx = ScreeningIndex.build(active_lists(root))
            if path is not None:
                # A read-only data dir still screens; it just rebuilds the index next time.
                with contextlib.suppress(OSError):
                    idx.save(path)
                for old in path.parent.glob("index-*.pkl"):
                    if old != path:
                        old.unlink(missing_ok=True)
        _current.clear()
        _current[key] = idx
        _freeze()
        return idx


def _freeze() -> None:
    # The index is a few million long-lived objects; moving them out of the collector's reach
    # keeps full garbage collections (tens of milliseconds each) out of search latency.
    gc.collect()
    gc.freeze()


def set_index(idx: ScreeningIndex, root: Path | None = None) -> None:
    """Use ``idx`` as the current index (tests and benchmarks with their own lists)."""
    with _lock:
        _current.clear()
        _current[_index_key(root or _root)] = idx
    changed()
    _freeze()


__all__ = [
    "active_lists",
    "current_index",
    "index_fingerprint",
    "load_snapshot",
    "store_import",
    "use_data_dir",
]
