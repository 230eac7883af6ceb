"""How the learned HS classifier reads a listing's attributes and category path: the
seller-word -> tariff-word rules, the separate attribute block, the rule-made tuning
listings, and real cases where an attribute must move the code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from borderline.errors import DataFileError
from borderline.trade import hs_text
from borderline.trade.classify import Listing
from borderline.trade.hs import nomenclature
from borderline.trade.hs_model import leaf_text
from borderline.trade.hs_sources import Example, attribute_listings, examples_by_role
from borderline.trade.hs_text import ListingText, compatible, tariff_words
from borderline.trade.learned import learned_classifier


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("925 Sterling Silver", ["of silver precious metal"]),
        ("18K Gold", ["of gold precious metal"]),
        # plated base metal is imitation jewellery (Note 11 to chapter 71), not gold
        ("gold plated", ["of base metal whether or not plated with precious metal imitation"]),
        # PU leather is plastic sheeting for 4202, whatever the word "leather" says
        ("PU leather", ["of plastics outer surface of plastic sheeting"]),
        ("genuine leather", ["of leather outer surface of leather"]),
        ("Stainless Steel", ["of stainless steel of iron or steel base metal"]),
        ("nylon spandex", ["of synthetic fibres man-made fibres"]),
        ("Clothing > Women > Tops", ["women's or girls'"]),
        ("Herren > Men's > Jeans", ["men's or boys'"]),
        ("纯银", ["of silver precious metal"]),
        ("针织", ["knitted or crocheted"]),
        ("lilac", []),
        ("", []),
    ],
)
def test_seller_words_become_the_tariffs(value: str, expected: list[str]) -> None:
    assert tariff_words(value) == expected


def test_a_phrase_is_read_by_its_longest_rule_only() -> None:
    # "zinc alloy" is zinc, not also the bare "alloy"; "men" inside "women" is not a man
    assert tariff_words("zinc alloy") == ["of zinc base metal"]
    assert tariff_words("women") == ["women's or girls'"]
    got = tariff_words("80% cotton, 20% polyester")
    assert sorted(got) == ["of cotton", "of synthetic fibres man-made fibres"]


def test_the_listing_text_and_its_attribute_block() -> None:
    lt = ListingText(
        "Wireless earbuds",
        attributes={"power source": "battery", "material": "ABS", "colour": "white"},
        category="Electronics > Headphones",
    )
    text = lt.text()
    # a deciding material counts twice; what powers the product and other values once
    assert text.count("ABS") == 2 and text.count("battery") == 1 and "white" in text
    assert "Electronics Headphones" in text
    assert "of plastics" in lt.said() and "electric" in lt.said()
    assert ListingText("Earbuds", attributes={"colour": "white"}).said() == ""
    # the category path's gender and material words count too
    assert ListingText("Tee", category="Clothing > Women > Tops").said() == "women's or girls'"
    assert ListingText("Earbuds").said() == ""


def test_a_subheadings_own_text_drops_what_it_excludes() -> None:
    desc = nomenclature().entries["610990"].description
    assert "cotton" in desc
    assert "cotton" not in leaf_text(desc)
    assert "knitted" in leaf_text(desc)


@pytest.mark.parametrize(
    ("said", "named", "fits"),
    [
        ("of zinc base metal", "of base metal", True),  # 711719 fits a zinc alloy
        ("of base metal", "of stainless steel of iron or steel base metal", True),  # "alloy"
        ("of zinc base metal", "of silver precious metal", False),
        ("of gold precious metal", "of precious metal", True),  # 711319
        ("of silver precious metal", "of gold precious metal", False),
        ("of synthetic fibres man-made fibres", "of man-made fibres", True),  # 611030
        ("of synthetic fibres man-made fibres", "of textile materials", True),  # 610990
        ("of cotton", "of man-made fibres", False),
        ("women's or girls'", "men's or boys'", False),
    ],
)
def test_which_classes_fit_which(said: str, named: str, fits: bool) -> None:
    assert compatible(said, named) is fits


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("711311", ["of silver precious metal"]),
        ("711719", ["of base metal"]),
        ("620462", ["of cotton", "woven not knitted or crocheted", "women's or girls'"]),
        ("610990", ["knitted or crocheted", "of textile materials"]),
    ],
)
def test_subheadings_are_read_with_the_same_rules(code: str, names: list[str]) -> None:
    leaf = leaf_text(nomenclature().entries[code].description)
    assert sorted(tariff_words(leaf)) == sorted(names)


def test_a_candidate_that_names_another_material_or_gender_clashes() -> None:
    m = learned_classifier().model
    pos = {c: i for i, c in enumerate(m.labels)}
    idx = np.asarray([pos[c] for c in ("620342", "620462", "610910", "711311")])
    match, clash = m._side_fit("of cotton ; women's or girls'", idx)
    # men's cotton trousers: cotton fits, gender clashes; women's: both fit; a T-shirt says
    # nothing of gender (and fits as well); silver jewellery names a material that is not cotton
    assert match.tolist() == [0, 1, 1, 0]
    assert clash.tolist() == [1, 0, 0, 1]
    assert m._side_fit("", idx)[1].tolist() == [0, 0, 0, 0]


def test_a_broken_attribute_words_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "hs-attribute-words.yaml"
    bad.write_text("rules: [{say: [x]}]\n", encoding="utf-8")
    monkeypatch.setattr("borderline.trade.hs.data_path", lambda _name: bad)
    _clear_caches()
    try:
        with pytest.raises(DataFileError, match="not an attribute-words file"):
            tariff_words("cotton")
    finally:
        monkeypatch.undo()
        _clear_caches()
    assert tariff_words("cotton") == ["of cotton"]


def _clear_caches() -> None:
    for fn in (hs_text.attribute_table, hs_text.attribute_rules, hs_text._rule_of, hs_text.lineage):
        fn.cache_clear()


def test_rule_made_attribute_listings_agree_with_their_code_and_stay_in_tuning() -> None:
    by_role = examples_by_role()
    made = [e for e in by_role["tune"] if e.source == "attr-rule"]
    assert len(made) > 100
    for e in made:
        # the attribute names what the right subheading's own text names
        said = {p for p in e.said.split(" ; ") if p}
        leaf = set(tariff_words(leaf_text(nomenclature().entries[e.hs6].description)))
        assert said & leaf, e
    for half in ("train", "dev", "test"):
        assert all(e.source != "attr-rule" for e in by_role[half])


def test_attribute_listings_are_made_only_from_trader_and_glossary_text() -> None:
    src = [
        Example("ear studs", "711311", "uk-synonym", "en", "7113110000"),
        Example("Of silver ; jewellery", "711311", "cn", "en", "71131100"),
        Example("耳钉", "711311", "lexicon", "zh", "711311"),
    ]
    made = list(attribute_listings(src))
    assert [e.group for e in made] == ["7113110000", "711311"]
    assert made[0].said == "of silver precious metal"
    assert made[0].text.startswith("ear studs ; ")
    # a Chinese title gets a Chinese attribute word
    assert not made[1].text.split(" ; ")[1].isascii()


def _top(title: str, attributes: dict[str, str], category: str | None = None) -> str:
    listing = Listing(title=title, attributes=attributes, category=category)
    r = learned_classifier().classify(listing)
    return r.candidates[0].hs6


# Real cases: the same title, and the attribute alone moves the code.
ATTRIBUTE_CASES = [
    ("Hoop earrings for women", {"metal": "925 sterling silver"}, "Jewelry > Earrings", "711311"),
    ("Hoop earrings for women", {"metal": "zinc alloy"}, "Jewelry > Earrings", "711719"),
    ("Slim fit shirt long sleeve", {"material": "100% cotton", "gender": "men"}, None, "620520"),
    ("Slim fit shirt long sleeve", {"material": "100% cotton", "gender": "women"}, None, "620630"),
    ("Trousers", {"material": "denim cotton", "gender": "men"}, "Clothing > Men > Jeans", "620342"),
    ("Crossbody bag", {"material": "genuine leather"}, "Women > Handbags", "420221"),
    ("Water bottle 750ml", {"material": "stainless steel"}, "Home > Drinkware", "732393"),
    ("Shockproof phone case", {"material": "TPU silicone"}, "Cell Phones > Cases", "392690"),
    # gold is 7113 (precious metal), women's jeans 6204, nylon spandex leggings 6104.63
    ("Hoop earrings for women", {"metal": "18k gold"}, "Jewelry > Earrings", "711319"),
    ("Trousers", {"material": "denim cotton", "gender": "women"}, "Women > Jeans", "620462"),
    ("High waist yoga leggings", {"material": "nylon spandex"}, "Women > Leggings", "610463"),
    # "battery" as the power source must not turn earbuds into batteries
    ("Wireless earbuds bluetooth 5.3", {"power source": "battery"}, "Electronics", "851830"),
]


@pytest.mark.parametrize(("title", "attributes", "category", "hs6"), ATTRIBUTE_CASES)
def test_real_cases_where_attributes_decide(
    title: str, attributes: dict[str, str], category: str | None, hs6: str
) -> None:
    assert _top(title, attributes, category) == hs6


def test_attribute_weights_are_fitted_after_and_apart_from_the_retrieval_weights() -> None:
    from borderline.trade.hs_fit import _fit_combination
    from borderline.trade.hs_model import FEATURES

    rng = np.random.default_rng(0)
    side = np.asarray([f.startswith("side_") for f in FEATURES])

    def group(with_attr: bool) -> tuple[np.ndarray, int]:
        f = rng.random((6, len(FEATURES)))
        f[:, side] = 0.0
        f[0, ~side] += 0.5  # the right row leads on retrieval evidence
        if with_attr:
            f[:, side] = rng.random((6, int(side.sum())))
            f[0, side] += 0.5  # and on the attribute block
        return f, 0

    plain = [group(False) for _ in range(40)]
    attr = [group(True) for _ in range(40)]
    alone = _fit_combination(plain, [False] * 40)
    both = _fit_combination(plain + attr, [False] * 40 + [True] * 40)
    # listings without attributes score exactly as if no attribute listing had been seen
    assert np.allclose(alone[~side], both[~side])
    assert np.all(alone[side] == 0.0) and both[side].sum() > 0
