"""Names, organisations and places without an NER model: gazetteers plus shapes.

No spaCy model can be downloaded on our machines (nor in many users' locked-down networks), so
people, organisations and places are found from word lists shipped in ``data/gazetteers`` and
from shapes that carry the evidence a model would learn: a title before a capitalised word, a
legal-form suffix after capitalised words, a context word ("收货人", "Attn") before a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from borderline.privacy.entities import Entity
from borderline.privacy.recognizers import context_regex, literal_alternation, load_special
from borderline.refdata import all_countries, official_names

_CAP = r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-öø-ÿā-žßA-ZÀ-ÖØ-ÞĀ-Ž'’\-]*"
# Lower-case particles belong inside names: "Sanne de Vries", "Ludwig van Beethoven".
_PARTICLE = r"(?:de|van|von|der|den|da|di|del|della|la|le|du|dos|das|bin|al)"
# Up to two particles between words: "Mike van der Berg", "María de la Cruz".
_RUN = re.compile(rf"(?<![\w'’\-]){_CAP}(?:[ ](?:{_PARTICLE}[ ]){{0,2}}{_CAP}){{0,3}}(?![\w'’\-])")
_CJK = r"\u4e00-\u9fa5"

# Capitalised words that start sentences or label things; a run containing them is no name.
_STOP = {
    w.casefold()
    for w in (
        "The A An And Or Of For To In On At By With From Dear Hello Hi Thanks Thank Please "
        "Order Invoice Customer Buyer Recipient Name Address Phone Email Tel Mobile Street Road "
        "Avenue Lane Drive Way Place Court Boulevard Square Apt Unit Suite Flat Floor Ship Deliver "
        "Delivery Shipping Billing Payment Card Account Passport Date Birth Born Note Notes "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
        "May June July August September October November December Mr Mrs Ms Miss Dr Prof Sir "
        "Herr Frau Mme Mlle Company Ltd Inc GmbH LLC Group Holdings Logistics Trading Bank "
        "Contact Attn Attention Signed Sender Cardholder Passenger Driver Full Reference Ref "
        "ID IBAN SSN VAT Tax No Number Code Zip Postcode Postal City Country Region State "
        "Province Is Are Was We I You He She It They My Your Our Their This That These Those "
        "Hotel Airport University Station Center Centre Park Mall Tower Building Block "
        # Labels that introduce a party in order notes are not part of its name.
        "Consignee Shipper Beneficiary Payee Payer Client Cliente Kunde Kundin Destinataire "
        "Destinatario Empfänger Titular Titulaire Holder Owner Contact Recipient Addressee "
        # Words that open place names ("Lake Havasu", "East Lansing"), never a person's.
        "Lake Port Mount Fort North South East West New "
        # Contractions that open "I'm Dmitri Volkov".
        "I'm I’m I'd I’d I'll I’ll I've I’ve"
    ).split()
}


_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]")
_INITIAL_BEFORE = re.compile(r"[A-Za-zÀ-ÿ][a-zà-ÿ]* [A-Z]\. $")

# Shared with the name-statistics recognizer (``names.py``).
CAP_RUN = _RUN
PARTICLE = re.compile(_PARTICLE)
STOP_WORDS = frozenset(_STOP)


def read_gazetteer(name: str) -> list[str]:
    """The entries of one shipped gazetteer list (``data/gazetteers/<name>``), comments dropped."""
    path = Path(str(resources.files("borderline.privacy") / "data" / "gazetteers" / name))
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _alternation(words: list[str], latin_bounds: bool) -> re.Pattern[str]:
    esc = literal_alternation(words)
    if latin_bounds:
        return re.compile(rf"(?<![\w\-])(?:{esc})(?![\w\-])")
    return re.compile(f"(?:{esc})")


@dataclass(frozen=True, slots=True)
class _Lists:
    config: dict[str, Any]
    given: frozenset[str]
    surnames: frozenset[str]
    titles: re.Pattern[str]
    context: re.Pattern[str] | None
    zh_context_name: re.Pattern[str]
    zh_honorific_name: re.Pattern[str]
    ja_honorific_name: re.Pattern[str]
    org: re.Pattern[str]
    org_more: re.Pattern[str]
    zh_org: re.Pattern[str]
    cities_latin: re.Pattern[str]
    cities_cjk: re.Pattern[str]
    countries_latin: re.Pattern[str]
    countries_cjk: re.Pattern[str]


@cache
def lists() -> _Lists:
    cfg = load_special("gazetteer.yaml")
    person, org, loc = cfg["person"], cfg["organization"], cfg["location"]
    zh_surnames = read_gazetteer(person["zh_surnames"])
    surname_alt = "|".join(sorted(zh_surnames, key=len, reverse=True))
    zh_ctx = "|".join(re.escape(w) for w in person["zh_context"])
    # The given name is one or two characters; stop before words that usually follow a name.
    given = rf"[{_CJK}]{{1,2}}?(?=[^{_CJK}]|电话|手机|地址|先生|女士|小姐|身份证|护照|的|$)"
    zh_context_name = re.compile(rf"(?:{zh_ctx})\s*[:：]?\s*((?:{surname_alt}){given})")
    honor = "|".join(person["zh_honorifics"])
    zh_honorific_name = re.compile(rf"((?:{surname_alt})[{_CJK}]{{0,2}}?)(?:{honor})")
    suffixes = read_gazetteer(org["suffixes"])
    suf = "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True))
    joiner = r"(?:&[ ]|and[ ]|of[ ]|(?:de|del|de la|di|du|der|van|für)[ ])?"
    org_rx = re.compile(
        rf"(?<![\w\-.])((?:[A-Z][\w&'’\-]*[ ]{joiner})(?:[A-Z0-9][\w&'’\-]*[ ]{joiner}){{0,4}}?)"
        rf",?[ ]?(?:{suf})(?![\w])"
    )
    # The fewest name words before the longest legal form ("Schulte AG & Co. KG", not "Schulte
    # AG &" + "Co."), then any legal form after it ("Smith Holdings Ltd").
    org_more = re.compile(rf"[ ,]{{0,2}}(?:{suf})(?![\w])")
    zh_suf = "|".join(sorted(read_gazetteer(org["zh_suffixes"]), key=len, reverse=True))
    zh_org = re.compile(rf"[{_CJK}（）()]{{2,14}}?(?:{zh_suf})")
    cities = read_gazetteer(loc["cities"])
    # English names, the French and Spanish official names ("Suisse", "Estados Unidos de
    # América") and the team's list of other spellings.
    countries = [c.name for c in all_countries()] + read_gazetteer(loc["countries_extra"])
    countries += [n for n in official_names("fr", "es") if len(n) >= 4]
    return _Lists(
        config=cfg,
        given=frozenset(n.casefold() for n in read_gazetteer(person["given_names"])),
        surnames=frozenset(n.casefold() for n in read_gazetteer(person["surnames"])),
        titles=re.compile(rf"(?:{literal_alternation(person['titles'])})\.?[ ]$"),
        context=context_regex(person["context"]),
        zh_context_name=zh_context_name,
        zh_honorific_name=zh_honorific_name,
        # Japanese: family and given name (kanji, optionally a space, kana) before 様/殿.
        ja_honorific_name=re.compile(
            rf"(?<![{_CJK}])([{_CJK}]{{1,3}}[ 　]?[{_CJK}\u3040-\u309f]{{1,3}})[ 　]?(?:"
            + "|".join(person["ja_honorifics"])
            + ")"
        ),
        org=org_rx,
        org_more=org_more,
        zh_org=zh_org,
        cities_latin=_alternation([c for c in cities if c[0].isascii()], True),
        cities_cjk=_alternation([c for c in cities if not c[0].isascii()], False),
        countries_latin=_alternation([c for c in countries if _LATIN.match(c)], True),
        countries_cjk=_alternation([c for c in countries if not _LATIN.match(c)], False),
    )


def given_names() -> frozenset[str]:
    """The shipped given names, case-folded."""
    return lists().given


def _person_latin(text: str, lst: _Lists) -> Iterator[Entity]:
    scores = lst.config["person"]["scores"]
    for m in _RUN.finditer(text):
        words = m.group().split(" ")
        # Trim stop words at either end ("Dear John Smith" -> "John Smith").
        start, end = m.start(), m.end()
        while words and words[0].casefold() in _STOP:
            start += len(words[0]) + 1
            words = words[1:]
        while words and words[-1].casefold() in _STOP:
            end -= len(words[-1]) + 1
            words = words[:-1]
        if not words or any(w.casefold() in _STOP for w in words):
            continue
        if re.fullmatch(_PARTICLE, words[-1]):
            continue
        folded = [w.casefold() for w in words]
        # "Refund John Smith": a capitalised word before a known given name is not the name.
        while (
            len(words) > 2
            and folded[0] not in lst.given
            and folded[0] not in lst.surnames  # "Tan Wei Ling": surname first, keep it
            and folded[1] in lst.given
        ):
            start += len(words[0]) + 1
            words, folded = words[1:], folded[1:]
        before = text[max(0, start - 40) : start]
        # "Philip M. Drew": "M." after a name is an initial, not Monsieur.
        titled = bool(lst.titles.search(before)) and not _INITIAL_BEFORE.search(before)
        ctx = lst.context.search(before[-25:]) if lst.context else None
        why: str | None = None
        score = 0.0
        if len(words) >= 2 and folded[0] in lst.given and folded[-1] in lst.surnames:
            score, why = scores["given_and_surname"], "given name and surname in gazetteer"
        elif titled:
            score, why = scores["title_and_capitalised"], "title before capitalised words"
        elif len(words) >= 2 and folded[0] in lst.given:
            score, why = scores["given_and_capitalised"], "given name in gazetteer"
        elif len(words) >= 2 and folded[-1] in lst.surnames:
            score, why = scores["capitalised_and_surname"], "surname in gazetteer"
        elif ctx is not None and len(words) >= 2:
            score, why = scores["context_and_capitalised"], "capitalised words after context"
        if why is None:
            continue
        if ctx is not None:
            score = min(1.0, score + 0.15)
            why += f"; context '{ctx.group()}'"
        yield Entity("PERSON", start, end, score, f"gazetteer:person: {why}", "person_gazetteer")


def _person_chinese(text: str, lst: _Lists) -> Iterator[Entity]:
    scores = lst.config["person"]["scores"]
    for m in lst.zh_context_name.finditer(text):
        ctx = m.group()[: m.start(1) - m.start()].strip(" :：")
        yield Entity(
            "PERSON",
            m.start(1),
            m.end(1),
            scores["zh_context_name"],
            f"gazetteer:person: Chinese surname after context '{ctx}'",
            "person_zh",
        )
    for m in lst.ja_honorific_name.finditer(text):
        yield Entity(
            "PERSON",
            m.start(1),
            m.end(1),
            scores["zh_honorific_name"],
            "gazetteer:person: Japanese name before the honorific 様/殿",
            "person_ja",
        )
    for m in lst.zh_honorific_name.finditer(text):
        yield Entity(
            "PERSON",
            m.start(1),
            m.end(1),
            scores["zh_honorific_name"],
            "gazetteer:person: Chinese surname before an honorific",
            "person_zh",
        )


def _organizations(text: str, lst: _Lists) -> Iterator[Entity]:
    score = lst.config["organization"]["score"]
    for m in lst.org.finditer(text):
        words = m.group(1).split()
        start = m.start()
        while words and words[0].casefold() in _STOP and words[0] not in ("Bank",):
            start += text[start:].index(words[0]) + len(words[0])
            start += len(text[start:]) - len(text[start:].lstrip())
            words = words[1:]
        if not words:
            continue
        end = m.end()
        while more := lst.org_more.match(text, end):
            end = more.end()
        yield Entity(
            "ORGANIZATION",
            start,
            end,
            score,
            "pattern:organization: legal-form suffix",
            "organization",
        )
    for m in lst.zh_org.finditer(text):
        yield Entity(
            "ORGANIZATION",
            m.start(),
            m.end(),
            score,
            "pattern:organization: Chinese legal form",
            "organization_zh",
        )


def _locations(text: str, lst: _Lists) -> Iterator[Entity]:
    loc = lst.config["location"]
    for rx, score, what in (
        (lst.cities_latin, loc["city_score"], "city"),
        (lst.cities_cjk, loc["city_score"], "city"),
        (lst.countries_latin, loc["country_score"], "country"),
        (lst.countries_cjk, loc["country_score"], "country"),
    ):
        for m in rx.finditer(text):
            yield Entity(
                "LOCATION",
                m.start(),
                m.end(),
                score,
                f"gazetteer:location: {what} name",
                "location_gazetteer",
            )


def find(text: str) -> list[Entity]:
    lst = lists()
    out: list[Entity] = []
    out += _person_latin(text, lst)
    out += _person_chinese(text, lst)
    out += _organizations(text, lst)
    out += _locations(text, lst)
    return out
