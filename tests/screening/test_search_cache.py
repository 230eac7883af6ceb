"""The screening assessor answers a repeated party from its cache, per index."""

from __future__ import annotations

import copy
from typing import Any

from borderline.engine import AssessContext
from borderline.model import Order
from borderline.samples import generate_orders
from borderline.screening.assessor import ScreeningAssessor
from borderline.screening.index import ScreeningIndex


class _Counting:
    """An index that counts the searches it runs (everything else is the real index's)."""

    def __init__(self, index: ScreeningIndex) -> None:
        self.index, self.searches = index, 0

    def search(self, query: Any) -> Any:
        self.searches += 1
        return self.index.search(query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.index, name)


def _order(seed: int, party: dict[str, Any]) -> Order:
    o = copy.deepcopy(dict(next(iter(generate_orders(1, seed=seed)))))
    o["parties"] = [party]
    return Order.model_validate(o)


CUBA = {"role": "consignee", "kind": "organization", "name": "Banco Nacional de Cuba"}


def test_a_repeated_party_is_searched_once_with_the_same_findings(index: ScreeningIndex) -> None:
    counting = _Counting(index)
    cached = ScreeningAssessor(index=counting)  # type: ignore[arg-type]
    plain = ScreeningAssessor(index=index)
    first = cached.assess(_order(1, CUBA), AssessContext())
    second = cached.assess(_order(2, CUBA), AssessContext())
    assert counting.searches == 1
    assert [f.model_dump() for f in second] == [
        f.model_dump() for f in plain.assess(_order(2, CUBA), AssessContext())
    ]
    assert second[0].code == first[0].code == "screening.sanctions.us_ofac_sdn"
    # Anything that changes the query is searched again: here the country qualifier.
    cached.assess(_order(3, {**CUBA, "address": {"country": "CU"}}), AssessContext())
    assert counting.searches == 2


def test_a_new_index_is_searched_afresh(index: ScreeningIndex) -> None:
    a, b = _Counting(index), _Counting(index)
    assessor = ScreeningAssessor(index=a)  # type: ignore[arg-type]
    assessor.assess(_order(1, CUBA), AssessContext())
    assessor._index = b  # type: ignore[assignment]  # what a list import does to current_index
    assessor.assess(_order(1, CUBA), AssessContext())
    assert (a.searches, b.searches) == (1, 1)
