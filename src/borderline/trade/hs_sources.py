"""Training text for the learned HS classifier, read from the public sources shipped in
``data/hs-sources/`` (see its PROVENANCE.md): the EU Combined Nomenclature 2026 (English plus
German, French, Spanish, Polish and Italian), the UK tariff's search synonyms and trader parcel
descriptions, the US HTS 2026 descriptions, the HS 2022 nomenclature, and the bilingual
lexicon's and the multilingual glossary's product terms (the only Chinese sources).

Each text becomes an :class:`Example` labelled with its HS 2022 subheading. A fixed,
hash-based rule (:func:`held_out`) keeps part of the public text out of training so that it
can measure the model (``borderline.bench.hs_devsets``): trader parcel descriptions and search
synonyms of 30% / 20% of commodity codes, 10% of the US HTS lines, every Italian CN text, and
30% of the vague terms. The rule depends only on the text's group (its commodity code or line),
so a retrained model never sees what the development sets measure.

Those whole-code sets measure codes the model has no trader text for. A second kind, the
"seen-code" sets, measures the usual case, a trader query for a code other traders'
descriptions already cover: 20% of the individual parcel descriptions and search synonyms
of the codes that stay in training (decided by a hash of the text), kept only when another
text of the same source and subheading stays in the index.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from borderline.trade.hs import data_path, nomenclature
from borderline.trade.hs_text import ListingText
from borderline.trade.lexicon import lexicon

#: Languages of the CN translations the model trains on. Italian ships too, for measuring
#: a language the model never saw (``held_out``).
TRAIN_LANGS = ("de", "fr", "es", "pl")
HELD_OUT_LANG = "it"
#: The label of texts too vague to classify (the UK tariff's vague-terms list).
VAGUE = "vague"

# Share of each source's groups kept out of training, per source: first the development
# share (measuring only), then the tuning share (fitting the score combination and the
# confidence calibration on text the index does not contain).
_DEV = {"uk-parcel": 0.30, "uk-synonym": 0.20, "us-hts": 0.10, "uk-vague": 0.30}
_TUNE = {
    # Parcel descriptions all go to the index: measured on the dev half, the 15% that tuned
    # did more good there (synonyms +2 points, seen-code parcels +1, HTS +2).
    "uk-parcel": 0.0,
    "uk-synonym": 0.10,
    "us-hts": 0.03,
    "uk-vague": 0.15,
    "cn": 0.02,
    "lexicon": 0.10,
    "uk-brand": 0.15,
    # Listings made from the lexicon's attribute rules: the only tuning text with
    # attributes, so the only text that can weigh the attribute/category block.
    "lexicon-rule": 0.40,
}


# Share of the trader text of the codes not held out whole that is held out text by text
# for the seen-code sets. Decided before the tuning share, so the seen-code sets do not
# depend on how much text tunes; the whole-code halves are the same as before they existed.
_SEEN = {"uk-parcel": 0.20, "uk-synonym": 0.20}
#: The seen-code roles: the studied and the reported-only half.
SEEN_ROLES = ("seen-dev", "seen-test")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    hs6: str  # six digits, or VAGUE
    source: str  # cn | uk-synonym | uk-parcel | uk-vague | us-hts | hs2022 | lexicon | ...
    lang: str
    group: str  # what the hold-out rule splits on (a commodity code, an HTS line)
    said: str = ""  # a listing's attributes' tariff wording (``ListingText.said``)


def _u(key: str) -> float:
    return (zlib.crc32(key.encode()) % 1000) / 1000


#: Share of the measuring groups kept as the untouched ``test`` half: development work (looking
#: at misses, trying changes) reads only the ``dev`` half; ``test`` is only ever reported.
_TEST_SHARE = 0.5


def role(source: str, group: str, lang: str = "en", text: str = "") -> str:
    """``dev`` (measuring, and the only text whose misses we study), ``test`` (measuring
    only, never studied), ``tune`` (fits the combination and calibration), ``seen-dev`` /
    ``seen-test`` (measuring one trader text of a code whose other texts are in the index)
    or ``train`` (in the index). Decided by hashes, so it never changes: whole-code measured
    text by its group (a whole commodity code is held out), tuning and seen-code text by the
    text itself (tuning must see codes the index also knows, as a user's listing usually
    does). :func:`examples_by_role` returns a seen-code text to training when no other text
    of its source and subheading stays there."""
    if (source == "cn" and lang == HELD_OUT_LANG) or _u(f"{source}:{group}") < _DEV.get(
        source, 0.0
    ):
        return "test" if _u(f"test:{source}:{group}") < _TEST_SHARE else "dev"
    key = text.casefold()
    if _u(f"seen:{source}:{key}") < _SEEN.get(source, 0.0):
        return "seen-test" if _u(f"test:seen:{source}:{key}") < _TEST_SHARE else "seen-dev"
    if _u(f"tune:{source}:{lang}:{text}") < _TUNE.get(source, 0.0):
        return "tune"
    return "train"


def held_out(source: str, group: str, lang: str = "en") -> bool:
    """Is this whole group reserved for measuring (never trained or tuned on)?"""
    return role(source, group, lang) in ("dev", "test")


def _src(name: str) -> Any:
    return data_path("hs-sources") / name


def _read_gz(name: str) -> str:
    with gzip.open(_src(name), "rt", encoding="utf-8-sig") as fh:
        return fh.read()


def _json_gz(name: str) -> Any:
    return json.loads(_read_gz(name))


@cache
def _translations(lang: str) -> dict[str, str]:
    raw = yaml.safe_load(_read_gz(f"cn-messages_{lang}.yaml.gz"))
    return {str(k): str(v) for k, v in raw.items()}


_OTHER = re.compile(r"^(other|others)\b", re.IGNORECASE)


def _cn_parts() -> list[tuple[str, str, list[str]]]:
    """(cn8, hs6, [heading, subheading(s), leaf] English texts) for every CN8 code."""
    heads = {h["code"]: h["name"] for h in _json_gz("cnHeadings_2026.json.gz")}
    subs = {s["code"]: s["name"] for s in _json_gz("cnSubheadings_2026.json.gz")}
    out: list[tuple[str, str, list[str]]] = []
    for c in _json_gz("cnCodes_2026.json.gz"):
        code = str(c["code"])
        parts: list[str] = []
        if c.get("heading") in heads:
            parts.append(heads[c["heading"]])
        hs6 = code[:6]
        if hs6 in subs:
            parts.append(subs[hs6])
        if c.get("subheading") and c["subheading"] in subs and c["subheading"] != hs6:
            parts.append(subs[c["subheading"]])
        parts.append(str(c["name"]))
        # "Other" alone says nothing; the parents carry the meaning. Named leaves come first
        # so that the distinctive words lead.
        leaf = parts[-1]
        ordered = parts if _OTHER.match(leaf) else [leaf, *parts[:-1]]
        out.append((code, hs6, list(dict.fromkeys(p for p in ordered if p))))
    return out


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(":", " ").strip(" ;,.-"))


def cn_examples(langs: tuple[str, ...] = ("en", *TRAIN_LANGS, HELD_OUT_LANG)) -> Iterator[Example]:
    for code, hs6, parts in _cn_parts():
        for lang in langs:
            if lang == "en":
                texts = parts
            else:
                tr = _translations(lang)
                texts = [tr.get(p, "") for p in parts]
                if not all(texts):
                    continue
            yield Example(_clean(" ; ".join(texts)), hs6, "cn", lang, code)


def uk_examples() -> Iterator[Example]:
    syn = _json_gz("uk-search_references.json.gz")
    for term, code in syn.items():
        code = str(code)
        if len(code) >= 6 and code[:6].isdigit():
            yield Example(_clean(str(term)), code[:6], "uk-synonym", "en", code)
    reader = csv.DictReader(io.StringIO(_read_gz("uk-extra_references.csv.gz")))
    for row in reader:
        code = (row.get("Commodity Code") or "").strip()
        text = (row.get("Goods Description") or "").strip()
        if text and len(code) >= 6 and code[:6].isdigit():
            yield Example(text, code[:6], "uk-parcel", "en", code)
    # HMRC's brand list: a trader's brand-and-product description with its code and, often,
    # the product in plain words ("Muller Frijj" -> "Milk drink"); both are trader text.
    reader = csv.DictReader(io.StringIO(_read_gz("uk-brands.csv.gz")))
    for row in reader:
        code = (row.get("CMDTYCODE") or "").strip()
        if len(code) < 6 or not code[:6].isdigit():
            continue
        plain = (row.get("Description for context / augmenting") or "").strip()
        # A list, not a set: training must not depend on the hash seed.
        for text in dict.fromkeys(((row.get("GDSDESC") or "").strip(), plain)):
            if text:
                yield Example(text, code[:6], "uk-brand", "en", code)
    for cells in csv.reader(io.StringIO(_read_gz("uk-vague_terms.csv.gz"))):
        if cells and cells[0].strip():
            term = cells[0].strip()
            yield Example(term, VAGUE, "uk-vague", "en", term.casefold())


def hts_examples() -> Iterator[Example]:
    """Each US HTS line of 6+ digits, its description joined down the indent hierarchy."""
    reader = csv.DictReader(io.StringIO(_read_gz("us-hts-2026-descriptions.csv.gz")))
    chain: list[tuple[int, str]] = []
    for row in reader:
        number = (row.get("HTS Number") or "").replace(".", "").strip()
        try:
            indent = int(row.get("Indent") or 0)
        except ValueError:
            continue
        desc = _clean(row.get("Description") or "")
        while chain and chain[-1][0] >= indent:
            chain.pop()
        chain.append((indent, desc))
        if len(number) == 4:
            chain = [(indent, desc)]
        if len(number) < 6 or not number[:6].isdigit() or number[:2] in ("98", "99"):
            continue
        texts = [d for _, d in chain if d]
        leaf = texts[-1] if texts else ""
        ordered = texts[::-1] if not _OTHER.match(leaf) else [*texts[1:], texts[0]]
        # A leaf's own words lead; the heading closes the text.
        yield Example(" ; ".join(dict.fromkeys(ordered)), number[:6], "us-hts", "en", number)


def hs2022_examples() -> Iterator[Example]:
    nom = nomenclature()
    for e in nom.subheadings():
        yield Example(nom.path_text(e.code), e.code, "hs2022", "en", e.code)


_TEXTILES = {"cotton", "synthetic", "wool", "silk"}


def _keeps_default(kind: str, alts: dict[str, str]) -> list[str]:
    """Attribute values that keep a concept's default code, where the lexicon's rules
    make it certain: the other gender, cotton when only other fibres move the code (the
    default of a garment concept is its cotton subheading), base metal when only silver
    and gold do (imitation jewellery)."""
    if kind == "gender" and len(alts) == 1:
        return [g for g in ("men", "women") if g not in alts]
    if kind == "material" and set(alts) <= _TEXTILES and "cotton" not in alts:
        return ["cotton"]
    if kind == "metal" and set(alts) == {"silver", "gold"}:
        return ["base_metal"]
    return []


def _attr_listing(term: str, kind: str, value: str, code: str, lang: str) -> Example:
    lt = ListingText(term, attributes={kind: value})
    return Example(lt.text(), code, "lexicon-rule", lang, code, said=lt.said())


def lexicon_examples() -> Iterator[Example]:
    """The lexicon's English and Chinese product terms, and listings the ``by`` rules define:
    the product term as the title and the material, metal or gender as an attribute (e.g.
    "t-shirt" + material "polyester" -> 610990): rule-generated, never measured. Each
    concept's default code also comes with the attribute values that keep it (cotton for a
    t-shirt), so an attribute is not a sign that the default is wrong."""
    lex = lexicon()
    for c in lex.concepts:
        for lang, terms in (("en", c.en), ("zh", c.zh)):
            for t in terms:
                yield Example(t, c.hs6, "lexicon", lang, c.hs6)
        words_of = {"material": lex.materials, "gender": lex.genders}
        for kind, alts in c.by.items():
            vocab = words_of.get(kind if kind != "metal" else "material", {})
            for value, code in [*alts.items(), *((v, c.hs6) for v in _keeps_default(kind, alts))]:
                words = vocab.get(value, ())
                en_words = [w for w in words if w.isascii()][:2]
                zh_words = [w for w in words if not w.isascii()][:2]
                for t in c.en[:3]:
                    for w in en_words:
                        yield _attr_listing(t, kind, w, code, "en")
                for t in c.zh[:3]:
                    for w in zh_words:
                        yield _attr_listing(t, kind, w, code, "zh")


def glossary_examples() -> Iterator[Example]:
    """The multilingual product-noun glossary (``data/hs-glossary.yaml``): how sellers name
    common goods in six languages, which the CN's legal wording does not."""
    raw = yaml.safe_load(data_path("hs-glossary.yaml").read_text(encoding="utf-8"))
    for entry in raw["entries"]:
        hs6 = str(entry["hs6"])
        for lang in ("en", "de", "fr", "es", "pl", "zh"):
            for term in entry.get(lang) or ():
                yield Example(str(term), hs6, "glossary", lang, hs6)


def team_listings() -> Iterator[Example]:
    """The team's 129 labelled training listings (``data/hs-train.tsv``)."""
    with data_path("hs-train.tsv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            yield Example(r["title"], r["hs6"], "team-train", r.get("lang") or "en", r["title"])


def all_examples() -> Iterator[Example]:
    yield from cn_examples()
    yield from uk_examples()
    yield from hts_examples()
    yield from hs2022_examples()
    yield from lexicon_examples()
    yield from glossary_examples()
    yield from team_listings()


_ATTR_SOURCES = ("uk-synonym", "uk-parcel", "uk-brand", "lexicon", "glossary")


def attribute_listings(tune: list[Example]) -> Iterator[Example]:
    """Tuning listings with an attribute, made by rule from tuning text whose subheading
    names a material, make or gender in its own words: the text as the title and one of
    the seller words for what the subheading names as the attribute ("ear studs" for
    711311, "of silver" -> metal "sterling silver"). Like a seller's attribute they agree
    with the right code; they weigh the attribute block against the title. Tuning only,
    never in the index or a measuring set."""
    from borderline.trade.hs_model import leaf_text
    from borderline.trade.hs_text import attribute_table, tariff_words

    nom = nomenclature()
    rules = {r.tariff: r for r in attribute_table() if r.kind != "power"}
    for e in tune:
        if e.source not in _ATTR_SOURCES or e.said or (entry := nom.get(e.hs6)) is None:
            continue
        named = [t for t in tariff_words(leaf_text(entry.description)) if t in rules]
        if not named:
            continue
        rule = rules[named[zlib.crc32(e.text.encode()) % len(named)]]
        words = [w for w in rule.says if (w.isascii() == (e.lang != "zh"))] or list(rule.says)
        word = words[zlib.crc32(f"w:{e.text}".encode()) % len(words)]
        key = {"gender": "gender", "make": "fabric"}.get(rule.kind, "material")
        lt = ListingText(e.text, attributes={key: word})
        yield Example(lt.text(), e.hs6, "attr-rule", e.lang, e.group, said=lt.said())


def examples_by_role() -> dict[str, list[Example]]:
    """All sources split into ``train``, ``tune``, ``dev``, ``test``, ``seen-dev`` and
    ``seen-test`` (see :func:`role`); only codes that exist in HS 2022 (plus the vague
    class). A seen-code text whose subheading keeps no other text of its source in
    training goes back to training: its code would be unseen, which the whole-code sets
    already measure."""
    valid = set(nomenclature().entries)
    out: dict[str, list[Example]] = {r: [] for r in ("train", "tune", "dev", "test", *SEEN_ROLES)}
    for e in all_examples():
        if e.hs6 == VAGUE or e.hs6 in valid:
            out[role(e.source, e.group, e.lang, e.text)].append(e)
    covered = {(e.source, e.hs6) for e in out["train"]}
    for r in SEEN_ROLES:
        keep = [e for e in out[r] if (e.source, e.hs6) in covered]
        out["train"].extend(e for e in out[r] if (e.source, e.hs6) not in covered)
        out[r] = keep
    out["tune"].extend(list(attribute_listings(out["tune"])))
    return out


def held_out_examples(split: str = "dev") -> list[Example]:
    """The public text kept out of training and tuning: the ``dev`` half or the ``test``
    half of the whole-code measuring sets, or ``seen-dev`` / ``seen-test``."""
    return examples_by_role()[split]
