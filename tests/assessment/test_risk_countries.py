"""Country indicators, the composite index and corridor risk, on the shipped real data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from borderline.assessment.countries import (
    CorridorModel,
    compute_index,
    default_config,
    parse_index_config,
)
from borderline.assessment.indicators import (
    CountryResolver,
    IndicatorMeta,
    load_catalog,
    read_indicator_csv,
)
from borderline.errors import DataFileError, InvalidInput
from borderline.refdata import all_countries

AS_OF = date(2025, 12, 1)
CPI2025_SHA256 = "68c7be347f31faae9af089275d6568eb81e3c7575b4bfd8073d7fae5337f5254"


def _meta(key: str = "iso3", lo: float = 0, hi: float = 100) -> IndicatorMeta:
    return IndicatorMeta(
        id="test",
        name="Test",
        publisher="Test",
        vintage="2020",
        version="1",
        licence="CC0",
        source="",
        file="t.csv",
        key=key,
        scale_min=lo,
        scale_max=hi,  # type: ignore[arg-type]
        direction="higher_is_better",
    )


# Published values: Transparency International, CPI 2025 results (score 0-100), read from the
# official workbook shipped unmodified.
@pytest.mark.parametrize(
    ("iso2", "score"), [("DK", 89), ("FI", 88), ("NZ", 81), ("DE", 77), ("IR", 23), ("SO", 9)]
)
def test_cpi_2025_published_scores(iso2: str, score: float) -> None:
    cpi = load_catalog().indicator("ti_cpi")
    assert cpi.latest(iso2, AS_OF) == (date(2025, 1, 1), score)
    assert cpi.meta.risk(score) == pytest.approx(100 - score)
    # the history in the same workbook: Denmark scored 90 in 2023
    assert cpi.latest("DK", date(2023, 12, 31)) == (date(2023, 1, 1), 90.0)


def test_cpi_workbook_is_shipped_unmodified() -> None:
    import hashlib
    from importlib import resources

    data = (
        resources.files("borderline.assessment") / "data" / "indicators" / "CPI2025_Results.xlsx"
    ).read_bytes()
    # sha256 of TI's CPI2025_Results.xlsx as published (CC BY-ND: no derivatives shipped)
    assert hashlib.sha256(data).hexdigest() == CPI2025_SHA256


def test_fragile_states_index_is_not_shipped() -> None:
    # CC BY-NC-SA (non-commercial): removed from the data, the index and the configuration.
    from importlib import resources

    assert "ffp_fsi" not in load_catalog().indicators
    assert "ffp_fsi" not in default_config().components
    data = resources.files("borderline.assessment") / "data" / "indicators"
    assert not any("fsi" in p.name.lower() for p in data.iterdir())


@pytest.mark.parametrize(
    ("iso2", "year", "score"),
    [("SG", 2023, 4.3), ("DE", 2023, 4.1), ("TR", 2023, 3.4), ("ST", 2018, 2.653)],
)
def test_lpi_2023_names_join_through_alias_table(iso2: str, year: int, score: float) -> None:
    # The World Bank workbook has no ISO column; "Türkiye" and "São Tomé" arrive mis-encoded.
    lpi = load_catalog().indicator("wb_lpi")
    assert lpi.latest(iso2, AS_OF) == (date(year, 1, 1), score)


def test_non_iso_publisher_codes_resolve() -> None:
    wgi = load_catalog().indicator("wgi_cc")
    for iso2 in ("RO", "CD", "TL", "AD", "XK", "PS"):  # ROM, ZAR, TMP, ADO, KSV, WBG
        assert wgi.latest(iso2, AS_OF) is not None, iso2


def test_fatf_status_follows_dated_events() -> None:
    fatf = load_catalog().events["fatf"]
    assert fatf.status("IR", AS_OF) == "call_for_action"
    assert fatf.status("NG", date(2025, 7, 1)) == "increased_monitoring"
    assert fatf.status("NG", AS_OF) == "none"  # removed October 2025
    assert fatf.status("HR", AS_OF) == "none"  # removed June 2025
    assert fatf.status("DE", AS_OF) == "none"
    assert fatf.status("IR", date(2020, 1, 1)) is None  # before the lists were observed


def test_index_is_the_weighted_mean_of_its_components() -> None:
    index = compute_index(as_of=AS_OF)
    de = index.scores["DE"]
    assert de.components["ti_cpi"].value == 77
    assert de.components["ti_cpi"].risk == pytest.approx(23.0)
    assert de.components["fatf"].value == "none"
    assert "oecd_crc" in de.missing  # high-income OECD countries are not classified
    assert sum(c.weight for c in de.components.values()) == pytest.approx(1.0)
    assert de.index == pytest.approx(sum(c.risk * c.weight for c in de.components.values()))
    assert index.scores["IR"].components["fatf"].risk == 100.0
    # The ranking is plausible on real data: FATF call-for-action and war-torn states at the top.
    assert index.scores["IR"].index > 70 > 25 > index.scores["DE"].index
    # (KP is 11th since the Fragile States Index left the index)
    top15 = [s.country for s in index.ranked()[:15]]
    assert {"SS", "SY", "YE", "KP", "IR", "MM"} <= set(top15)


def test_index_records_method_and_sources() -> None:
    body = compute_index(as_of=AS_OF, weighting="entropy").to_dict()
    assert body["parameters"]["weighting"] == "entropy"
    assert sum(body["parameters"]["weights"].values()) == pytest.approx(1.0)
    assert body["sources"]["ti_cpi"]["publisher"] == "Transparency International"
    assert body["sources"]["inform_risk"]["direction"] == "higher_is_riskier"
    # each indicator says how recent its data is, whatever the index date
    latest = {k: v["latest"] for k, v in body["sources"].items()}
    assert latest["ti_cpi"] == "2025" and latest["wgi_cc"] == "2023"
    assert latest["inform_risk"] == "2025" and latest["fatf"] == "2025-10-24"


def test_coverage_rule_excludes_thin_countries() -> None:
    index = compute_index(as_of=AS_OF)
    assert all(s.coverage >= default_config().min_coverage for s in index.scores.values())
    assert index.excluded  # small territories with one or two indicators


def test_mixed_country_keys_are_refused() -> None:
    text = "country,date,value\nDEU,2020,50\nFRA,2020,60\nItaly,2020,55\n"
    with pytest.raises(DataFileError, match="mixed country keys") as err:
        read_indicator_csv(_meta("auto"), text, "mine.csv")
    assert err.value.where == "mine.csv:4"
    with pytest.raises(DataFileError, match="keyed by iso3"):
        read_indicator_csv(_meta("iso3"), "country,date,value\nDE,2020,1\n", "mine.csv")


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("country,date,value\nDEU,,50\n", "missing year", "x.csv:2"),
        ("country,date,value\nDEU,20x0,50\n", "bad date", "x.csv:2"),
        ("country,date,value\nDEU,2020,abc\n", "not a number", "x.csv:2"),
        ("country,date,value\nDEU,2020,150\n", "outside the declared scale", "x.csv:2"),
        ("country,date,value\nDEU,2020,1\nDEU,2020,2\n", "second value", "x.csv:3"),
        ("country,date,value\nAtlantis,2020,1\n", "unknown country", "x.csv:2"),
        ("country,year,value\nDEU,2020,1\n", "missing column 'date'", "x.csv:1"),
    ],
)
def test_bad_indicator_files(text: str, message: str, where: str) -> None:
    key = "name" if "Atlantis" in text else "iso3"
    with pytest.raises(DataFileError, match=message) as err:
        read_indicator_csv(_meta(key), text, "x.csv")
    assert err.value.where == where


def test_user_directory_adds_and_replaces_indicators(tmp_path: Path) -> None:
    (tmp_path / "indicators.yaml").write_text(
        "format: borderline.indicators/1\n"
        "indicators:\n"
        "  - {id: ti_cpi, name: CPI, publisher: Transparency International, vintage: '2024',\n"
        "     version: CPI2024, licence: CC BY-ND 4.0, file: cpi2024.csv, key: iso2,\n"
        "     scale: {min: 0, max: 100}, direction: higher_is_better}\n"
    )
    (tmp_path / "cpi2024.csv").write_text("country,date,value\nDE,2024,75\nDK,2024,90\n")
    cat = load_catalog([tmp_path])
    assert cat.indicator("ti_cpi").meta.version == "CPI2024"
    assert cat.indicator("ti_cpi").latest("DE", AS_OF) == (date(2024, 1, 1), 75.0)
    assert "wgi_cc" in cat.indicators  # the shipped ones stay


def test_user_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"no indicators\.yaml"):
        load_catalog([tmp_path])
    (tmp_path / "indicators.yaml").write_text("format: other\n")
    with pytest.raises(DataFileError, match="expected 'format"):
        load_catalog([tmp_path])


def test_corridor_combines_both_ends_and_route() -> None:
    model = CorridorModel.build(as_of=AS_OF)
    cor = model.corridor("DE", "IR")
    w = cor.weights
    assert cor.risk == pytest.approx(
        w["origin"] * cor.origin_risk
        + w["destination"] * cor.destination_risk
        + w["route"] * cor.route_risk
    )
    assert cor.origin_risk == pytest.approx(model.country_risk["DE"])
    assert cor.route_risk == pytest.approx(max(model.route_risk["DE"], model.route_risk["IR"]))
    assert model.corridor("DE", "IR").risk > model.corridor("DE", "FR").risk


def test_corridor_unknown_country_data_uses_default() -> None:
    model = CorridorModel.build(as_of=AS_OF)
    cor = model.corridor("DE", "AQ")  # Antarctica: a valid code with no indicators
    assert cor.known["destination"] is False
    assert cor.destination_risk == default_config().corridor.unknown_country_risk
    with pytest.raises(InvalidInput, match="unknown ISO"):
        model.corridor("DE", "ZZ")


def test_index_config_validation() -> None:
    with pytest.raises(DataFileError, match="corridor weights sum"):
        parse_index_config(
            {
                "components": {"ti_cpi": 1},
                "min_coverage": 0.5,
                "max_age_years": 5,
                "corridor": {
                    "weights": {"origin": 0.5, "destination": 0.6, "route": 0.2},
                    "unknown_country_risk": 50,
                    "high": 60,
                },
            },
            "c.yaml",
        )


@given(st.sampled_from(all_countries()))
def test_every_country_resolves_by_code_and_name(c: object) -> None:
    resolver = CountryResolver.default()
    assert resolver.resolve(c.alpha2) == c.alpha2  # type: ignore[attr-defined]
    if c.alpha3:  # type: ignore[attr-defined]
        assert resolver.resolve(c.alpha3) == c.alpha2  # type: ignore[attr-defined]
    assert resolver.resolve(c.name) == c.alpha2  # type: ignore[attr-defined]
    assert resolver.resolve(c.name.upper()) == c.alpha2  # type: ignore[attr-defined]


def test_ofac_exposure_is_counted_from_the_sdn_list() -> None:
    ofac = load_catalog().indicator("ofac_sdn_exposure")
    values = {c: ofac.latest(c, AS_OF) for c in ofac.series}
    assert all(v is not None for v in values.values())
    top = max(values, key=lambda c: values[c][1])  # type: ignore[index]
    assert top == "RU"  # most SDN entries with an address in one country in the 2023-12-28 list
    assert values["IS"] == (date(2023, 12, 28), 0.0)  # Iceland: no SDN address


_ISO3 = [c.alpha3 for c in all_countries() if c.alpha3 and c.alpha2 != "XK"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(_ISO3),
            st.integers(1990, 2030),
            st.floats(min_value=0, max_value=100, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_indicator_parser_roundtrip(rows: list[tuple[str, int, float]]) -> None:
    text = "country,date,value\n" + "".join(f"{c},{y},{v!r}\n" for c, y, v in rows)
    ind = read_indicator_csv(_meta("iso3"), text, "gen.csv")
    resolver = CountryResolver.default()
    for c, y, v in rows:
        iso2 = resolver.resolve(c)
        assert iso2 is not None
        assert (date(y, 1, 1), v) in ind.series[iso2]
    assert sum(len(s) for s in ind.series.values()) == len(rows)


@given(
    st.sampled_from(_ISO3), st.sampled_from([c.name for c in all_countries()]), st.integers(0, 5)
)
def test_a_name_among_codes_is_always_refused(code: str, name: str, pos: int) -> None:
    lines = [f"{code},{2000 + i},1" for i in range(5)]
    lines.insert(pos, f'"{name}",1999,1')
    text = "country,date,value\n" + "\n".join(lines) + "\n"
    resolver = CountryResolver.default()
    assume(resolver.kind(name) == "name")  # "US" is both a CLDR name and a code
    with pytest.raises(DataFileError, match="mixed country keys"):
        read_indicator_csv(_meta("auto"), text, "gen.csv")
