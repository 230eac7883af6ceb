"""The bilingual product-term lexicon: marketplace words in English and Chinese -> HS 2022.

Transliteration (pypinyin, anyascii) does not translate: "运动鞋" becomes "yundongxie", which
no nomenclature text contains. So Chinese is mapped through terms written as data
(``data/hs-lexicon.yaml``); the same file names the attribute words (materials, genders)
that decide between subheadings of one heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from borderline.errors import DataFileError
from borderline.trade.hs import data_path

_HAN = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
# Words after which a product is only what the listed item fits ("case for iPhone 15").
_COMPAT = re.compile(r"\b(?:for|compatible with|fits|fit for)\b|适用于|适用|用于")
# "X专用" (dedicated to X): the term right before it names what the item is for.
_FOR_SUFFIX = "专用"


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def _stem(token: str) -> str:
    # Plural folding only: enough for "sneakers"/"sneaker", "batteries"/"battery".
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def normalise_en(text: str) -> str:
    """Lower-case English word tokens, plural-folded, apostrophe-s dropped, joined by spaces."""
    t = text.casefold().replace("\u2019", "'").replace("'s", "").replace("'", "")
    return " ".join(_stem(tok) for tok in _TOKEN.findall(t))


@dataclass(frozen=True, slots=True)
class Concept:
    hs6: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    by: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    concept: Concept
    term: str
    lang: str  # en | zh
    weight: float  # longer, earlier-than-"for" terms weigh more


@dataclass
class Lexicon:
    version: str
    concepts: list[Concept]
    materials: dict[str, tuple[str, ...]]
    genders: dict[str, tuple[str, ...]]
    _en_index: list[tuple[str, re.Pattern[str], Concept]] = field(default_factory=list)
    _zh_index: list[tuple[str, Concept]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | str) -> Lexicon:
        p = Path(path)
        try:
            raw: Any = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DataFileError(f"invalid YAML: {exc}", where=str(p)) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("concepts"), list):
            raise DataFileError("needs a 'concepts' list", where=str(p))
        concepts = []
        for i, c in enumerate(raw["concepts"]):
            if not isinstance(c, dict) or not re.fullmatch(r"\d{6}", str(c.get("hs6", ""))):
                raise DataFileError(
                    "each concept needs a six-digit hs6", where=f"{p}:concepts[{i}]"
                )
            concepts.append(
                Concept(
                    hs6=str(c["hs6"]),
                    en=tuple(str(t) for t in c.get("en") or ()),
                    zh=tuple(str(t) for t in c.get("zh") or ()),
                    by={
                        k: {str(a): str(b) for a, b in v.items()}
                        for k, v in (c.get("by") or {}).items()
                    },
                )
            )
        lex = cls(
            version=str(raw.get("version", "")),
            concepts=concepts,
            materials={
                k: tuple(str(x) for x in v) for k, v in (raw.get("materials") or {}).items()
            },
            genders={k: tuple(str(x) for x in v) for k, v in (raw.get("genders") or {}).items()},
        )
        lex._build()
        return lex

    def _build(self) -> None:
        for c in self.concepts:
            for term in c.en:
                norm = normalise_en(term)
                if norm:
                    self._en_index.append(
                        (norm, re.compile(rf"(?<![\w-]){re.escape(norm)}(?![\w-])"), c)
                    )
            for term in c.zh:
                self._zh_index.append((term.casefold(), c))

    def match(self, text: str) -> list[Hit]:
        """Concepts named in ``text``, weighted by term length; a term after "for" counts less."""
        hits: list[Hit] = []
        en = normalise_en(text)
        cut = _COMPAT.search(en)
        cut_at = cut.start() if cut else len(en)
        for norm, pat, c in self._en_index:
            m = pat.search(en)
            if m is None:
                continue
            w = float(len(norm.split())) + len(norm) / 20.0
            if m.start() >= cut_at:
                w *= 0.25
            hits.append(Hit(c, norm, "en", w))
        low = text.casefold()
        zcut = _COMPAT.search(low)
        zcut_at = zcut.start() if zcut else len(low)
        for term, c in self._zh_index:
            pos = low.find(term)
            if pos < 0:
                continue
            w = 1.0 + len(term) / 2.0
            if pos >= zcut_at or low.startswith(_FOR_SUFFIX, pos + len(term)):
                w *= 0.25
            hits.append(Hit(c, term, "zh", w))
        # A hit contained in a longer hit of the same language is the longer one's word
        # ("t恤" inside "针织t恤"; "bag" inside "tote bag"): keep only the longest.
        kept: list[Hit] = []
        for h in hits:
            if any(
                o is not h and o.lang == h.lang and h.term in o.term and len(o.term) > len(h.term)
                for o in hits
            ):
                continue
            kept.append(h)
        return kept

    def translate(self, text: str) -> str:
        """English gloss of the Chinese terms in ``text`` (concept names, materials, genders)."""
        low = text.casefold()
        words: list[str] = []
        for term, c in sorted(self._zh_index, key=lambda tc: -len(tc[0])):
            if term in low:
                words.append(c.en[0] if c.en else "")
                low = low.replace(term, " ")
        for table in (self.materials, self.genders):
            for canon, terms in table.items():
                if any(has_han(t) and t.casefold() in low for t in terms):
                    words.append(canon)
        return " ".join(w for w in words if w)

    def attribute_values(self, text: str, kind: str) -> dict[str, float]:
        """How strongly ``text`` says each canonical material/gender (percentages count)."""
        table = self.materials if kind == "material" else self.genders
        en = normalise_en(text)
        low = text.casefold()
        found: dict[str, float] = {}
        for canon, terms in table.items():
            for t in terms:
                if has_han(t):
                    if t.casefold() in low:
                        found[canon] = max(found.get(canon, 0.0), 1.0 + len(t) / 10.0)
                    continue
                norm = normalise_en(t)
                if not norm:
                    continue
                m = re.search(rf"(?:(\d{{1,3}})\s*%?\s*)?(?<![\w-]){re.escape(norm)}(?![\w-])", en)
                if m:
                    pct = float(m.group(1)) / 10.0 if m.group(1) else 1.0
                    found[canon] = max(found.get(canon, 0.0), pct + len(norm) / 100.0)
        return found


@cache
def lexicon() -> Lexicon:
    return Lexicon.load(data_path("hs-lexicon.yaml"))
