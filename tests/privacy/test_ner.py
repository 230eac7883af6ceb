"""People, places and organisations (the shipped model), whole addresses, phones, dates and
domains: tables of real cases, and the anonymisers on the new spans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from borderline.privacy.analyzer import Analyzer
from borderline.privacy.anonymise import Keyring, anonymise, decrypt_text, pseudonym
from borderline.privacy.ner import LABELS, MODEL_VERSION, SHIPPED_MODEL

FIXTURES = Path(__file__).parent / "fixtures"
HELDOUT = [
    json.loads(line)
    for line in (FIXTURES / "ner_heldout.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]
FAMILY = {"ADDRESS": "LOCATION", "POSTAL_CODE": "LOCATION"}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def _half_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0])) >= 0.5


@pytest.mark.parametrize("case", HELDOUT, ids=[c["id"] for c in HELDOUT])
def test_heldout_corpus_sentences(analyzer, case):
    """Sentences from the corpora's test splits (fixtures/PROVENANCE.md), gold spans found."""
    text = case["text"]
    found = analyzer.analyze(text)
    for etype, value in case["entities"]:
        start = text.index(value)
        hits = [
            e
            for e in found
            if FAMILY.get(e.type, e.type) == etype
            and _half_overlap((e.start, e.end), (start, start + len(value)))
        ]
        assert hits, f"{etype} {value!r} not found in {[(e.type, e.text) for e in found]}"


# (text, record country, whole address expected)
ADDRESSES = [
    (
        "Recipient: Dolores Whitcombe, 4417 Alder Creek Drive, Boise, ID 83704.",
        "US",
        "4417 Alder Creek Drive, Boise, ID 83704",
    ),
    (
        "Ship to 1234 Elm Street Apt. 5, Springfield, IL 62704 please",
        None,
        "1234 Elm Street Apt. 5, Springfield, IL 62704",
    ),
    (
        "Flat 2, 10 Downing Street, London SW1A 2AA, United Kingdom",
        "GB",
        "Flat 2, 10 Downing Street, London SW1A 2AA, United Kingdom",
    ),
    (
        "new address is 9 Rosebery Crescent, Edinburgh EH12 5JY. Ta, Fiona",
        "GB",
        "9 Rosebery Crescent, Edinburgh EH12 5JY",
    ),
    ("Retoure an Goethestraße 12a, 80336 München.", "DE", "Goethestraße 12a, 80336 München"),
    (
        "Livraison : 12 rue de la Paix, 75002 Paris, France. Merci",
        "FR",
        "12 rue de la Paix, 75002 Paris, France",
    ),
    (
        "收货地址：上海市浦东新区世纪大道100号 邮编 200120",
        "CN",
        "上海市浦东新区世纪大道100号 邮编 200120",
    ),
    (
        "お届け先：〒100-0005 東京都千代田区丸の内1-9-1",
        "JP",
        "〒100-0005 東京都千代田区丸の内1-9-1",
    ),
    (
        "Deliver to Flat 12, Sai Apartments, 14 MG Road, Indiranagar, Bengaluru, Karnataka 560038",
        "IN",
        "Flat 12, Sai Apartments, 14 MG Road, Indiranagar, Bengaluru, Karnataka 560038",
    ),
    (
        "Entregar na Rua Augusta, 1500 - Apto 12 - Consolação, São Paulo - SP, 01304-001",
        "BR",
        "Rua Augusta, 1500 - Apto 12 - Consolação, São Paulo - SP, 01304-001",
    ),
    # USPS standard street suffixes beyond Street/Road/Avenue, with a unit after them.
    (
        "Please send it to 5421 Harbor Crossing Apt. 332, Duluth, MN 55802 before Friday",
        "US",
        "5421 Harbor Crossing Apt. 332, Duluth, MN 55802",
    ),
    (
        "My address is 77 Cedar Hollow, Asheville, NC 28801.",
        None,
        "77 Cedar Hollow, Asheville, NC 28801",
    ),
    # US military mail.
    ("Ship to PSC 1234, Box 5678, APO AE 09204 thanks", "US", "PSC 1234, Box 5678, APO AE 09204"),
    ("Mail it to USS Nimitz, FPO AP 96620.", None, "USS Nimitz, FPO AP 96620"),
    # A name ending in a unit word ("Armstrong": rm) before the address stays outside it.
    (
        "For Luis Armstrong, Unit 8341 Box 9416, DPO AA 54721.",
        None,
        "Unit 8341 Box 9416, DPO AA 54721",
    ),
]


@pytest.mark.parametrize(("text", "cc", "expected"), ADDRESSES)
def test_addresses_are_whole_spans(analyzer, text, cc, expected):
    found = [(e.type, e.text) for e in analyzer.analyze(text, country=cc)]
    assert ("ADDRESS", expected) in found, found
    # nothing inside the address is reported a second time
    start = text.index(expected)
    for e in analyzer.analyze(text, country=cc):
        if e.type != "ADDRESS":
            assert e.end <= start or e.start >= start + len(expected), e


def test_address_stops_before_a_phone_and_a_sentence(analyzer):
    text = "I live at 742 Evergreen Terrace, Springfield and my phone is +1 415 555 2671"
    found = {e.type: e.text for e in analyzer.analyze(text)}
    assert found["ADDRESS"] == "742 Evergreen Terrace, Springfield"
    assert found["PHONE_NUMBER"] == "+1 415 555 2671"


# (text, record country or None, phone expected, region in the explanation)
PHONES = [
    ("Call me at (415) 555-2671 tonight", "US", "(415) 555-2671", "US"),
    ("ring 020 7946 0958 after six", "GB", "020 7946 0958", "GB"),
    ("mobile 07911 123456", "GB", "07911 123456", "GB"),
    ("Telefon 030 12345678", "DE", "030 12345678", "DE"),
    ("portable 06 12 34 56 78", "FR", "06 12 34 56 78", "FR"),
    ("手机 138 1234 5678", "CN", "138 1234 5678", "CN"),
    ("電話 03-1234-5678", "JP", "03-1234-5678", "JP"),
    ("call 98765 43210", "IN", "98765 43210", "IN"),
    ("cel (11) 91234-5678", "BR", "(11) 91234-5678", "BR"),
    # no record country: national forms against the main corridors' numbering plans
    ("Call me at (415) 555-2671 tonight", None, "(415) 555-2671", "US"),
    ("Handy 0151 23456789", None, "0151 23456789", "DE"),
    ("call 98765 43210", None, "98765 43210", "IN"),
]


@pytest.mark.parametrize(("text", "cc", "expected", "region"), PHONES)
def test_phones_national_formats(analyzer, text, cc, expected, region):
    phones = [e for e in analyzer.analyze(text, country=cc) if e.type == "PHONE_NUMBER"]
    assert [e.text for e in phones] == [expected]
    assert region in phones[0].explanation


@pytest.mark.parametrize(
    "text", ["order 1234567890 shipped", "SKU 2024-1108-77", "tracking 1Z999AA10123456784"]
)
def test_numbers_that_are_not_phones(analyzer, text):
    assert not [e for e in analyzer.analyze(text) if e.type == "PHONE_NUMBER"]


DATES = [
    ("Born March 3rd, 1987 in Ohio", "March 3rd, 1987"),
    ("DOB 3/3/87", "3/3/87"),
    ("born 3 March 1987", "3 March 1987"),
    ("on the 3rd of March, 1987", "the 3rd of March, 1987"),
    ("né le 14 juillet 1989", "14 juillet 1989"),
    ("geboren am 3. März 1987", "3. März 1987"),
    ("nació el 5 de mayo de 1990", "5 de mayo de 1990"),
    ("date of birth 1987-03-03", "1987-03-03"),
    ("出生日期 1987年3月3日", "1987年3月3日"),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_written_dates(analyzer, text, expected):
    assert expected in [e.text for e in analyzer.analyze(text) if e.type == "DATE_TIME"]


@pytest.mark.parametrize("text", ["ratio 13/45/99", "version 3.3.87", "on 31/02/87"])
def test_not_dates(analyzer, text):
    assert not [e for e in analyzer.analyze(text) if e.type == "DATE_TIME"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("visit example.com for returns", ["example.com"]),
        ("our shop at shop.example.co.uk", ["shop.example.co.uk"]),
        ("mail jo@example.org now", []),  # the e-mail, not its domain
        ("open report.txt and e.g. notes", []),
    ],
)
def test_domains(analyzer, text, expected):
    assert [e.text for e in analyzer.analyze(text) if e.type == "URL"] == expected


OTHER_LANGUAGES = [
    ("收货人：王芳，手机 13912345678", "CN", ("PERSON", "王芳")),
    ("山田 太郎様 宛", "JP", ("PERSON", "山田 太郎")),
    ("Kunde: Hans Müller bestellt bei der Siemens AG in Hamburg", "DE", ("PERSON", "Hans Müller")),
    (
        "Kunde: Hans Müller bestellt bei der Siemens AG in Hamburg",
        "DE",
        ("ORGANIZATION", "Siemens AG"),
    ),
    ("Kunde: Hans Müller bestellt bei der Siemens AG in Hamburg", "DE", ("LOCATION", "Hamburg")),
    (
        "Mme Claire Dubois habite à Lyon et travaille chez Renault",
        "FR",
        ("PERSON", "Claire Dubois"),
    ),
    ("Mme Claire Dubois habite à Lyon et travaille chez Renault", "FR", ("LOCATION", "Lyon")),
    ("El cliente Javier Fernández vive en Sevilla", "ES", ("PERSON", "Javier Fernández")),
    ("El cliente Javier Fernández vive en Sevilla", "ES", ("LOCATION", "Sevilla")),
]


@pytest.mark.parametrize(("text", "cc", "expected"), OTHER_LANGUAGES)
def test_other_languages_and_scripts(analyzer, text, cc, expected):
    assert expected in [(e.type, e.text) for e in analyzer.analyze(text, country=cc)]


def test_model_spans_explain_themselves(analyzer):
    text = "Please ask Margaret Okafor from Lagos about the refund."
    found = {e.type: e for e in analyzer.analyze(text)}
    person, place = found["PERSON"], found["LOCATION"]
    assert person.text == "Margaret Okafor" and place.text == "Lagos"
    assert f"{SHIPPED_MODEL} (en_core_web_sm {MODEL_VERSION} fine-tuned)" in person.explanation
    assert "NER label PERSON" in person.explanation
    assert person.recognizer == "ner_model"
    assert 0 < person.score <= 1 and person.score >= LABELS["PERSON"].score


def test_no_model_spans_in_other_scripts(analyzer):
    # The English model must not tag Chinese or Cyrillic text; their own recognizers do.
    text = "Иван Петров заказал телефон. 请尽快发货。"
    assert not [e for e in analyzer.analyze(text) if e.recognizer == "ner_model"]


def test_rules_only_analyzer_has_no_model():
    found = Analyzer(ner=False).analyze("Please ask Margaret Okafor from Lagos")
    assert not [e for e in found if e.recognizer == "ner_model"]


def test_model_loads_only_when_detection_runs():
    code = (
        "import sys, borderline.privacy as p; a = p.Analyzer();"
        "print('spacy' in sys.modules);"
        "a.analyze('Ask Anna Roth');"
        "print('spacy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]


def test_analyze_many_equals_analyze(analyzer):
    texts = [c["text"] for c in HELDOUT[:6]] + ["", "收货人：王芳", "Call (415) 555-2671"]
    ccs = [None] * 8 + ["US"]
    batch = analyzer.analyze_many(texts, countries=ccs)
    assert batch == [analyzer.analyze(t, country=c) for t, c in zip(texts, ccs, strict=True)]


TEXT = "Ship to Dolores Whitcombe, 4417 Alder Creek Drive, Boise, ID 83704, tel (208) 555-0143"


def test_anonymisers_on_new_spans(analyzer):
    ents = analyzer.analyze(TEXT, country="US")
    types = {e.type for e in ents}
    assert {"PERSON", "ADDRESS"} <= types
    ring = Keyring.generate()
    masked = anonymise(TEXT, ents, "mask")
    assert "Whitcombe" not in masked and "Alder" not in masked and "83704" not in masked
    assert len(masked) == len(TEXT)  # masking keeps the shape
    enc = anonymise(TEXT, ents, "encrypt", ring)
    assert "Boise" not in enc
    assert decrypt_text(enc, ring) == TEXT  # round trip, whole address included
    hashed = anonymise(TEXT, ents, "hash", ring)
    address = next(e for e in ents if e.type == "ADDRESS")
    assert pseudonym(address.text, "ADDRESS", ring) in hashed
    assert anonymise(TEXT, ents, "hash", ring) == hashed  # same key, same pseudonym
    fpe = anonymise(TEXT, ents, "fpe", ring)
    assert len(fpe) == len(TEXT) and fpe != TEXT
