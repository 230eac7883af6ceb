"""Generated requests over the whole OpenAPI description: no operation answers 5xx.

Bounded so it stays within a couple of minutes on two cores (SQLite, a handful of examples per
operation, derandomised so a failure reproduces). Every request carries an admin key, so the
generator reaches past authentication into each route's own validation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from borderline.auth import create_key
from borderline.samples import generate_orders
from borderline.service import Services
from borderline.settings import Settings
from borderline.store import transaction

EXAMPLES = 4


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    from borderline.api.app import create_app

    data = tmp_path_factory.mktemp("fuzz")
    services = Services.open(Settings(data_dir=data, database_url=""))
    services.assess_batch(list(generate_orders(20, seed=3)))
    with transaction(services.sessions) as s:
        _, key = create_key(s, "fuzzer", "admin", by="test", ledger=services.ledger)
    yield create_app(services), key
    services.close()


@pytest.fixture
def api_schema(fuzz_target: tuple[Any, str]) -> Any:
    app, key = fuzz_target
    return schemathesis.openapi.from_asgi(
        "/openapi.json", app, headers={"Authorization": f"Bearer {key}"}
    )


def test_no_operation_answers_5xx(api_schema: Any, fuzz_target: tuple[Any, str]) -> None:
    _, key = fuzz_target
    headers = {"Authorization": f"Bearer {key}"}
    server_errors: list[str] = []
    statuses: Counter[int] = Counter()
    unauthorised: set[str] = set()
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            # A generous timeout: two shared cores make a backtest or a verify slow, not broken.
            response = case.call(headers=headers, timeout=120)
            statuses[response.status_code] += 1
            if response.status_code == 401:
                unauthorised.add(case.path)
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.formatted_path} query={case.query} "
                    f"body={str(case.body)[:200]} -> {response.status_code} "
                    f"{response.text[:200]}"
                )

        run()
    # A description that lost its operations would make this pass vacuously.
    assert operations >= 80
    # ... and one that stopped at authentication would too: most answers must be past it.
    assert sum(n for code, n in statuses.items() if 200 <= code < 300) >= 100, statuses
    # Only the intake routes answer 401: they authenticate by the sender's body signature.
    assert all(p.startswith("/v1/intake/") for p in unauthorised), unauthorised
    assert not server_errors, "\n".join(server_errors[:20])


@pytest.mark.parametrize(
    "scenario",
    [
        {
            "frequency": {"dist": "lognormal", "low": 1e-303, "high": 1.08e308},
            "magnitude": {"dist": "lognormal", "low": 6.8e307, "high": 1.7e308},
        },
        {
            "frequency": {"dist": "pert", "min": 0, "mode": 5e5, "max": 1e6},
            "magnitude": {"dist": "pert", "min": 0, "mode": 1, "max": 2},
        },
    ],
)
def test_quant_inputs_the_fuzzer_found_are_422(
    fuzz_target: tuple[Any, str], scenario: dict[str, Any]
) -> None:
    from fastapi.testclient import TestClient

    app, key = fuzz_target
    body = {"trials": 17868, "scenarios": [{"id": "s", **scenario}]}
    r = TestClient(app).post(
        "/v1/risk/quant", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert r.status_code == 422, r.text[:300]
