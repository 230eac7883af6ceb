"""The name-statistics and world-gazetteer recognizer (``privacy/names.py``): people after an
introduction or with a census given name and surname, places after a context word or with a
region after them; ordinary capitalised words left alone. Rules only (no model), so each case
tests this recognizer and nothing else."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderline.privacy.analyzer import Analyzer
from borderline.privacy.names import find, mentions, stats


@pytest.fixture(scope="module")
def rules() -> Analyzer:
    return Analyzer(ner=False)


FOUND = [
    ("My name is Keisha Okafor and I need help.", "PERSON", "Keisha Okafor"),
    ("Hi, I'm Dmitri Volkov, about my order.", "PERSON", "Dmitri Volkov"),
    ("Regards, Tomasz Kowalczyk", "PERSON", "Tomasz Kowalczyk"),
    ("The parcel was signed for by Brenda Walsh yesterday.", "PERSON", "Brenda Walsh"),
    ("Mein Name ist Jürgen Habermann.", "PERSON", "Jürgen Habermann"),
    ("Me llamo Itziar Goikoetxea y vivo aquí.", "PERSON", "Itziar Goikoetxea"),
    ("Please ship to Novosibirsk before Friday.", "LOCATION", "Novosibirsk"),
    ("I live in Tarragona with my family.", "LOCATION", "Tarragona"),
    ("Our warehouse is in Ludhiana since 2019.", "LOCATION", "Ludhiana"),
    ("Returned from Campinas, Brazil last week.", "LOCATION", "Campinas"),
    # Place-name shapes, for towns no list holds.
    ("We drove up from Lake Havasu yesterday.", "LOCATION", "Lake Havasu"),
    ("She grew up in East Lansing.", "LOCATION", "East Lansing"),
    ("The depot is in Brattleborough now.", "LOCATION", "Brattleborough"),
    # Firms named after partners (census surnames), and legal forms.
    (
        "Invoice from Barnett, Conley and Baker attached.",
        "ORGANIZATION",
        "Barnett, Conley and Baker",
    ),
    ("She works at Marshall LLC in sales.", "ORGANIZATION", "Marshall LLC"),
    # Faker's name lists (given names and surnames of many countries), shapes around them.
    ("Refund for Zainab Oyelaran, order 5531", "PERSON", "Zainab Oyelaran"),
    ("Please ask Siobhan Ní Bhraonáin to call back", "PERSON", "Siobhan Ní Bhraonáin"),
    ("Shipment approved by Captain Amara Nwosu today.", "PERSON", "Amara Nwosu"),
    ("The cheque was signed by Philip M. Drew.", "PERSON", "Philip M. Drew"),
    ("Royalties go to C. H. Douglas each year.", "PERSON", "C. H. Douglas"),
    ("JOHN SMITH, 12 HIGH STREET, LEEDS", "PERSON", "JOHN SMITH"),
    ("hi my name is john smith and my order is late", "PERSON", "john smith"),
    ("Angela Carder called twice. Carder says the box was empty.", "PERSON", "Carder"),
    ("I work at Garcia-Roberts since 2019", "ORGANIZATION", "Garcia-Roberts"),
    ("Invoice from Okafor and Sons attached", "ORGANIZATION", "Okafor and Sons"),
    (
        "Paid to Tata Consultancy Services Pvt. Ltd. today",
        "ORGANIZATION",
        "Tata Consultancy Services Pvt. Ltd.",
    ),
    ("Contract with Mäkinen Oy signed", "ORGANIZATION", "Mäkinen Oy"),
    ("Our supplier Kraus Hoffmann KGaA confirmed", "ORGANIZATION", "Kraus Hoffmann KGaA"),
    # Two particles inside a name; country names in French and Spanish.
    ("Hi, my name is Mike van der Berg and I need help", "PERSON", "Mike van der Berg"),
    ("Merci de livrer en Suisse avant lundi", "LOCATION", "Suisse"),
    ("Envío a Estados Unidos de América", "LOCATION", "Estados Unidos de América"),
]


@pytest.mark.parametrize(("text", "etype", "value"), FOUND)
def test_finds_people_and_places(rules, text, etype, value):
    found = [(e.type, e.text) for e in rules.analyze(text)]
    assert (etype, value) in found


NOT_FOUND = [
    "Washington called, he wants the file.",  # a toponymic ending, but a listed surname
    "Nice work on the delivery, thanks!",  # a city of 340,000, at the start of a sentence
    "Will you ship it on Monday?",  # a given name that is a verb
    "Mobile number changed, please update.",
    "Who ships Noah and Courtney?",  # given names joined by "and": people, not a firm
    "The Young Professionals discount applies.",
    "THIS IS SO GOOD",  # an introduction in a shout, and ordinary words
    "Star Wars Land opens soon",  # a listed given name and surname around an ordinary word
    "We watched the Stanley Cup final.",  # a name after "the" is a thing's
    "General Motors recalled the cars.",  # a rank before a word that is no listed name
    "The U.S. Army base is closed.",  # initials before an ordinary word
    "Bethany Strapless Top Low Rise Bikini",
    "Retoure von Herrn",  # a name does not open with a particle
]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_ordinary_capitalised_words_are_not_names_or_places(text):
    assert find(text) == [] or all(e.score < 0.5 for e in find(text))


def test_spans_explain_which_list_and_context():
    ents = {e.type: e for e in find("My name is Keisha Okafor and I live in Tarragona.")}
    person, place = ents["PERSON"], ents["LOCATION"]
    assert person.recognizer == "person_stats"
    assert "context 'My name is'" in person.explanation
    assert place.recognizer == "location_geonames"
    assert "GeoNames city (ES" in place.explanation and "context 'live in'" in place.explanation
    assert 0.5 <= place.score <= 1 and 0.5 <= person.score <= 1


def test_census_given_name_and_surname_alone():
    text = "Order placed by Florence Nightingale."
    (e,) = [e for e in find(text) if e.type == "PERSON"]
    assert text[e.start : e.end] == "Florence Nightingale"
    assert "name lists (US Census)" in e.explanation


def test_spans_name_the_list_and_the_rule():
    by_text = {
        e.text: e
        for e in Analyzer(ner=False).analyze(
            "Refund Zainab Oyelaran. Captain Amara Nwosu and C. H. Douglas agree; Douglas signs."
        )
    }
    assert "given name (Faker) before a capitalised word" in by_text["Zainab Oyelaran"].explanation
    assert "listed name after 'Captain'" in by_text["Amara Nwosu"].explanation
    assert by_text["C. H. Douglas"].recognizer == "person_initials"
    repeat = by_text["Douglas"]
    assert repeat.recognizer == "person_repeat" and "'C. H. Douglas'" in repeat.explanation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please call Mrs Smith-Jones", [("PERSON", "Smith-Jones")]),
        ("Ms. Anna Lewandowska-Nowak will pick it up", [("PERSON", "Anna Lewandowska-Nowak")]),
        ("Flights Paris-London are late", [("LOCATION", "Paris"), ("LOCATION", "London")]),
    ],
)
def test_a_name_split_at_its_hyphen_is_one_span(text, expected):
    found = [(e.type, e.text) for e in Analyzer().analyze(text)]
    assert [f for f in found if f[0] in ("PERSON", "LOCATION")] == expected


def test_model_span_inside_a_listed_name_takes_the_whole_name():
    found = [(e.type, e.text) for e in Analyzer().analyze("regards, anna kowalski")]
    assert ("PERSON", "anna kowalski") in found


def test_shipped_lists_are_the_documented_sizes():
    st = stats()
    assert len(st.surnames) > 34_000 and len(st.given) > 21_000
    assert len(st.ordinary) > 5_000 and "gift" in st.ordinary and "okafor" not in st.ordinary
    assert st.cities["Tarragona"][0] == "ES" and st.cities["Tarragona"][1] > 15_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leave at door, card 4111 1111 1111 1111", []),  # the model once called "door" a place
        ("im in paris all week", [("LOCATION", "paris")]),  # a listed place in lower case
        ("thanks @maria_k for the tip", [("PERSON", "maria_k")]),  # a handle, whatever its case
    ],
)
def test_lone_lower_case_model_spans_need_a_list(text, expected):
    found = [(e.type, e.text) for e in Analyzer().analyze(text)]
    assert [f for f in found if f[0] in ("PERSON", "LOCATION")] == expected


@given(st.text("ab'’-_ é²\n", max_size=30), st.text("abé", min_size=1, max_size=3))
def test_later_mentions_are_found_where_the_regex_finds_them(text: str, word: str) -> None:
    rx = re.compile(rf"(?<![\w'’\-]){re.escape(word)}(?![\w\-])")
    assert list(mentions(text, word)) == [m.span() for m in rx.finditer(text)]
