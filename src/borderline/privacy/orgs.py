"""Organisations by what they are called and where they stand in a sentence.

Two rules beside the legal-form suffixes (``gazetteer.py``) and the partner-named firms
(``names.py``), both for the organisations order notes, tickets and chats mention:

- **Kind words.** A run of capitalised words ending with a word that says what kind of
  organisation it is (``Montreal Hockey Club``, ``Virgin Records``, ``St Mary's Hospital``,
  ``Deutsche Bank``), or such a word before ``of``/``de``/``für`` … and a name (``University of
  Texas``, ``Banco de Chile``, ``Institut für Sozialforschung``), or a kind word that opens a
  name in Dutch, German, the Romance languages and Polish (``Stichting Duinrand``, ``Fundacja
  Nowak``, ``Grupo Bimbo``, ``FC Basel``). The lists are ``KIND_AFTER`` and ``KIND_BEFORE``.
- **Context.** A capitalised run right after words that only an employer, supplier or seller
  follows (``works at``, ``employed by``, ``our supplier``, ``invoice from``, ``on behalf of``,
  ``arbeite bei``, ``travaille chez``, ``trabajo en``): ``I work at Boulanger``. A run that is a
  listed given name and surname (``works for Anna Schmidt``) is left to the person rules.

Both outweigh the model's other label for a span inside them (``agree`` in ``analyzer.py``):
``Texas`` in ``University of Texas`` is not reported as a place.
"""

from __future__ import annotations

import re

from borderline.privacy.entities import Entity
from borderline.privacy.gazetteer import STOP_WORDS
from borderline.privacy.names import stats

SCORES = {"kind": 0.8, "context": 0.8}

# Kind words that end an organisation's name ("… Hockey Club", "… Records").
KIND_AFTER = frozenset(
    (
        "University College Academy Hospital Clinic Bank Airlines Airways Foundation Institute "
        "Association Society Council Club Agency Ministry Museum Records Studios Media "
        "Network Networks Television Broadcasting Radio Press Motors Industries Technologies "
        "Systems Solutions Services Consulting Consultants Labs Laboratories Pharmaceuticals "
        "Insurance Capital Ventures Enterprises Federation League Committee Commission Party "
        "Church Trust Authority Orchestra Choir Band Fund Bureau Cooperative Co-op "
        "Universität Hochschule Klinikum Krankenhaus Stiftung Verein Verband Sparkasse "
        "Versicherung Versicherungen Werke Gruppe Bau Consulting Université Banque "
        "Universidad Banca Università Universidade Universiteit Uniwersytet Hospitality "
        "F.C. A.F.C. FC AFC"
    ).split()
)
# Kind words that open a name: "University of Texas", "Stichting Duinrand", "Grupo Bimbo".
KIND_BEFORE = frozenset(
    (
        "University College Academy Bank Institute Ministry Museum Church Society "
        "Association Council Department Federation League Order Royal Universität Hochschule "
        "Stiftung Verein Verband Institut Klinikum Université Banque Fondation Institut "
        "Association Société Groupe Hôpital Clinique Universidad Banco Fundación Instituto "
        "Asociación Sociedad Compañía Grupo Hermanos Hnos. Familia Clínica Università Banca "
        "Fondazione Istituto Associazione Ospedale Gruppo Società Universidade Fundação "
        "Associação Stichting Universiteit Koninklijke Groep Fundacja Stowarzyszenie "
        "Spółdzielnia Grupa Uniwersytet Gabinety PPUH FPUH P.P.U.H. F.P.U.H. FC AC SC SV VfB "
        "VfL CF CD"
    ).split()
)
# After these, a kind word needs a linking word before the name ("University of Texas",
# not "University Texas"); the rest may take the name directly ("Grupo Bimbo", "FC Basel").
_NEEDS_OF = frozenset(
    "University College Academy Bank Institute Ministry Museum Church Society Association "
    "Council Department Federation League Order Royal".split()
)
_OF = r"(?:of(?: the)?|for|de|del|de la|des|du|der|für|di|della|do|da|dos|das|van|voor)"
_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.\-]*"
_JOIN = r"(?:[ ](?:&|and|und|et|y|e|i)[ ](?=[A-ZÀ-ÖØ-Þ]))"
# One to four capitalised words, optionally joined by "&" ("Procter & Gamble"; not "and":
# "Texas and Montreal Hockey Club" are two).
_RUN = rf"{_WORD}(?:(?:[ ]|[ ]&[ ]){_WORD}){{0,3}}"
_AFTER_RX = re.compile(
    rf"(?<![\w'’.\-])(?P<name>{_RUN})[ ](?P<kind>"
    + "|".join(re.escape(w) for w in sorted(KIND_AFTER, key=len, reverse=True))
    + r")(?![\w\-])"
)
_BEFORE_RX = re.compile(
    r"(?<![\w'’.\-])(?P<kind>"
    + "|".join(re.escape(w) for w in sorted(KIND_BEFORE, key=len, reverse=True))
    + rf")(?P<of>[ ]{_OF})?[ ](?P<name>{_RUN})(?![\w'’\-])"
)
# Words only an employer, supplier or seller follows.
_CONTEXT_RX = re.compile(
    r"(?<![\w])(?i:work(?:s|ed|ing)?[ ](?:at|for)|employ(?:ed[ ](?:by|at)|er(?:[ ]is)?)|"
    r"(?:our|my|the|your)[ ](?:supplier|vendor|manufacturer|contractor|subcontractor|"
    r"employer|carrier|distributor|reseller|landlord)|supplier|vendor|manufacturer|"
    r"invoice[ ](?:from|of)|billed[ ]by|on[ ]behalf[ ]of|(?:customer|client|subsidiary|"
    r"employee|staff)[ ]of|company|firm|merchant|seller|"
    r"arbeite[tn]?[ ]bei|beschäftigt[ ]bei|firma|lieferant|travaille[rz]?[ ](?:chez|pour)|"
    r"société|entreprise|fournisseur|trabaj[oa][ ](?:en|para)|empresa|proveedor|"
    r"lavoro[ ](?:presso|per)|azienda|ditta|fornitore|trabalho[ ](?:na|no|em|para)|"
    r"fornecedor|werk(?:t)?[ ]bij|leverancier|pracuję[ ]w|firmy?)"
    r"[ ]?:?[ ](?:(?:the|der|die|das|den|dem|la|le|el|il|lo)[ ])?(?P<name>"
    rf"{_WORD}(?:,[ ]{_WORD}){{1,3}},?[ ](?:and|&|und|et|y|e|i)[ ]{_WORD}|"
    rf"{_WORD}(?:(?:[ ]|{_JOIN}|[ ](?:{_OF})[ ](?=[A-ZÀ-ÖØ-Þ])){_WORD}){{0,4}})"
)
_TRAIL = ".,;:!?'’"
_DOTTED = frozenset("Inc. Ltd. Corp. Co. Bros. Hnos. Ltda. Lda. Cie. Cía.".split())


def find(text: str) -> list[Entity]:
    """Organisations named by a kind word or by the words before them."""
    if not any(c.isupper() for c in text):
        return []
    out: list[Entity] = []
    for m in _AFTER_RX.finditer(text):
        span = _trim(text, m.start("name"), m.end())
        if span is not None and not _all_kind(text[span[0] : span[1]]):
            out.append(_org(span, "kind", f"pattern:organization: kind word '{m['kind']}'"))
    for m in _BEFORE_RX.finditer(text):
        if m["kind"] in _NEEDS_OF and m["of"] is None:
            continue
        name = m["name"].split()
        if m["of"] is None and name[0].casefold() in STOP_WORDS:
            continue
        span = (m.start(), m.end() - len(m["name"]) + len(m["name"].rstrip(_TRAIL)))
        out.append(_org(span, "kind", f"pattern:organization: kind word '{m['kind']}'"))
    for m in _CONTEXT_RX.finditer(text):
        span = _trim(text, m.start("name"), m.end("name"))
        if span is None or _a_person(text[span[0] : span[1]]):
            continue
        ctx = text[m.start() : m.start("name")].strip(" :")
        out.append(_org(span, "context", f"pattern:organization: after '{ctx}'"))
    return out


def _org(span: tuple[int, int], rule: str, why: str) -> Entity:
    return Entity("ORGANIZATION", span[0], span[1], SCORES[rule], why, f"organization_{rule}")


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Leading stop words off ("Thanks Acme Bank" → "Acme Bank"), trailing dots off."""
    words = text[start:end].split(" ")
    while words and words[0].casefold().strip(_TRAIL) in STOP_WORDS:
        start += len(words[0]) + 1
        words = words[1:]
    while end > start and text[end - 1] in _TRAIL and not _abbreviation(text[start:end]):
        end -= 1
    if text[start:end].endswith(".."):
        end -= 1
    return (start, end) if words and end > start else None


def _abbreviation(span: str) -> bool:
    """A legal form or initials that end with their dot ("S.A.R.L.", "A.F.C.")."""
    last = span.rsplit(" ", 1)[-1]
    return last.count(".") >= 2 or last in _DOTTED


def _all_kind(span: str) -> bool:
    return all(w in KIND_AFTER or w in KIND_BEFORE for w in span.split())


def _a_person(span: str) -> bool:
    """A listed given name and a listed surname ("works for Anna Schmidt"): a person."""
    words = span.split()
    if len(words) != 2:
        return False
    st = stats()
    return words[0].casefold() in st.common_given and words[1].casefold() in st.surnames
