"""Detection: free text and structured records in, typed spans with explanations out.

Detection is separate from anonymisation (see ``anonymise.py``), as in Presidio: the analyzer
only reports what it found and why. Scores combine the pattern's own strength, a passing
checksum (a failing one drops the match), context words near the match, and whether the
recognizer's country is the record's country. People, places and organisations come from
the shipped entity model (``ner.py``) together with the gazetteers (``agree``); street lines
grow into whole addresses afterwards (``addresses.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import phonenumbers

from borderline.errors import InvalidInput
from borderline.privacy import addresses, gazetteer, names, orgs
from borderline.privacy.entities import ENTITY_TYPES, Entity
from borderline.privacy.ner import NerModel, shared_model
from borderline.privacy.recognizers import (
    Pattern,
    Prefilter,
    Recognizer,
    context_regex,
    load_recognizers,
    load_special,
    needs,
)
from borderline.refdata import is_country

DEFAULT_THRESHOLD = 0.5
_PHONE_CONTEXT = context_regex(
    [
        "phone",
        "tel",
        "telephone",
        "mobile",
        "cell",
        "call",
        "whatsapp",
        "fax",
        "cel",
        "celular",
        "handy",
        "telefon",
        "téléphone",
        "tél",
        "portable",
        "móvil",
        "teléfono",
        "电话",
        "手机",
        "联系电话",
        "電話",
        "携帯",
        "전화",
    ]
)
# Numbering plans tried, in this order, for a national-format number in a text without a
# record country: the corridors Borderline's users ship along most.
_FALLBACK_REGIONS = ("US", "GB", "DE", "FR", "IN", "BR", "CN", "JP")
_NOT_PHONE_BEFORE = re.compile(
    r"(?i)(?:ssn|sin|nino|id|order|sku|invoice|tracking|ref|reference|account|acct|iban|"
    r"passport|licen[cs]e|batch|item|parcel|serial|no\.?|nr\.?|number)\s*[:#.]?\s*$"
)
_THREE_DIGITS = re.compile(r"\d\D*\d\D*\d")
_DIGIT_RUN = re.compile(r"\d[\d\s().\-]{5,}\d")
_COUNTRY_KEYS = {"country", "country_code", "countrycode", "国家", "國家", "cc"}


def _check_country(country: str | None, where: str = "country") -> str | None:
    if country is None or country == "":
        return None
    cc = country.strip().upper()
    if cc == "UK":  # the common alias; ISO says GB
        cc = "GB"
    if not is_country(cc):
        raise InvalidInput(f"unknown ISO 3166-1 alpha-2 country code {country!r}", where=where)
    return cc


class Analyzer:
    """Runs every recognizer over a text and resolves overlaps.

    ``threshold`` drops weak matches (a bare 9-digit number is not an SSN without the word
    "SSN" or a US record). ``extra`` adds user recognizer YAML files or folders.
    """

    def __init__(
        self,
        *,
        extra: Sequence[Path | str] = (),
        threshold: float = DEFAULT_THRESHOLD,
        context_window: int = 40,
        ner: NerModel | bool | None = True,
    ) -> None:
        if not 0 <= threshold <= 1:
            raise InvalidInput("threshold must be between 0 and 1", where="threshold")
        self.recognizers: list[Recognizer] = load_recognizers(extra)
        # ``ner=False`` runs patterns and gazetteers only (the detector before the model).
        self.ner: NerModel | None = (
            shared_model() if ner is True else (ner if isinstance(ner, NerModel) else None)
        )
        self.threshold = threshold
        self.window = context_window
        self._ctx = {r.name: context_regex(r.context) for r in self.recognizers}
        self._validators = {r.name: r.validator for r in self.recognizers}
        # Every (recognizer, pattern) pair once, with what a text must hold for it to match (a
        # digit, nine digits in a row, an "@"): a pattern is not run on a text without it.
        self._prefilter: Prefilter[tuple[Recognizer, Pattern]] = Prefilter(
            [((r, p), needs(p.regex)) for r in self.recognizers for p in r.patterns]
        )
        fields = load_special("fields.yaml")
        self._exclude = frozenset(fields.get("exclude", []))
        self._event_dates = frozenset(fields.get("event_dates", []))
        self._fields: list[tuple[str, list[str]]] = [
            (t, [h.lower() for h in hints]) for t, hints in fields["fields"].items()
        ]
        for t, _ in self._fields:
            if t not in ENTITY_TYPES:
                raise InvalidInput(f"unknown type {t!r} in fields.yaml", where="fields.yaml")

    # ---------------------------------------------------------------- free text
    def analyze(
        self,
        text: str,
        *,
        country: str | None = None,
        types: Iterable[str] | None = None,
    ) -> list[Entity]:
        """Entities in ``text`` (character offsets, end exclusive), best first by position."""
        cc = _check_country(country)
        wanted = _check_types(types)
        model = self.ner.find(text) if self.ner is not None and _wants_model(wanted) else []
        return self._combine(text, cc, wanted, model)

    def analyze_many(
        self,
        texts: Sequence[str],
        *,
        countries: Sequence[str | None] | None = None,
        types: Iterable[str] | None = None,
    ) -> list[list[Entity]]:
        """``analyze`` for many texts at once: the model sees them in batches (faster)."""
        if countries is not None and len(countries) != len(texts):
            raise InvalidInput("one country per text (or none)", where="countries")
        ccs = [_check_country(c) for c in countries] if countries else [None] * len(texts)
        wanted = _check_types(types)
        if self.ner is not None and _wants_model(wanted):
            models: Iterable[list[Entity]] = self.ner.find_many(texts)
        else:
            models = ([] for _ in texts)
        return [
            self._combine(t, cc, wanted, m) for t, cc, m in zip(texts, ccs, models, strict=True)
        ]

    def _combine(
        self, text: str, cc: str | None, wanted: set[str] | None, model: list[Entity]
    ) -> list[Entity]:
        found = self._patterns(text, cc)
        found += self._phones(text, cc)
        rules = [e for e in gazetteer.find(text) if not names.implausible(text, e)]
        found += agree(text, model, rules + names.find(text) + orgs.find(text))
        found = [e for e in found if e.score >= self.threshold]
        found = addresses.inside_address(found + names.repeats(text, found))
        kept = addresses.grow(text, resolve_overlaps(found))
        if wanted is not None:
            kept = [e for e in kept if e.type in wanted]
        return [replace(e, text=text[e.start : e.end]) for e in kept]

    def _context(self, rec: Recognizer, text: str, start: int, end: int) -> str | None:
        rx = self._ctx[rec.name]
        if rx is None:
            return None
        before = text[max(0, start - self.window) : start]
        after = text[end : end + 20]
        m = rx.search(before) or rx.search(after)
        return m.group() if m else None

    def _patterns(self, text: str, cc: str | None) -> list[Entity]:
        out: list[Entity] = []
        for rec, pat in self._prefilter(text):
            for m in pat.regex.finditer(text):
                value = m.group()
                validator = self._validators[rec.name]
                if validator is not None and not validator(value):
                    continue
                ctx = self._context(rec, text, m.start(), m.end())
                if rec.requires_context and ctx is None:
                    continue
                score = pat.score
                why = [f"pattern:{rec.name}/{pat.name}"]
                if validator is not None:
                    why.append(f"checksum {rec.validator_spec} passed")
                if ctx is not None:
                    score += rec.context_boost
                    why.append(f"context '{ctx}'")
                if rec.country is not None and cc == rec.country:
                    score += rec.country_boost
                    why.append(f"record country {cc}")
                if rec.kind:
                    why.insert(0, f"{rec.kind}" + (f" ({rec.country})" if rec.country else ""))
                out.append(
                    Entity(
                        rec.type,
                        m.start(),
                        m.end(),
                        min(score, 1.0),
                        "; ".join(why),
                        rec.name,
                        rec.country,
                        rec.kind,
                    )
                )
        return out

    def _phones(self, text: str, cc: str | None) -> list[Entity]:
        # The region comes from the record's country. Without one, numbers in international
        # form (+CC …) parse unambiguously; national forms are then tried against the main
        # corridors' numbering plans (_FALLBACK_REGIONS) at a lower score, and only when they
        # are written like a phone number (grouped, or with a context word).
        region = cc if cc else None
        out: list[Entity] = []
        if _THREE_DIGITS.search(text) is None:
            return out  # no numbering plan has a valid number of fewer than three digits
        try:
            matches = list(
                phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)
            )
        except Exception:  # phonenumbers raises on pathological input; treat as no match
            return out
        if region is None and _DIGIT_RUN.search(text):
            out += self._national_phones(text, [(m.start, m.end) for m in matches])
        for m in matches:
            num = m.number
            reg = phonenumbers.region_code_for_number(num)
            score = 0.75 if m.raw_string.lstrip().startswith("+") else 0.65
            why = [f"phonenumbers: valid number for region {reg} (+{num.country_code})"]
            if region:
                why.append(f"parsed with record country {region}")
            before = text[max(0, m.start - self.window) : m.start]
            ctx = _PHONE_CONTEXT.search(before) if _PHONE_CONTEXT else None
            if ctx:
                score += 0.2
                why.append(f"context '{ctx.group()}'")
            out.append(
                Entity(
                    "PHONE_NUMBER", m.start, m.end, min(score, 1.0), "; ".join(why), "phone", reg
                )
            )
        return out

    def _national_phones(self, text: str, taken: list[tuple[int, int]]) -> list[Entity]:
        out: list[Entity] = []
        for reg in _FALLBACK_REGIONS:
            try:
                found = list(
                    phonenumbers.PhoneNumberMatcher(
                        text, reg, phonenumbers.Leniency.STRICT_GROUPING
                    )
                )
            except Exception:  # as above: no match rather than an error
                continue
            for m in found:
                if any(m.start < e and s < m.end for s, e in taken):
                    continue
                if _NOT_PHONE_BEFORE.search(text[max(0, m.start - 20) : m.start]):
                    continue  # "SSN 078-05-1120", "order #5531207": labelled as something else
                before = text[max(0, m.start - self.window) : m.start]
                ctx = _PHONE_CONTEXT.search(before) if _PHONE_CONTEXT else None
                grouped = bool(re.search(r"[\s().\-]", m.raw_string.strip()))
                if not grouped and ctx is None:
                    continue  # a bare digit run is an order number as often as a phone
                score = 0.55 + (0.2 if ctx else 0.0)
                why = [
                    f"phonenumbers: no record country; valid national number for {reg} "
                    f"(+{m.number.country_code})"
                ]
                if ctx:
                    why.append(f"context '{ctx.group()}'")
                out.append(
                    Entity("PHONE_NUMBER", m.start, m.end, score, "; ".join(why), "phone", reg)
                )
                taken.append((m.start, m.end))
        return out

    # ---------------------------------------------------------------- structured records
    @staticmethod
    def _key_words(key: str) -> list[str]:
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", key)
        return [w for w in re.split(r"[\s_.\-/]+", spaced.lower()) if w]

    def field_type(self, key: str) -> str | None:
        """The entity type a field name is strong evidence of (``buyer_email`` -> EMAIL)."""
        words = self._key_words(key)
        if any(w in self._exclude for w in words):
            return None
        joined = " " + " ".join(words) + " "
        for etype, hints in self._fields:
            for h in hints:
                if h.isascii():
                    if f" {h} " in joined:
                        return etype
                elif h in key:
                    return etype
        return None

    def analyze_record(
        self, record: Mapping[str, Any], *, country: str | None = None, path: str = ""
    ) -> list[Entity]:
        """Entities in every string value of a (nested) record; ``path`` says which field.

        The record's own ``country`` field (if any) sets the region for phones and the
        country boost for identifiers, unless ``country`` is given.
        """
        if not isinstance(record, Mapping):
            raise InvalidInput("a record must be a JSON object", where=path or "record")
        cc = _check_country(country)
        if cc is None:
            for k, v in record.items():
                if k.lower() in _COUNTRY_KEYS and isinstance(v, str) and is_country(v.upper()):
                    cc = v.upper()
                    break
        out: list[Entity] = []
        for key, value in record.items():
            p = f"{path}.{key}" if path else str(key)
            if isinstance(value, Mapping):
                out += self.analyze_record(value, country=cc, path=p)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    ip = f"{p}[{i}]"
                    if isinstance(item, Mapping):
                        out += self.analyze_record(item, country=cc, path=ip)
                    elif isinstance(item, str | int):
                        out += self.analyze_field(str(key), str(item), country=cc, path=ip)
            elif isinstance(value, str | int) and not isinstance(value, bool):
                out += self.analyze_field(str(key), str(value), country=cc, path=p)
        return out

    def analyze_field(
        self, key: str, value: str, *, country: str | None = None, path: str | None = None
    ) -> list[Entity]:
        """One field: the field name is strong evidence for what its whole value holds."""
        etype = self.field_type(key)
        found = self.analyze(value, country=country)
        if any(w in self._exclude for w in self._key_words(key)):
            # A product or brand name under `product_name`: the model's guess of a person or
            # a company there is the product, not a party.
            found = [e for e in found if e.recognizer != "ner_model"]
        if etype != "DATE_TIME" and self._event_dates & set(self._key_words(key)):
            found = [e for e in found if e.type != "DATE_TIME"]
        stripped = value.strip()
        if etype is None or not stripped or not _plausible(etype, stripped):
            return [replace(e, path=path or key) for e in found]
        lead = len(value) - len(value.lstrip())
        whole = Entity(
            etype,
            lead,
            lead + len(stripped),
            0.9,
            f"field name '{key}' is evidence of {etype}",
            "field_name",
            text=stripped,
        )
        same = [e for e in found if e.type == etype]
        if same:
            # The text recognizer agrees: keep its finer explanation, raise its confidence.
            found = [
                replace(
                    e, score=max(e.score, 0.95), explanation=f"{e.explanation}; {whole.explanation}"
                )
                if e.type == etype
                else e
                for e in found
            ]
            covered = sum(e.end - e.start for e in same)
            if etype in ("ADDRESS", "PERSON", "ORGANIZATION") and covered < 0.8 * len(stripped):
                found = [e for e in found if not _inside(e, whole)] + [whole]
        else:
            found = [e for e in found if not _inside(e, whole)] + [whole]
        return [replace(e, path=path or key) for e in sorted(found, key=lambda e: e.start)]


_MODEL_TYPES = frozenset({"PERSON", "LOCATION", "ORGANIZATION"})


def _check_types(types: Iterable[str] | None) -> set[str] | None:
    wanted = set(types) if types is not None else None
    if wanted is not None and (bad := wanted - set(ENTITY_TYPES)):
        raise InvalidInput(f"unknown entity type(s) {sorted(bad)}", where="types")
    return wanted


def _wants_model(wanted: set[str] | None) -> bool:
    return wanted is None or bool(wanted & _MODEL_TYPES)


_PLACE_OVERRIDES = frozenset({"location_gazetteer", "location_shape"})
_ORG_EVIDENCE = frozenset(
    {"organization", "organization_firm", "organization_kind", "organization_context"}
)
# Name rules whose span is a whole name: where the model found part of it, the rule's span wins.
_WHOLE_NAMES = frozenset({"person_stats", "person_initials"})
# ... and so does a legal form's, kind word's or place shape's span around the model's
# ("Schulte AG & Co. KG", "Dupont-sur-Mer").
_WHOLE_SPANS = _WHOLE_NAMES | _ORG_EVIDENCE | {"location_shape"}


def agree(text: str, model: list[Entity], rules: list[Entity]) -> list[Entity]:
    """Model and gazetteer spans together; where both found the same thing, say so.

    A model span overlapping a gazetteer span of the same type keeps the model's boundaries
    (it sees the whole name) and takes the higher score plus 0.1; the gazetteer span stays as
    it is and loses the overlap resolution.
    """
    out = list(rules)
    for m in model:
        place = next(
            (
                r
                for r in rules
                if r.recognizer in _PLACE_OVERRIDES
                and (
                    (r.start, r.end) == (m.start, m.end)
                    # "Aix" and "Bains" in "Aix-les-Bains": a part of a place shape
                    or (r.recognizer == "location_shape" and _inside(m, r))
                )
            ),
            None,
        )
        if (
            place is not None
            and m.type != "LOCATION"
            and (" " not in text[m.start : m.end] or place.recognizer == "location_shape")
        ):
            # "Lyon" alone: a city in the gazetteer outweighs the model's guess of a name, and
            # so does a place-name shape ("Lake Charles", "Jacksonville").
            continue
        if m.type != "ORGANIZATION" and any(
            r.recognizer in _ORG_EVIDENCE and r.start <= m.start and m.end <= r.end for r in rules
        ):
            continue  # "Marshall LLC", "Barnett, Conley and Baker": a legal form or firm name
        if m.type != "PERSON" and any(
            r.recognizer == "person_initials" and r.start <= m.start and m.end <= r.end
            for r in rules
        ):
            continue  # "C. H. Douglas": initials before a listed surname are a person's
        same = [r for r in rules if r.type == m.type and r.start < m.end and m.start < r.end]
        if same:
            best = max(same, key=lambda r: r.score)
            start, end = m.start, m.end
            if best.recognizer in _WHOLE_SPANS and best.start <= start and end <= best.end:
                start, end = best.start, best.end  # "anna" inside "anna kowalska"
            m = replace(
                m,
                start=start,
                end=end,
                score=min(1.0, max(m.score, best.score) + 0.1),
                explanation=f"{m.explanation}; agrees with {best.explanation}",
            )
        out.append(m)
    firms = [r for r in rules if r.recognizer in _ORG_EVIDENCE]
    return [e for e in out if not _part_of_firm(e, firms)]


def _part_of_firm(e: Entity, firms: list[Entity]) -> bool:
    """A rule's person or place inside a legal form's, firm name's or kind word's span
    ("Conradi Oderwald GbR", "University of Texas") is part of the organisation's name; a
    person rule's span that is the whole firm span ("Smith BV") too."""
    if e.type not in ("PERSON", "LOCATION") or e.recognizer == "ner_model":
        return False
    for f in firms:
        same = (f.start, f.end) == (e.start, e.end)
        if (same and e.type == "PERSON") or (not same and _inside(e, f)):
            return True
    return False


def _inside(e: Entity, outer: Entity) -> bool:
    return outer.start <= e.start and e.end <= outer.end


def _plausible(etype: str, value: str) -> bool:
    """A field's name alone is not enough: ``phone: "n/a"`` holds no phone number."""
    digits = sum(c.isdigit() for c in value)
    if value.lower() in {"n/a", "na", "none", "null", "-", "unknown", "redacted"}:
        return False
    if etype in ("PHONE_NUMBER", "POSTAL_CODE", "CREDIT_CARD", "BANK_ACCOUNT", "IP_ADDRESS"):
        return digits >= 3
    if etype in ("NATIONAL_ID", "TAX_ID", "PASSPORT", "DRIVER_LICENSE", "IBAN_CODE"):
        return digits >= 2 and len(value) <= 40
    if etype == "EMAIL_ADDRESS":
        return "@" in value
    if etype == "DATE_TIME":
        return digits >= 4
    if etype in ("PERSON", "ORGANIZATION", "LOCATION"):
        return any(c.isalpha() for c in value) and len(value) <= 200
    return True


def resolve_overlaps(entities: Iterable[Entity]) -> list[Entity]:
    """Keep the best of overlapping spans: higher score, then the longer span."""
    ranked = sorted(entities, key=lambda e: (-e.score, -(e.end - e.start), e.start))
    kept: list[Entity] = []
    for e in ranked:
        if all(e.end <= k.start or e.start >= k.end for k in kept):
            kept.append(e)
    return sorted(kept, key=lambda e: (e.start, e.end))


_DEFAULT: Analyzer | None = None


def default_analyzer() -> Analyzer:
    """One shared analyzer with the shipped recognizers (compiling them takes a moment)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Analyzer()
    return _DEFAULT


def detect(text: str, *, country: str | None = None) -> list[Entity]:
    return default_analyzer().analyze(text, country=country)
