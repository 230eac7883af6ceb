"""RFC 9162 Merkle hashing and proofs against the published vectors and a direct recomputation.

Vectors: shared/reference/golden_examples.md (RFC 6962 / RFC 9162 test data).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderline.ledger import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def subtree_of(hashes: list[bytes]) -> merkle.SubtreeHash:
    return lambda s, e: merkle.root_from_leaf_hashes(hashes[s:e])


def test_empty_root_is_sha256_of_nothing() -> None:
    assert merkle.root_from_leaf_hashes([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize(("n", "root"), sorted(ROOTS.items()))
def test_published_roots(n: int, root: str) -> None:
    assert merkle.root_from_leaf_hashes(HASHES[:n]).hex() == root


def test_published_audit_path_leaf0_size8() -> None:
    path = merkle.inclusion_path(0, 8, subtree_of(HASHES))
    assert [p.hex() for p in path] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


@pytest.mark.parametrize("n", range(1, 9))
def test_every_inclusion_proof_up_to_8_verifies(n: int) -> None:
    sub = subtree_of(HASHES)
    for i in range(n):
        path = merkle.inclusion_path(i, n, sub)
        assert merkle.verify_inclusion(i, n, HASHES[i], path, bytes.fromhex(ROOTS[n]))
        # the same path must not prove a different leaf or another position
        assert not merkle.verify_inclusion(i, n, bytes(32), path, bytes.fromhex(ROOTS[n]))
        if n > 1:
            assert not merkle.verify_inclusion(
                (i + 1) % n, n, HASHES[i], path, bytes.fromhex(ROOTS[n])
            )


@pytest.mark.parametrize("n", range(1, 9))
def test_every_consistency_proof_up_to_8_verifies(n: int) -> None:
    sub = subtree_of(HASHES)
    for m in range(1, n + 1):
        path = merkle.consistency_path(m, n, sub)
        old, new = bytes.fromhex(ROOTS[m]), bytes.fromhex(ROOTS[n])
        assert merkle.verify_consistency(m, n, old, new, path)
        if m < n:
            assert not merkle.verify_consistency(m, n, new, new, path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_proofs_against_direct_recomputation(entries: list[bytes], data: st.DataObject) -> None:
    hashes = [merkle.leaf_hash(e) for e in entries]
    n = len(hashes)
    i = data.draw(st.integers(0, n - 1))
    m = data.draw(st.integers(1, n))
    sub = subtree_of(hashes)
    root = merkle.root_from_leaf_hashes(hashes)
    assert merkle.verify_inclusion(i, n, hashes[i], merkle.inclusion_path(i, n, sub), root)
    assert merkle.verify_consistency(m, n, sub(0, m), root, merkle.consistency_path(m, n, sub))
    tampered = bytes(32)
    assert not merkle.verify_inclusion(i, n, tampered, merkle.inclusion_path(i, n, sub), root)


def test_out_of_range_requests_are_refused() -> None:
    sub = subtree_of(HASHES)
    with pytest.raises(ValueError):
        merkle.inclusion_path(8, 8, sub)
    with pytest.raises(ValueError):
        merkle.consistency_path(0, 8, sub)
    assert not merkle.verify_inclusion(8, 8, HASHES[0], [], bytes.fromhex(ROOTS[8]))
