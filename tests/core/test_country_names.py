"""One country name -> ISO code conversion (``refdata.country_code``) for every caller: the
sanctions loaders (free text, no alpha-3) and logistics files (codes and names)."""

from __future__ import annotations

from datetime import date

import pytest

from borderline.errors import DataFileError
from borderline.logistics import read_orders
from borderline.refdata import all_countries, country_code
from borderline.refdata.country_names import parse_aliases
from borderline.screening._countries import place_country


@pytest.mark.parametrize(
    ("name", "alpha3", "code"),
    [
        ("Germany", False, "DE"),
        ("de", False, "DE"),
        ("  GERMANY ", False, "DE"),
        ("DEU", False, None),  # free text: alpha-3 codes are words too ("AND", "CAN")
        ("DEU", True, "DE"),
        ("AND", False, None),
        ("AND", True, "AD"),
        ("Côte d'Ivoire", False, "CI"),
        ("cote d ivoire", False, "CI"),
        ("Ivory Coast", False, "CI"),
        ("Congo, DRC", False, "CD"),
        ("Democratic Republic of the Congo", False, "CD"),
        ("Republic of the Congo", False, "CG"),
        ("Korea, North", False, "KP"),
        ("South Korea", False, "KR"),
        # Bare "Korea" is the Republic in trade and shipping usage; the ISO and World Bank
        # spellings of both Koreas resolve.
        ("Korea", False, "KR"),
        ("Korea, Republic of", False, "KR"),
        ("Korea, Rep.", False, "KR"),
        ("Korea, Democratic People's Republic of", False, "KP"),
        ("Korea, Dem. People's Rep.", False, "KP"),
        ("Bolivia", False, "BO"),
        ("The Netherlands", False, "NL"),
        ("UK", False, "GB"),
        ("Kosovo", False, "XK"),
        ("XK", False, "XK"),
        ("Swaziland", True, "SZ"),
        ("Atlantis", True, None),
        ("", True, None),
        (None, False, None),
        ("--", False, None),
    ],
)
def test_country_code(name: str | None, alpha3: bool, code: str | None) -> None:
    assert country_code(name, alpha3=alpha3) == code


def test_every_alpha2_and_name_resolves_to_itself() -> None:
    for c in all_countries():
        assert country_code(c.alpha2) == c.alpha2
        assert country_code(c.alpha3, alpha3=True) == c.alpha2
        assert country_code(c.name) == c.alpha2, c.name


def test_both_callers_agree() -> None:
    """The sanctions loaders' place parser and the logistics orders reader read one table."""
    assert place_country("Abidjan, Cote d'Ivoire") == "CI"
    text = (
        "id,ship_date,origin_country,destination_country,mode,value\n"
        "a,2024-01-02,Congo DRC,Côte d'Ivoire,air,10\n"
    )
    flow = read_orders("orders.csv", start=date(2024, 1, 1), text=text)
    assert (flow.origin, flow.destination) == (["CD"], ["CI"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alias,code\nx,DE\n", "needs columns name, alpha2"),
        ("name,alpha2\nFoo,ZZ\n", "not a name and an alpha-2 code"),
        ("name,alpha2\n,DE\n", "not a name and an alpha-2 code"),
        ("name,alpha2\nFoo,DE\nFOO,FR\n", "listed twice"),
    ],
)
def test_bad_alias_rows_are_named(text: str, message: str) -> None:
    with pytest.raises(DataFileError) as exc:
        parse_aliases(text, "aliases.csv")
    assert message in exc.value.message
    assert (exc.value.where or "").startswith("aliases.csv")
