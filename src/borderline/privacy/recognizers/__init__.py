"""Recognizers as data: load the shipped YAML files (and any the user adds) into typed specs.

A pattern recognizer is a YAML entry: ``name``, ``type`` (one of ``ENTITY_TYPES``), optional
``kind`` and ``country``, ``patterns`` (``name``, ``regex``, ``score``), an optional
``validator`` (``stdnum:<cc>.<module>`` or ``builtin:<name>``), ``context`` words,
``context_boost`` (default 0.35), ``country_boost`` (default 0.2) and ``requires_context``.
Country-specific files live under ``country/<cc>/`` the way Presidio lays them out.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from borderline.errors import DataFileError
from borderline.privacy.entities import ENTITY_TYPES
from borderline.privacy.validators import Validator, resolve

# ASCII-only word boundaries: Python's \b counts Chinese characters as word characters.
_MACROS = {"{B}": r"(?<![A-Za-z0-9])", "{E}": r"(?![A-Za-z0-9])"}

SPECIAL_FILES = frozenset({"gazetteer.yaml", "fields.yaml"})


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    score: float


@dataclass(frozen=True, slots=True)
class Recognizer:
    name: str
    type: str
    patterns: tuple[Pattern, ...]
    kind: str | None = None
    country: str | None = None
    validator_spec: str | None = None
    context: tuple[str, ...] = ()
    context_boost: float = 0.35
    country_boost: float = 0.2
    requires_context: bool = False
    source: str = ""

    @property
    def validator(self) -> Validator | None:
        return resolve(self.validator_spec, self.source) if self.validator_spec else None


def context_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for a list of context words.

    Latin words must stand alone (``pan`` must not fire inside ``japan``); Chinese and other
    unspaced scripts match as substrings. No lemmatizer: list the forms you mean.
    """
    parts = []
    for w in sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True):
        esc = re.escape(w)
        parts.append(f"(?<![a-z0-9]){esc}(?![a-z0-9])" if w[0].isascii() else esc)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def literal_alternation(words: Iterable[str]) -> str:
    r"""A case-sensitive regex for any of ``words``, the longest first, written as a trie.

    It matches what ``"|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))``
    matches, with the same backtracking order: only one path of the trie can follow the text,
    and along it the longer words are tried before the shorter ones, so whatever follows the
    alternation in a larger pattern (``(?![\w\-])``) sees the same candidates in the same order.
    ``re`` tries every alternative of a flat list at every position (a list of 700 country names
    took ten times as long). Not for ``re.IGNORECASE``: there two branches can match one letter.
    """
    trie: dict[str, Any] = {}
    for w in set(words):
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict[str, Any]) -> str:
    alts = [re.escape(ch) + _trie_regex(sub) for ch, sub in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body


def _expand(regex: str) -> str:
    for macro, value in _MACROS.items():
        regex = regex.replace(macro, value)
    return regex


def _num(value: Any, where: str, default: float) -> float:
    if value is None:
        return default
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise DataFileError("must be a number between 0 and 1", where=where)
    return float(value)


def parse_recognizers(data: Any, source: str) -> list[Recognizer]:
    """Validate one YAML document; errors name the file and the recognizer."""
    if not isinstance(data, dict) or not isinstance(data.get("recognizers"), list):
        raise DataFileError("expected a mapping with a 'recognizers' list", where=source)
    out: list[Recognizer] = []
    for i, item in enumerate(data["recognizers"]):
        where = f"{source}:recognizers[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise DataFileError("each recognizer needs a 'name'", where=where)
        where = f"{source}:{item['name']}"
        if item.get("type") not in ENTITY_TYPES:
            raise DataFileError(
                f"type {item.get('type')!r} is not one of {', '.join(ENTITY_TYPES)}", where=where
            )
        pats = item.get("patterns")
        if not isinstance(pats, list) or not pats:
            raise DataFileError("needs at least one pattern", where=where)
        patterns = []
        for j, p in enumerate(pats):
            pw = f"{where}.patterns[{j}]"
            if not isinstance(p, dict) or not isinstance(p.get("regex"), str):
                raise DataFileError("a pattern needs a 'regex'", where=pw)
            try:
                rx = re.compile(_expand(p["regex"]))
            except re.error as exc:
                raise DataFileError(f"bad regex: {exc}", where=pw) from None
            patterns.append(Pattern(str(p.get("name", j)), rx, _num(p.get("score"), pw, 0.5)))
        validator = item.get("validator")
        if validator is not None:
            resolve(str(validator), where)  # fail at load time, not on the first match
        context = item.get("context") or []
        if not isinstance(context, list):
            raise DataFileError("'context' must be a list of words", where=where)
        country = item.get("country")
        out.append(
            Recognizer(
                name=item["name"],
                type=item["type"],
                patterns=tuple(patterns),
                kind=item.get("kind"),
                country=str(country).upper() if country else None,
                validator_spec=str(validator) if validator else None,
                context=tuple(str(c) for c in context),
                context_boost=_num(item.get("context_boost"), where, 0.35),
                country_boost=_num(item.get("country_boost"), where, 0.2),
                requires_context=bool(item.get("requires_context", False)),
                source=source,
            )
        )
    return out


def load_file(path: Path | str) -> list[Recognizer]:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read recognizer file: {exc}", where=str(p)) from None
    except yaml.YAMLError as exc:
        raise DataFileError(f"invalid YAML: {exc}", where=str(p)) from None
    return parse_recognizers(data, str(p))


def builtin_dir() -> Path:
    return Path(str(resources.files("borderline.privacy.recognizers")))


@cache
def builtin_recognizers() -> tuple[Recognizer, ...]:
    files = sorted(p for p in builtin_dir().rglob("*.yaml") if p.name not in SPECIAL_FILES)
    return tuple(r for f in files for r in load_file(f))


def load_recognizers(extra: Sequence[Path | str] = ()) -> list[Recognizer]:
    """The shipped recognizers plus those in ``extra`` files or folders (``*.yaml``)."""
    recs = list(builtin_recognizers())
    for item in extra:
        p = Path(item)
        files = sorted(p.rglob("*.yaml")) if p.is_dir() else [p]
        for f in files:
            recs.extend(load_file(f))
    return recs


def load_special(name: str) -> dict[str, Any]:
    path = builtin_dir() / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise DataFileError("expected a mapping", where=str(path))
    return data


# ``re``'s own parser, to read what a pattern needs (``sre_parse`` warns as deprecated in 3.11).
_SRE: Any = importlib.import_module("re._parser")
_DIGIT = re.compile(r"\d")


def needs_digit(rx: re.Pattern[str]) -> bool:
    """Whether every match of ``rx`` contains a digit (``\\d``, ``[0-9]``, a literal digit).

    Read from the parsed pattern, conservatively: lookarounds and anything unknown count as
    needing nothing, so a ``False`` may be wrong but a ``True`` never is. The analyzer skips
    such patterns on texts without a digit (half of all short messages).
    """
    return _seq_needs_digit(_SRE.parse(rx.pattern, rx.flags))


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _set_is_digits(items: Any) -> bool:
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and 48 <= av <= 57:
            continue
        if name == "RANGE" and 48 <= av[0] <= av[1] <= 57:
            continue
        if name == "CATEGORY" and str(av) in ("CATEGORY_DIGIT", "CATEGORY_UNI_DIGIT"):
            continue
        return False
    return bool(items)


def _seq_needs_digit(items: Any) -> bool:
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and 48 <= av <= 57:
            return True
        if name == "IN" and _set_is_digits(av):
            return True
        if name == "SUBPATTERN" and _seq_needs_digit(av[-1]):
            return True
        if name == "ATOMIC_GROUP" and _seq_needs_digit(av):
            return True
        repeat = name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
        if repeat and av[0] >= 1 and _seq_needs_digit(av[2]):
            return True
        if name == "BRANCH" and all(_seq_needs_digit(b) for b in av[1]):
            return True
    return False
