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
from typing import Any, Generic, TypeVar

import yaml

from borderline.errors import DataFileError
from borderline.privacy.entities import ENTITY_TYPES
from borderline.privacy.validators import Validator, resolve

# ASCII-only word boundaries: Python's \b counts Chinese characters as word characters.
_MACROS = {"{B}": r"(?<![A-Za-z0-9])", "{E}": r"(?![A-Za-z0-9])"}

SPECIAL_FILES = frozenset({"gazetteer.yaml", "fields.yaml"})
T = TypeVar("T")


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
    ordered = sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    latin = [w for w in ordered if w[0].isascii()]
    other = [w for w in ordered if not w[0].isascii()]
    if latin and any(_FOLDS_TO_ASCII.match(w) for w in other):
        # Words of both kinds could start at one letter ("İ", "i"): the longest first, each.
        parts = [_bounded(re.escape(w)) if w[0].isascii() else re.escape(w) for w in ordered]
        return re.compile("|".join(parts), re.IGNORECASE)
    # No word of one kind can start where a word of the other does, so the bounds are written
    # once around the Latin words, not once per word: re then rules out most positions at
    # their first letter instead of testing a lookbehind per word (six times faster).
    parts = [_bounded("|".join(map(re.escape, latin)))] if latin else []
    parts += [f"(?:{'|'.join(map(re.escape, other))})"] if other else []
    return re.compile("|".join(parts), re.IGNORECASE)


def _bounded(alternatives: str) -> str:
    return f"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])"


_FOLDS_TO_ASCII = re.compile(r"[a-z0-9]", re.IGNORECASE)


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


@dataclass(frozen=True, slots=True)
class Needs:
    """What every text a pattern can match in holds, read from the pattern: at least ``digits``
    digits, a run of ``run`` digits in a row, each of ``chars``, and (``wide``) a character
    outside ASCII. The analyzer skips a pattern on a text that lacks one of them (most short
    messages have no digit, or only a short run: a card number's pattern need not look at
    them), with the same result."""

    digits: int = 0
    run: int = 0
    chars: frozenset[str] = frozenset()
    wide: bool = False

    def allows(self, facts: Needs) -> bool:
        """Whether a text with ``facts`` (the same four things, counted in the text) has
        what this pattern needs."""
        return (
            facts.digits >= self.digits
            and facts.run >= self.run
            and (facts.wide or not self.wide)
            and self.chars <= facts.chars
        )


class Prefilter(Generic[T]):
    """The items (patterns) worth running on a text: those whose ``Needs`` the text has.

    What a text has is counted only as far as some item needs it (digits up to the most any
    item needs, only the characters some item needs), so texts fall into few kinds and the
    choice is made once per kind (a hundred ``Needs.allows`` a text cost as much as running
    the patterns they save).
    """

    _MAX_KINDS = 4096

    def __init__(self, items: Sequence[tuple[T, Needs]]) -> None:
        self.items = list(items)
        self._chars = frozenset().union(*(n.chars for _, n in self.items))
        self._digits = max((n.digits for _, n in self.items), default=0)
        self._run = max((n.run for _, n in self.items), default=0)
        self._chosen: dict[Needs, list[T]] = {}

    def facts(self, text: str) -> Needs:
        runs = [len(r) for r in _DIGITS.findall(text)] if self._digits or self._run else []
        return Needs(
            min(sum(runs), self._digits),
            min(max(runs, default=0), self._run),
            frozenset(c for c in self._chars if c in text),
            not text.isascii(),
        )

    def __call__(self, text: str) -> list[T]:
        facts = self.facts(text)
        chosen = self._chosen.get(facts)
        if chosen is None:
            if len(self._chosen) >= self._MAX_KINDS:
                self._chosen.clear()
            chosen = self._chosen[facts] = [t for t, n in self.items if n.allows(facts)]
        return chosen


_DIGITS = re.compile(r"\d+")


def needs(rx: re.Pattern[str]) -> Needs:
    """``Needs`` of a compiled pattern, read from ``re``'s own parse of it, conservatively:
    anything not understood (a negative lookaround, a backreference, ``.``) needs nothing, so a
    requirement may be missing but is never wrong. Characters are read only where case cannot
    change them (outside ``re.IGNORECASE``, or ASCII other than letters)."""
    r = _seq(_SRE.parse(rx.pattern, rx.flags), bool(rx.flags & re.IGNORECASE))
    return Needs(max(r.digits, r.text_digits), max(r.run, r.text_run), r.chars, r.wide)


@dataclass(frozen=True, slots=True)
class _Part:
    digits: int = 0  # in every match of this part (these add up along a sequence)
    run: int = 0  # consecutive digits in every match
    text_digits: int = 0  # in the text around it (lookaheads and lookbehinds: they do not add)
    text_run: int = 0
    chars: frozenset[str] = frozenset()
    wide: bool = False  # a character outside ASCII in the text
    digit_len: int | None = None  # the least length, if every match is digits only


_NOTHING = _Part()
_ONE_DIGIT = _Part(1, 1, digit_len=1)


def _literal(code: int, fold: bool) -> _Part:
    ch = chr(code)
    if "0" <= ch <= "9":
        return _ONE_DIGIT
    if fold and not (ch.isascii() and not ch.isalpha()):
        return _NOTHING  # "a" also matches "A" (and "k" the Kelvin sign)
    return _Part(chars=frozenset(ch), wide=not ch.isascii())


def _is_wide(items: Any) -> bool:
    """A class of characters outside ASCII only (``[\\u4e00-\\u9fa5]``)."""
    for op, av in items:
        name = str(op)
        if not ((name == "LITERAL" and av > 127) or (name == "RANGE" and av[0] > 127)):
            return False
    return bool(items)


def _item(op: Any, av: Any, fold: bool) -> _Part:
    name = str(op)
    if name == "LITERAL":
        return _literal(av, fold)
    if name == "IN":
        if _set_is_digits(av):
            return _ONE_DIGIT
        if len(av) == 1 and str(av[0][0]) == "LITERAL":
            return _literal(av[0][1], fold)
        return _Part(wide=not fold and _is_wide(av))
    if name == "SUBPATTERN":
        add, remove = av[1], av[2]
        return _seq(av[-1], (fold or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE)
    if name == "ATOMIC_GROUP":
        return _seq(av, fold)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, body = av[0], _seq(av[2], fold)
        if low == 0:
            return _Part(digit_len=0 if body.digit_len is not None else None)
        dlen = None if body.digit_len is None else low * body.digit_len
        return _Part(
            low * body.digits,
            max(body.run, dlen or 0),
            body.text_digits,
            body.text_run,
            body.chars,
            body.wide,
            dlen,
        )
    if name == "BRANCH":
        parts = [_seq(b, fold) for b in av[1]]
        lens = [p.digit_len for p in parts]
        return _Part(
            min(p.digits for p in parts),
            min(p.run for p in parts),
            min(max(p.digits, p.text_digits) for p in parts),
            min(max(p.run, p.text_run) for p in parts),
            frozenset.intersection(*(p.chars for p in parts)),
            all(p.wide for p in parts),
            None if None in lens else min(x for x in lens if x is not None),
        )
    if name == "ASSERT":  # (?=…) or (?<=…): what it looks at is in the text, not the match
        inner = _seq(av[1], fold)
        return _Part(
            text_digits=max(inner.digits, inner.text_digits),
            text_run=max(inner.run, inner.text_run),
            chars=inner.chars,
            wide=inner.wide,
        )
    return _NOTHING


def _seq(items: Any, fold: bool) -> _Part:
    digits = run = text_digits = text_run = current = 0
    chars: set[str] = set()
    wide = False
    dlen: int | None = 0
    for op, av in items:
        p = _item(op, av, fold)
        digits += p.digits
        text_digits, text_run = max(text_digits, p.text_digits), max(text_run, p.text_run)
        chars |= p.chars
        wide = wide or p.wide
        if p.digit_len is None:
            dlen, current = None, 0  # a part that need not be digits ends the run
        else:
            current += p.digit_len
            dlen = None if dlen is None else dlen + p.digit_len
        run = max(run, p.run, current)
    return _Part(digits, run, text_digits, text_run, frozenset(chars), wide, dlen)


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
