"""Loaders on the real list files, hand-built fixtures for the formats we lack, and malformed
inputs that must fail with file and line, importing nothing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderline.errors import DataFileError, InvalidInput
from borderline.screening import EntityKind, PartialDate, load
from borderline.screening.loaders import detect_format
from borderline.screening.loaders._common import parse_dob
from borderline.screening.loaders.ofac import parse_remarks

from .conftest import FIXTURES, PKG_DATA


@pytest.fixture(scope="module")
def sdn():  # type: ignore[no-untyped-def]
    return load(PKG_DATA / "us_ofac_sdn", published=date(2023, 12, 28))


def _by_id(loaded, sid):  # type: ignore[no-untyped-def]
    return next(e for e in loaded.entities if e.source_id == sid)


def test_ofac_sdn_family(sdn) -> None:  # type: ignore[no-untyped-def]
    assert sdn.name == "us_ofac_sdn" and sdn.format == "ofac_csv"
    assert len(sdn.entities) == 13_821
    assert sdn.published == date(2023, 12, 28)
    kinds = {k: sum(e.kind is k for e in sdn.entities) for k in EntityKind}
    assert kinds[EntityKind.PERSON] == 6_646 and kinds[EntityKind.VESSEL] == 764
    bnc = _by_id(sdn, "306")
    assert bnc.names[0].full == "BANCO NACIONAL DE CUBA"
    assert "NATIONAL BANK OF CUBA" in [n.full for n in bnc.names]
    assert any(n.full == "BNC" and n.weak for n in bnc.names)  # quoted a.k.a. in Remarks
    zawahiri = _by_id(sdn, "2676")
    assert PartialDate(1951, 6, 19) in zawahiri.dobs
    assert "EG" in zawahiri.countries
    assert ("passport", "1084010", "EG") in [
        (i.kind, i.value, i.country) for i in zawahiri.identifiers
    ]


def test_ofac_remarks_comments_overflow(sdn) -> None:  # type: ignore[no-untyped-def]
    # sdn_comments.csv continues a long Remarks: the tax id sits only in the overflow.
    sber = _by_id(sdn, "17018")
    assert "7707083893" in [i.value for i in sber.identifiers]


def test_ofac_consolidated_non_sdn() -> None:
    cons = load(FIXTURES / "us_ofac_cons_2025-12")
    assert cons.name == "us_ofac_cons" and len(cons.entities) == 442
    assert cons.published == date(2025, 12, 1)


def test_ofac_xml_consolidated() -> None:
    # OFAC's own XML of 2026-01-08: the date is month first, and a.k.a. quality is kept.
    path = PKG_DATA / "us_ofac_cons" / "cons_sdnformat.xml.gz"
    assert detect_format(path) == "ofac_xml"
    cons = load(path)
    assert (cons.name, cons.format, cons.published) == (
        "us_ofac_cons",
        "ofac_xml",
        date(2026, 1, 8),
    )
    assert len(cons.entities) == 442
    haniya = _by_id(cons, "9639")
    assert haniya.kind is EntityKind.PERSON
    assert [n.full for n in haniya.names] == [
        "Ismail Abdul Salah HANIYA",
        "Ismail HANIYA",
        "Ismaeel HANIYYA",
    ]
    assert haniya.dobs == (PartialDate(1962),) and haniya.programs == ("NS-PLC",)
    assert sum(n.weak for e in cons.entities for n in e.names) == 72  # <category>weak
    ids = {(i.kind, i.value) for e in cons.entities for i in e.identifiers}
    assert ("bic", "CKLBCNBJ") in ids


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (
            b"<sdnList><publshInformation><Record_Count>2</Record_Count></publshInformation>"
            b"<sdnEntry><uid>1</uid><lastName>A</lastName><sdnType>Entity</sdnType></sdnEntry>"
            b"</sdnList>",
            "truncated download",
        ),
        (
            b"<sdnList><sdnEntry><uid>1</uid><lastName>A</lastName><sdnType>Planet</sdnType>"
            b"</sdnEntry></sdnList>",
            "sdnType",
        ),
        (
            b"<sdnList><sdnEntry><uid>1</uid><sdnType>Entity</sdnType></sdnEntry></sdnList>",
            "no name",
        ),
        (b"<sdnList></sdnList>", "no sdnEntry"),
    ],
)
def test_ofac_xml_refuses_broken_files(tmp_path: Path, content: bytes, where: str) -> None:
    f = tmp_path / "sdn.xml"
    f.write_bytes(content)
    with pytest.raises(DataFileError) as err:
        load(f, "ofac_xml")
    assert where in str(err.value)


@pytest.mark.parametrize(
    ("remarks", "dobs", "countries", "ids"),
    [
        ("DOB 10 Dec 1948; Director of X.", [PartialDate(1948, 12, 10)], [], []),
        (
            "DOB circa 1960; POB Kandahar, Afghanistan; nationality Afghanistan.",
            [PartialDate(1960)],
            ["AF", "AF"],
            [],
        ),
        (
            "DOB 1960 to 1962; citizen Iran; Passport A12345 (Iran).",
            [PartialDate(1960, to_year=1962)],
            ["IR"],
            [("passport", "A12345", "IR")],
        ),
        (
            "Vessel Registration Identification IMO 9187629; SWIFT/BIC BNCUCUHH.",
            [],
            [],
            [("imo", "9187629", None), ("bic", "BNCUCUHH", None)],
        ),
    ],
)
def test_parse_remarks(
    remarks: str,
    dobs: list[PartialDate],
    countries: list[str],
    ids: list[tuple[str, str, str | None]],
) -> None:
    got_dobs, got_countries, got_ids, _linked, _weak = parse_remarks(remarks)
    assert got_dobs == dobs
    assert got_countries == countries
    assert [(i.kind, i.value, i.country) for i in got_ids] == ids


def test_un_xml() -> None:
    un = load(PKG_DATA / "un_sc" / "consolidated.xml.gz", "un_xml")
    assert un.name == "un_sc" and un.published == date(2026, 2, 27)
    assert len(un.entities) == 1_003
    assert sum(e.kind is EntityKind.PERSON for e in un.entities) == 730
    badege = _by_id(un, "CDi.001")
    assert badege.names[0].full == "ERIC BADEGE" and badege.dobs == (PartialDate(1971),)
    assert "CD" in badege.countries
    assert any(d.to_year for e in un.entities for d in e.dobs)  # BETWEEN ranges kept
    assert any(n.kind == "original_script" for e in un.entities for n in e.names)
    assert any(n.weak for e in un.entities for n in e.names)  # QUALITY Low


def test_uk_ofsi_csv_groups_rows() -> None:
    uk = load(FIXTURES / "uk_ofsi_2025-04-14" / "ConList.csv.gz", "uk_ofsi")
    assert uk.name == "uk_ofsi" and len(uk.entities) == 4_688
    assert uk.published == date(2025, 4, 14)
    haq = _by_id(uk, "15672")
    assert {"Mian MITHOO", "Mian MITHU"} <= {n.full for n in haq.names}
    assert "PK" in haq.countries


def test_uk_ofsi_official_banner_row(tmp_path: Path) -> None:
    src = (FIXTURES / "uk_ofsi_2025-04-14" / "ConList_slice.csv").read_text("utf-8")
    header, *rows = src.splitlines()
    f = tmp_path / "ConList.csv"
    f.write_text(
        "Last Updated,01/05/2025\n" + header + "\n" + "\n".join(rows[:40]) + "\n", encoding="utf-8"
    )
    uk = load(f, "uk_ofsi")
    assert uk.published == date(2025, 5, 1)
    assert uk.entities


def test_csl_partial_extract_is_truncated_and_refused() -> None:
    # The published extract ends mid-row (its last lines are the fixture): the loader must say
    # where, not import half a list.
    with pytest.raises(DataFileError) as err:
        load(FIXTURES / "us_csl_2023-11-30" / "consolidated_partial_tail.csv")
    assert err.value.where is not None
    assert err.value.where.endswith("consolidated_partial_tail.csv:6")


def test_shipped_csl_and_dpl() -> None:
    csl = load(
        PKG_DATA / "us_csl" / "consolidated.csv",
        "csl",
        exclude_sources=["Specially Designated Nationals"],
    )
    assert all("Specially Designated" not in e.programs[0] for e in csl.entities)
    assert any("Entity List" in e.programs[0] for e in csl.entities)
    dpl = load(PKG_DATA / "us_bis_dpl" / "dpl.txt")
    assert dpl.name == "us_bis_dpl" and len(dpl.entities) == 577
    assert dpl.published is not None and dpl.published <= date.today()


def test_eu_fsf_fixture() -> None:
    eu = load(FIXTURES / "eu_fsf_sample.xml")
    assert eu.format == "eu_fsf" and eu.published == date(2024, 5, 2)
    saddam = _by_id(eu, "EU.27.28")
    assert saddam.kind is EntityKind.PERSON
    assert saddam.dobs == (PartialDate(1937, 4, 28),) and saddam.countries == ("IQ",)
    assert [n.weak for n in saddam.names] == [False, True]
    sber = _by_id(eu, "EU.8207.94")
    assert sber.kind is EntityKind.ORGANIZATION and "ПАО Сбербанк" in [n.full for n in sber.names]


def test_ftm_fixture() -> None:
    ftm = load(FIXTURES / "ftm_sample.jsonl", list_name="sample")
    assert [e.source_id for e in ftm.entities] == ["NK-person-1", "NK-company-1", "NK-vessel-1"]
    person = ftm.entities[0]
    assert person.list == "sample" and person.dobs == (PartialDate(1961, 3, 4),)
    assert person.countries == ("RU",) and any(n.weak for n in person.names)
    assert ftm.entities[2].identifiers[0].kind == "imo"


@pytest.mark.parametrize(
    ("content", "name", "fmt", "where_suffix"),
    [
        (b'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA"\r\n', "sdn.csv", "ofac_csv", "sdn.csv:1"),
        (
            b'36,"A",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\nxx,"B",-0- ,"C",'
            b"-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n",
            "sdn.csv",
            "ofac_csv",
            "sdn.csv:2",
        ),
        (
            b'<?xml version="1.0"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>',
            "un.xml",
            "un_xml",
            "un.xml:4:12",
        ),
        (b'<?xml version="1.0"?>\n<OTHER/>\n', "un.xml", "un_xml", "un.xml:1"),
        (
            '"Name"\t"Street_Address"\n"ÉCOLE"\t"x"\n'.encode("latin-1"),
            "dpl.txt",
            "dpl",
            "dpl.txt:2",
        ),
        (b"id,name\n1,x\n", "cons.csv", "csl", "cons.csv:1"),
        (b'{"id": "a", "schema": "Person"}\n{not json}\n', "e.jsonl", "ftm", "e.jsonl:2"),
        (b"", "empty.csv", "uk_ofsi", "empty.csv"),
    ],
)
def test_malformed_files_name_file_and_line(
    tmp_path: Path, content: bytes, name: str, fmt: str, where_suffix: str
) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(DataFileError) as err:
        load(f, fmt)
    assert str(err.value.where).endswith(where_suffix), err.value


def test_detect_format(tmp_path: Path) -> None:
    assert detect_format(PKG_DATA / "us_ofac_sdn") == "ofac_csv"
    assert detect_format(PKG_DATA / "un_sc" / "consolidated.xml.gz") == "un_xml"
    assert detect_format(FIXTURES / "uk_ofsi_2025-04-14" / "ConList_slice.csv") == "uk_ofsi"
    assert detect_format(FIXTURES / "uk_ofsi_2025-04-14" / "ConList_slice.xlsx") == "uk_ofsi"
    assert detect_format(PKG_DATA / "us_bis_dpl" / "dpl.txt") == "dpl"
    assert detect_format(FIXTURES / "eu_fsf_sample.xml") == "eu_fsf"
    (tmp_path / "x.txt").write_text("hello\n")
    with pytest.raises(InvalidInput):
        detect_format(tmp_path / "x.txt")


def test_ofac_folder_with_primary_table_only(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "us_ofac_sdn_2024-05-03" / "sdn.csv", tmp_path / "sdn.csv")
    newer = load(tmp_path)
    assert len(newer.entities) == 941
    assert all(n.weak for e in newer.entities for n in e.names[1:])  # no alt.csv beside it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 Dec 1948", PartialDate(1948, 12, 10)),
        ("Dec 1948", PartialDate(1948, 12)),
        ("1948", PartialDate(1948)),
        ("circa 1960", PartialDate(1960)),
        ("1962 to 1960", PartialDate(1960, to_year=1962)),
        ("1948-12-10", PartialDate(1948, 12, 10)),
        ("10/12/1948", PartialDate(1948, 12, 10)),
        ("00/00/1970", PartialDate(1970)),
        ("00/05/1970", PartialDate(1970, 5)),
        ("31 Feb 1970", None),
        ("unknown", None),
    ],
)
def test_parse_dob(text: str, expected: PartialDate | None) -> None:
    assert parse_dob(text) == expected


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2100, 12, 31)))
def test_partial_date_round_trip(d: date) -> None:
    for text in (d.isoformat(), d.isoformat()[:7], d.isoformat()[:4]):
        assert str(PartialDate.parse(text)) == text


@given(st.text(max_size=30))
def test_partial_date_parse_only_raises_value_error(text: str) -> None:
    try:
        got = PartialDate.parse(text)
    except ValueError:
        return
    assert str(got) == text.strip()  # whatever parses prints back as it was written


def test_uk_ofsi_official_xlsx_equals_its_csv_export() -> None:
    # The first 150 rows of the official workbook and of its CSV export.
    folder = FIXTURES / "uk_ofsi_2025-04-14"
    xlsx = load(folder / "ConList_slice.xlsx")
    csv_ = load(folder / "ConList_slice.csv")
    assert xlsx.format == "uk_ofsi" and xlsx.published == date(2025, 4, 14)  # from the banner
    assert len(xlsx.entities) == 61
    assert [(e.source_id, e.names, e.dobs, e.countries) for e in xlsx.entities] == [
        (e.source_id, e.names, e.dobs, e.countries) for e in csv_.entities
    ]


def test_uk_sanctions_list_normalised_tables() -> None:
    folder = FIXTURES / "uk_sanctions_list_2026-04_derived"
    assert detect_format(folder) == "uk_sl"
    sl = load(folder)
    assert sl.name == "uk_sl" and len(sl.entities) == 40
    assert sl.published == date(2026, 4, 29)
    akhund = _by_id(sl, "AFG0006")
    assert akhund.names[0].full == "MOHAMMAD HASSAN AKHUND" and "AF" in akhund.countries
    assert PartialDate(1969, 6, 4) in akhund.dobs
    assert any(n.weak for e in sl.entities for n in e.names)  # low_quality_aka


_field = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip() not in ("", "-0-"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(_field, st.sampled_from(["individual", "vessel", ""]), _field),
        min_size=1,
        max_size=8,
    )
)
def test_ofac_csv_round_trip(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, str]]
) -> None:
    # Write entries the way OFAC does (no header, quoted, -0- for null, CRLF, EOF byte) and
    # read them back: names, types and programmes survive any text.
    folder = tmp_path_factory.mktemp("ofac")
    lines = []
    for i, (name, kind, program) in enumerate(rows, 1):
        q = lambda v: '"' + v.replace('"', '""') + '"'  # noqa: E731
        lines.append(
            ",".join([str(i), q(name), q(kind) if kind else "-0- ", q(program)] + ["-0- "] * 8)
        )
    (folder / "sdn.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode() + b"\x1a")
    loaded = load(folder)
    assert [(e.names[0].full, e.programs) for e in loaded.entities] == [
        (name.strip(), tuple(p.strip() for p in program.split(";") if p.strip()))
        for name, _k, program in rows
    ]


# -- FCDO UK Sanctions List, official layouts ------------------------------------------------
# The slices hold every row of eight designations copied from the shipped list (see
# fixtures/PROVENANCE.md); the XML slice carries the same values in the official XML layout.
UKSL = FIXTURES / "uk_sanctions_list_2026-04-29"


def test_fcdo_csv_official_layout() -> None:
    f = UKSL / "UK-Sanctions-List_slice.csv"
    assert detect_format(f) == "fcdo_csv"
    sl = load(f)
    assert (sl.name, sl.format, sl.published) == ("uk_sl", "fcdo_csv", date(2026, 4, 29))
    assert sorted(e.source_id for e in sl.entities) == [
        "AFG0001", "AFG0006", "AFG0012", "AQD0126", "CAF0011", "DPR0075", "RUS0251", "RUS0256",
    ]  # fmt: skip
    hawala = _by_id(sl, "AFG0001")
    assert hawala.kind is EntityKind.ORGANIZATION
    assert hawala.names[0].full == "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"
    assert dict(hawala.extra) == {"un_ref": "TAe.010", "ofsi_group_id": "12703"}
    assert {"AF", "IR", "AE"} <= set(hawala.countries)
    akhund = _by_id(sl, "AFG0006")
    # "dd/mm/1968" is a year; "04/06/1969" a full date.
    assert {PartialDate(1968), PartialDate(1969, 6, 4)} <= set(akhund.dobs)
    assert "P04581926" in {i.value for i in akhund.identifiers if i.kind == "passport"}
    # "Low quality AKA" may only match exactly.
    assert any(
        n.weak and n.full == "Shams ur-Rahman Sher Alam" for n in _by_id(sl, "AFG0012").names
    )
    ship = _by_id(sl, "DPR0075")
    assert ship.kind is EntityKind.VESSEL and ("imo", "IMO9562233") in {
        (i.kind, i.value) for i in ship.identifiers
    }
    putin = _by_id(sl, "RUS0251")
    assert [n.full for n in putin.names] == ["Vladimir Vladimirovich PUTIN", "Vladimir Putin"]


def test_fcdo_xml_equals_the_csv() -> None:
    x = load(UKSL / "UK-Sanctions-List_slice.xml")
    c = load(UKSL / "UK-Sanctions-List_slice.csv")
    assert x.format == "fcdo_xml" and x.published == date(2026, 4, 29)  # <DateGenerated>
    assert [
        (e.source_id, e.kind, e.names, e.dobs, set(e.countries), set(e.identifiers), e.extra)
        for e in x.entities
    ] == [
        (e.source_id, e.kind, e.names, e.dobs, set(e.countries), set(e.identifiers), e.extra)
        for e in c.entities
    ]


def test_fcdo_csv_without_banner_is_dated_by_its_newest_update(tmp_path: Path) -> None:
    lines = (UKSL / "UK-Sanctions-List_slice.csv").read_text("utf-8").splitlines()
    f = tmp_path / "UK-Sanctions-List.csv"
    f.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    assert detect_format(f) == "fcdo_csv"
    assert load(f).published == date(2026, 4, 16)  # AFG0001's Last Updated


@pytest.mark.parametrize(
    ("edit", "message", "line"),
    [
        (
            lambda t: t.replace(",Name type,", ",Kind of name,"),
            "missing column(s) ['Name type']",
            2,
        ),
        (lambda t: t.replace(",Entity,", ",Company,", 1), "unknown Designation Type 'Company'", 3),
        (lambda t: t.replace(",AFG0001,", ",,", 1), "row without a Unique ID", 3),
    ],
)
def test_fcdo_csv_errors_name_the_line(tmp_path: Path, edit, message: str, line: int) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "UK-Sanctions-List.csv"
    f.write_text(edit((UKSL / "UK-Sanctions-List_slice.csv").read_text("utf-8")), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load(f, "fcdo_csv")
    assert message in err.value.message and err.value.where == f"{f}:{line}"


def test_fcdo_xml_refuses_another_document(tmp_path: Path) -> None:
    f = tmp_path / "list.xml"
    f.write_text("<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", encoding="utf-8")
    with pytest.raises(DataFileError, match="root <CONSOLIDATED_LIST>"):
        load(f, "fcdo_xml")
    text = (UKSL / "UK-Sanctions-List_slice.xml").read_text("utf-8")
    f.write_text(
        text.replace("<IndividualEntityShip>Ship<", "<IndividualEntityShip>Boat<"), "utf-8"
    )
    with pytest.raises(DataFileError, match="unknown IndividualEntityShip 'Boat' for DPR0075"):
        load(f)
