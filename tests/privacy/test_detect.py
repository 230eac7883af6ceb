"""Detection over real-shaped text and records: a table of cases, each naming the span."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn as stdnum_luhn

from borderline.errors import DataFileError, InvalidInput
from borderline.privacy.analyzer import Analyzer
from borderline.privacy.entities import ENTITY_TYPES
from borderline.privacy.recognizers import builtin_recognizers, parse_recognizers


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


# (text, record country, expected type, expected span text, country in explanation)
NATIONAL_IDS = [
    ("身份证号 360426199101010071", None, "NATIONAL_ID", "360426199101010071", "CN"),
    ("HKID A123456(3)", None, "NATIONAL_ID", "A123456(3)", "HK"),
    ("身分證字號 A123456789", None, "NATIONAL_ID", "A123456789", "TW"),
    ("マイナンバー 6214 9832 0257", None, "NATIONAL_ID", "6214 9832 0257", "JP"),
    ("주민등록번호 971013-9019902", None, "NATIONAL_ID", "971013-9019902", "KR"),
    ("Aadhaar 2341 2341 2346", None, "NATIONAL_ID", "2341 2341 2346", "IN"),
    ("PAN ACUPA7085R", None, "TAX_ID", "ACUPA7085R", "IN"),
    ("NRIC S1234567D", None, "NATIONAL_ID", "S1234567D", "SG"),
    ("CPF 390.533.447-05", None, "TAX_ID", "390.533.447-05", "BR"),
    ("CNPJ 16.727.230/0001-97", None, "TAX_ID", "16.727.230/0001-97", "BR"),
    ("CURP BOXW310820HNERXN09", None, "NATIONAL_ID", "BOXW310820HNERXN09", "MX"),
    ("RFC GODE561231GR8", None, "TAX_ID", "GODE561231GR8", "MX"),
    ("SSN 536-90-4399", None, "NATIONAL_ID", "536-90-4399", "US"),
    ("ITIN 912-90-3456", None, "TAX_ID", "912-90-3456", "US"),
    ("SIN 123 456 782", None, "NATIONAL_ID", "123 456 782", "CA"),
    ("NI number AB 12 34 56 C", None, "NATIONAL_ID", "AB 12 34 56 C", "GB"),
    ("NIR 2 95 10 99 126 111 93", None, "NATIONAL_ID", "2 95 10 99 126 111 93", "FR"),
    ("Steuer-ID 36 574 261 809", None, "TAX_ID", "36 574 261 809", "DE"),
    ("DNI 54362315K", None, "NATIONAL_ID", "54362315K", "ES"),
    ("NIE X2482300W", None, "NATIONAL_ID", "X2482300W", "ES"),
    ("codice fiscale RCCMNL83S18D969H", None, "TAX_ID", "RCCMNL83S18D969H", "IT"),
    ("BSN 1112.22.333", None, "NATIONAL_ID", "1112.22.333", "NL"),
    ("PESEL 44051401359", None, "NATIONAL_ID", "44051401359", "PL"),
    ("ИНН 123456789047", None, "TAX_ID", "123456789047", "RU"),
    ("СНИЛС 112-233-445 95", None, "NATIONAL_ID", "112-233-445 95", "RU"),
    ("TC Kimlik No 17291716060", None, "NATIONAL_ID", "17291716060", "TR"),
    ("NIK 3171011708450001", None, "NATIONAL_ID", "3171011708450001", "ID"),
    ("MyKad 770305-02-1234", None, "NATIONAL_ID", "770305-02-1234", "MY"),
]


@pytest.mark.parametrize(("text", "cc", "etype", "span", "country"), NATIONAL_IDS)
def test_national_identifiers(analyzer, text, cc, etype, span, country):
    found = analyzer.analyze(text, country=cc)
    hits = [e for e in found if e.type == etype and text[e.start : e.end] == span]
    assert hits, f"{span} not found as {etype}: {found}"
    assert hits[0].country == country
    assert f"({country})" in hits[0].explanation and "checksum" in hits[0].explanation


def test_at_least_twenty_countries_have_identifier_recognizers():
    countries = {r.country for r in builtin_recognizers() if r.type in ("NATIONAL_ID", "TAX_ID")}
    assert len(countries) >= 20


@pytest.mark.parametrize(
    ("text", "cc", "expected"),
    [
        (
            "Contact John Smith at john.smith@example.com",
            None,
            [("PERSON", "John Smith"), ("EMAIL_ADDRESS", "john.smith@example.com")],
        ),
        ("Card 4111 1111 1111 1111 declined", None, [("CREDIT_CARD", "4111 1111 1111 1111")]),
        (
            "IBAN DE89 3704 0044 0532 0130 00 please",
            None,
            [("IBAN_CODE", "DE89 3704 0044 0532 0130 00")],
        ),
        ("Call +44 20 7946 0958 today", None, [("PHONE_NUMBER", "+44 20 7946 0958")]),
        # The region comes from the record's country: a national-format number needs it.
        ("电话 13812345678", "CN", [("PHONE_NUMBER", "13812345678")]),
        (
            "from 192.168.10.4 and 2001:db8::7",
            None,
            [("IP_ADDRESS", "192.168.10.4"), ("IP_ADDRESS", "2001:db8::7")],
        ),
        (
            "see https://shop.example.com/o/12?x=1.",
            None,
            [("URL", "https://shop.example.com/o/12?x=1")],
        ),
        ("DOB: 12 March 1985", None, [("DATE_TIME", "12 March 1985")]),
        ("出生日期 1991年3月5日", None, [("DATE_TIME", "1991年3月5日")]),
        (
            "收货人：张伟，电话 13812345678",
            "CN",
            [("PERSON", "张伟"), ("PHONE_NUMBER", "13812345678")],
        ),
        ("地址：上海市浦东新区世纪大道100号", None, [("ADDRESS", "上海市浦东新区世纪大道100号")]),
        (
            "Ship to 221 Baker Street, London NW1 6XE, United Kingdom",
            "GB",
            [
                # the whole address is one span (issue 16)
                ("ADDRESS", "221 Baker Street, London NW1 6XE, United Kingdom"),
            ],
        ),
        (
            "Lieferung an Hauptstraße 5, 10115 Berlin",
            "DE",
            [("ADDRESS", "Hauptstraße 5, 10115 Berlin")],
        ),
        ("Invoice to Northwind Trading GmbH.", None, [("ORGANIZATION", "Northwind Trading GmbH")]),
        ("供应商：深圳市华强电子有限公司", None, [("ORGANIZATION", "深圳市华强电子有限公司")]),
        ("Passport No. E12345678", None, [("PASSPORT", "E12345678")]),
        ("Account number 12345678", None, [("BANK_ACCOUNT", "12345678")]),
        ("Driver's license D1234567", None, [("DRIVER_LICENSE", "D1234567")]),
    ],
)
def test_types_in_free_text(analyzer, text, cc, expected):
    found = [(e.type, text[e.start : e.end]) for e in analyzer.analyze(text, country=cc)]
    for item in expected:
        assert item in found, f"{item} not in {found}"


@pytest.mark.parametrize(
    "text",
    [
        "Order #5531207 contains 2 x Apple iPhone 15 Pro Max at 1199.00 EUR.",
        "Tracking 4111111111111112 via DHL Express, parcel 1 of 4.",  # fails Luhn
        "SKU ABC-12345, batch 88123456, weight 3.5 kg.",
        "SSN 078-05-1120",  # the famous Woolworth wallet number, invalid by SSA rule
        "The 123456789 units arrived.",  # nine digits and no context: not an SSN
    ],
)
def test_hard_negatives_report_nothing_sensitive(analyzer, text):
    found = analyzer.analyze(text)
    # Places and companies ("DHL Express", the brand "Apple") are not a person's identifiers.
    assert not [e for e in found if e.type not in ("LOCATION", "ORGANIZATION")], found


def test_mrz_is_one_passport_span(analyzer):
    text = (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    )
    (e,) = [e for e in analyzer.analyze(text) if e.type == "PASSPORT"]
    assert (e.start, e.end) == (0, len(text))
    assert "ICAO 9303" in e.explanation


def test_offsets_are_character_offsets_end_exclusive(analyzer):
    text = "收货人：王芳，邮箱 wang.fang@example.cn"
    for e in analyzer.analyze(text):
        assert text[e.start : e.end] == e.text
    email = next(e for e in analyzer.analyze(text) if e.type == "EMAIL_ADDRESS")
    assert email.start == text.index("wang") and email.end == len(text)


def test_structured_record_field_names_are_strong_evidence(analyzer):
    record = {
        "buyer_name": "Li Wei",
        "buyer_email": "li.wei@example.com",
        "收货人电话": "138 1234 5678",
        "shipping": {"line1": "88 Keyuan Road", "city": "Shenzhen", "postal_code": "518057"},
        "product_name": "Green Tea Gift Box",
        "country": "CN",
    }
    found = {(e.path, e.type): e for e in analyzer.analyze_record(record)}
    assert ("buyer_name", "PERSON") in found
    assert "field name 'buyer_name'" in found[("buyer_name", "PERSON")].explanation
    assert ("buyer_email", "EMAIL_ADDRESS") in found
    # The phone's region comes from the record's own country field.
    assert found[("收货人电话", "PHONE_NUMBER")].country == "CN"
    assert ("shipping.postal_code", "POSTAL_CODE") in found
    assert not [k for k in found if k[0] == "product_name"]


def test_field_name_alone_needs_a_plausible_value(analyzer):
    assert analyzer.analyze_record({"phone": "n/a", "buyer_email": "none"}) == []


def test_unknown_country_and_types_are_clear_errors(analyzer):
    with pytest.raises(InvalidInput, match="unknown ISO 3166"):
        analyzer.analyze("x", country="XX")
    with pytest.raises(InvalidInput, match="unknown entity type"):
        analyzer.analyze("x", types=["SHOE_SIZE"])


def test_user_recognizer_yaml_is_validated_and_used(tmp_path):
    good = tmp_path / "employee.yaml"
    good.write_text(
        "recognizers:\n"
        "  - name: acme_employee\n    type: NATIONAL_ID\n    kind: Acme staff number\n"
        "    patterns: [{name: emp, regex: '{B}EMP-\\d{6}{E}', score: 0.8}]\n",
        encoding="utf-8",
    )
    a = Analyzer(extra=[good])
    (e,) = [e for e in a.analyze("staff EMP-123456 here") if e.type == "NATIONAL_ID"]
    assert e.text == "EMP-123456" and "Acme staff number" in e.explanation
    with pytest.raises(DataFileError, match="type 'SHOE'"):
        parse_recognizers({"recognizers": [{"name": "x", "type": "SHOE", "patterns": []}]}, "f")
    with pytest.raises(DataFileError, match="bad regex"):
        parse_recognizers(
            {"recognizers": [{"name": "x", "type": "URL", "patterns": [{"regex": "("}]}]}, "f"
        )


def test_every_builtin_recognizer_uses_a_public_type():
    assert {r.type for r in builtin_recognizers()} <= set(ENTITY_TYPES)


# --- properties ------------------------------------------------------------------------

_words = st.text(alphabet="abcdefghij klmnop 订单收货的", max_size=40)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_text_gives_well_formed_spans(analyzer, text):
    found = analyzer.analyze(text)
    last_end = 0
    for e in found:
        assert 0 <= e.start < e.end <= len(text)
        assert e.start >= last_end  # sorted and never overlapping
        last_end = e.end
        assert text[e.start : e.end] == e.text
        assert 0 <= e.score <= 1 and e.type in ENTITY_TYPES


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_words, st.text(alphabet="0123456789", min_size=14, max_size=14), _words)
def test_any_valid_card_in_any_context_is_found_exactly(analyzer, before, body, after):
    number = "4" + body + stdnum_luhn.calc_check_digit("4" + body)
    text = f"{before} card {number} {after}"
    start = len(before) + 6
    hits = [e for e in analyzer.analyze(text) if e.type == "CREDIT_CARD"]
    assert [(e.start, e.end) for e in hits] == [(start, start + 16)]


def test_event_timestamps_are_not_personal_dates(analyzer):
    record = {
        "created_at": "2026-03-01T10:00:00Z",
        "shipped_on": "2026-03-02",
        "date_of_birth": "1985-03-12",
        "notes": "born 12 March 1985",
    }
    found = {(e.path, e.type) for e in analyzer.analyze_record(record)}
    assert found == {("date_of_birth", "DATE_TIME"), ("notes", "DATE_TIME")}


def test_texts_without_digits_skip_digit_patterns_with_the_same_result() -> None:
    a = Analyzer(ner=False)
    text = "Write to anna.kowalski@example.com or see www.example.org, Anna Kowalski"
    assert 0 < len(a._prefilter(text)) < len(a._prefilter(text + " 1234567890"))
    found = {(e.type, e.text) for e in a.analyze(text)}
    assert ("EMAIL_ADDRESS", "anna.kowalski@example.com") in found
    assert ("URL", "www.example.org") in found


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("I live at Inayasingel 766, 6435ZQ, Obdam.", "Inayasingel 766, 6435ZQ, Obdam"),
        ("Send to Stiebitzweg 6/8, 88220 Einbeck please", "Stiebitzweg 6/8, 88220 Einbeck"),
        (
            "Lola, Glorieta de Arsenio Ángel 631, Valencia",
            "Glorieta de Arsenio Ángel 631, Valencia",
        ),
    ],
)
def test_more_european_street_words(analyzer, text, address):
    assert ("ADDRESS", address) in [(e.type, e.text) for e in analyzer.analyze(text)]
