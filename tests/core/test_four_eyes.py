"""Four eyes that cannot be faked: approvals tie to a person, not to a key or a spelling."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from borderline.auth import create_key
from borderline.service import Services
from borderline.store import transaction


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _tested_draft(client: TestClient, key: str) -> int:
    src = client.get("/v1/policies/active", headers=auth(key)).json()["source"]
    r = client.post("/v1/policies", json={"source": src + "\n"}, headers=auth(key))
    assert r.status_code == 201, r.text
    version = int(r.json()["version"])
    assert client.post(f"/v1/policies/{version}/backtest", headers=auth(key)).status_code == 200
    return version


def test_a_second_key_minted_by_the_author_is_not_a_second_person(
    client: TestClient, keys: dict[str, str], services: Services
) -> None:
    version = _tested_draft(client, keys["ada"])
    own = client.post(f"/v1/policies/{version}/activate", headers=auth(keys["ada"]))
    assert own.status_code == 409
    minted = client.post(
        "/v1/keys", json={"name": "someone-else", "role": "admin"}, headers=auth(keys["ada"])
    ).json()
    assert minted["owner"] == "ada"
    again = client.post(f"/v1/policies/{version}/activate", headers=auth(minted["key"]))
    assert again.status_code == 409 and "four eyes" in again.json()["message"]
    # a key the second admin minted for themself works
    other = client.post(f"/v1/policies/{version}/activate", headers=auth(keys["adam"]))
    assert other.status_code == 200, other.text
    # minting was logged: verify re-derives the key's owner and role from the ledger
    verified = client.post("/v1/ledger/verify", headers=auth(keys["ada"])).json()
    assert verified["ok"], verified["problems"]
    keys_cov = next(c for c in verified["coverage"] if c["table"] == "api_keys")
    assert keys_cov["rows"] == 6


@pytest.mark.parametrize(
    ("author", "owner", "refused"),
    [
        ("ada", "ada", True),
        ("Ada", "ada", True),
        (" ADA ", "ada", True),
        ("ada", "Ada", True),
        ("ada", "adam", False),
        ("ada", "ad", False),
    ],
)
def test_identity_compare_ignores_case_and_space(
    services: Services, author: str, owner: str, refused: bool
) -> None:
    draft = services.create_policy(services.get_policy()["source"] + "\n", author)
    services.backtest(draft["version"], actor=author)
    with transaction(services.sessions) as s:
        create_key(s, "approver-key", "admin", owner=owner, by="ops", ledger=services.ledger)
    from borderline.errors import Conflict

    if refused:
        with pytest.raises(Conflict, match="four eyes"):
            services.activate_policy(draft["version"], owner)
    else:
        assert services.activate_policy(draft["version"], owner)["status"] == "active"


def test_the_minter_of_a_key_cannot_approve_through_it(
    services: Services, client: TestClient, keys: dict[str, Any]
) -> None:
    # An operator mints a key owned by "zoe" but the minter is the author: still refused.
    version = _tested_draft(client, keys["ann"])
    with transaction(services.sessions) as s:
        _, secret = create_key(s, "zoe-key", "admin", owner="zoe", by="ann", ledger=services.ledger)
    r = client.post(f"/v1/policies/{version}/activate", headers=auth(secret))
    assert r.status_code == 409
