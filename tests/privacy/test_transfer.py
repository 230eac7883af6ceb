"""Transfer rules engine: a table of real-world flows with the outcome, mechanism and citation
the fact sheet gives, the volume counters per regime, and contradictory input."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput
from borderline.privacy.store import DbVolumes, export_register, record_transfer
from borderline.privacy.transfer.engine import assess_transfer, load_regimes
from borderline.privacy.transfer.model import TransferRequest
from borderline.store.db import make_engine, session_factory, transaction

ON = "2026-03-01"


def req(**kw):
    base = {
        "importer": {"name": "Acme", "kind": "processor"},
        "date": ON,
        "data_categories": ["user.contact.email", "user.name"],
    }
    return base | kw


CASES = [
    # (request, outcome, regime, expected conclusion codes, mechanism ids that must appear)
    (
        req(exporter_country="FR", importer_country="IT"),
        "allowed",
        "eu_gdpr",
        {"not_a_transfer"},
        set(),
    ),
    (
        req(exporter_country="DE", importer_country="US"),
        "allowed_with_conditions",
        "eu_gdpr",
        {"adequacy_needs_certification", "no_adequacy"},
        {"scc"},
    ),
    (
        req(
            exporter_country="DE",
            importer_country="US",
            importer={"name": "Acme", "certifications": ["EU-US DPF"]},
        ),
        "allowed",
        "eu_gdpr",
        {"adequacy"},
        {"adequacy"},
    ),
    (
        req(exporter_country="EEA", importer_country="JP"),
        "allowed",
        "eu_gdpr",
        {"adequacy"},
        {"adequacy"},
    ),
    # Korea's adequacy excludes credit information under the Credit Information Act.
    (
        req(exporter_country="NL", importer_country="KR", data_categories=["user.financial"]),
        "allowed_with_conditions",
        "eu_gdpr",
        {"adequacy_excludes", "no_adequacy"},
        {"scc"},
    ),
    (
        req(
            exporter_country="GB",
            importer_country="US",
            importer={"name": "A", "certifications": ["UK Extension"]},
        ),
        "allowed",
        "uk_gdpr",
        {"adequacy"},
        {"adequacy"},
    ),
    (
        req(
            exporter_country="CH",
            importer_country="US",
            importer={"name": "A", "certifications": ["Swiss-US DPF"]},
        ),
        "allowed",
        "ch_fadp",
        {"adequacy"},
        {"adequacy"},
    ),
    (
        req(
            exporter_country="JP",
            importer_country="SG",
            importer={"name": "A", "certifications": ["APEC CBPR"]},
        ),
        "allowed",
        "jp_appi",
        {"certification"},
        {"certification"},
    ),
    # Cross-border shopping is exempt from SA/SC/cert, but PIPL notice, consent, PIPIA remain.
    (
        req(
            exporter_country="CN",
            importer_country="HK",
            data_subjects=500_000,
            purpose="essential.service.payment_processing",
            data_categories=["user.financial.credit_card", "user.name"],
        ),
        "allowed_with_conditions",
        "cn_pipl",
        {"sensitive", "exempt"},
        set(),
    ),
    (
        req(
            exporter_country="CN",
            importer_country="DE",
            data_subjects=99_999,
            purpose="marketing.advertising",
        ),
        "allowed_with_conditions",
        "cn_pipl",
        {"below_thresholds"},
        set(),
    ),
    (
        req(
            exporter_country="CN",
            importer_country="DE",
            data_subjects=100_000,
            purpose="marketing.advertising",
        ),
        "allowed_with_conditions",
        "cn_pipl",
        {"standard_contract"},
        {"standard_contract", "certification"},
    ),
    # '以上' is inclusive: exactly 1,000,000 already needs the security assessment.
    (
        req(
            exporter_country="CN",
            importer_country="DE",
            data_subjects=1_000_000,
            purpose="marketing.advertising",
        ),
        "allowed_with_conditions",
        "cn_pipl",
        {"security_assessment"},
        {"security_assessment"},
    ),
    (
        req(
            exporter_country="CN",
            importer_country="US",
            data_subjects=10,
            exporter={"name": "Grid", "ciio": True},
        ),
        "allowed_with_conditions",
        "cn_pipl",
        {"security_assessment"},
        {"security_assessment"},
    ),
    # 28 CFR 202: bulk means *more than* the threshold (10,000 for financial data).
    (
        req(
            exporter_country="US",
            importer_country="CN",
            data_subjects=10_000,
            data_categories=["user.financial.bank_account"],
            transaction="vendor",
        ),
        "allowed",
        "us_doj",
        {"country_of_concern", "below_bulk"},
        set(),
    ),
    (
        req(
            exporter_country="US",
            importer_country="CN",
            data_subjects=10_001,
            data_categories=["user.financial.bank_account"],
            transaction="vendor",
        ),
        "allowed_with_conditions",
        "us_doj",
        {"bulk", "restricted"},
        set(),
    ),
    (
        req(
            exporter_country="US",
            importer_country="RU",
            data_subjects=200_000,
            data_categories=["user.contact.email"],
            transaction="data_brokerage",
        ),
        "prohibited",
        "us_doj",
        {"padfa_prohibited", "bulk", "brokerage_prohibited"},
        set(),
    ),
    (
        req(
            exporter_country="US",
            importer_country="IR",
            data_subjects=1_001,
            data_categories=["user.health_and_medical.genetic"],
        ),
        "prohibited",
        "us_doj",
        {"omic_prohibited"},
        set(),
    ),
    (
        req(exporter_country="US", importer_country="DE", data_subjects=10**6),
        "allowed",
        "us_doj",
        set(),
        set(),
    ),
    (
        req(
            exporter_country="IN",
            importer_country="SG",
            data_categories=["user.financial.credit_card"],
        ),
        "allowed_with_conditions",
        "in_dpdp",
        {"localisation", "open"},
        set(),
    ),
    (
        req(exporter_country="RU", importer_country="DE"),
        "allowed_with_conditions",
        "ru_152fz",
        {"localisation"},
        {"notification"},
    ),
    (
        req(exporter_country="VN", importer_country="SG"),
        "allowed_with_conditions",
        "vn_pdpl",
        set(),
        {"ctia"},
    ),
    (
        req(exporter_country="TR", importer_country="DE"),
        "allowed_with_conditions",
        "tr_kvkk",
        {"no_adequacy"},
        {"scc", "undertaking"},
    ),
    (
        req(
            exporter_country="CN",
            importer_country="HK",
            data_subjects=150_000,
            purpose="marketing.advertising",
        ),
        "allowed_with_conditions",
        "cn_pipl",
        {"standard_contract"},
        {"standard_contract", "gba_standard_contract", "certification"},
    ),
]


@pytest.mark.parametrize(("request_", "outcome", "regime", "codes", "mechs"), CASES)
def test_transfer_table(request_, outcome, regime, codes, mechs):
    a = assess_transfer(request_)
    mine = [c for c in a.conclusions if c.regime == regime]
    assert {r.regime for r in a.regimes} >= {regime}
    assert a.outcome == outcome, [c.text for c in a.conclusions]
    assert codes <= {c.code for c in mine}
    assert mechs <= {m.id for m in a.mechanisms if m.regime == regime}
    for c in a.conclusions:  # a citation for every conclusion, with its verification status
        assert c.citation.title and c.citation.status in "VMU"
        assert c.citation.binding == (c.citation.status == "V")
    assert a.advisory == any(not c.citation.binding for c in a.conclusions)


def test_scc_module_follows_the_parties_and_tia_is_required():
    a = assess_transfer(
        req(
            exporter_country="DE",
            importer_country="IN",
            importer={"name": "Ops", "kind": "controller"},
        )
    )
    (scc,) = [m for m in a.mechanisms if m.id == "scc"]
    assert scc.module == "Module 1 (C2C)"
    tia = [x for x in a.actions if x.document == "TIA"]
    assert tia and tia[0].deadline == "before the first transfer"


def test_declared_mechanism_that_is_not_a_transfer_tool():
    a = assess_transfer(
        req(exporter_country="DE", importer_country="US", mechanism="DPA under Decision 2021/915")
    )
    assert "declared_mechanism_invalid" in {c.code for c in a.conclusions}


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (req(exporter_country="XX", importer_country="US"), "exporter_country"),
        (req(exporter_country="DE", importer_country="Atlantis"), "importer_country"),
        (
            req(exporter_country="DE", importer_country="US", data_categories=["user.shoe_size"]),
            "data_categories[0]",
        ),
        (
            req(
                exporter_country="DE",
                importer_country="US",
                sensitive_categories=["user.biometric"],
            ),
            "sensitive_categories[0]",
        ),
        (
            req(exporter_country="US", importer_country="CN", country_of_concern=False),
            "country_of_concern",
        ),
        (
            req(exporter_country="DE", importer_country="US", purpose="essential.shipping"),
            "purpose",
        ),
        (req(exporter_country="DE", importer_country="US", data_subjects=-1), "data_subjects"),
        (req(exporter_country="AQ", importer_country="US"), "exporter_country"),
    ],
)
def test_bad_and_contradictory_input_names_the_field(bad, where):
    with pytest.raises(InvalidInput) as exc:
        assess_transfer(bad)
    assert exc.value.where == where


def test_rules_load_with_checked_sources():
    ids = {r.id for r in load_regimes()}
    assert {
        "eu_gdpr",
        "uk_gdpr",
        "ch_fadp",
        "cn_pipl",
        "us_doj",
        "ru_152fz",
        "in_dpdp",
        "kr_pipa",
        "jp_appi",
        "br_lgpd",
        "sg_pdpa",
        "vn_pdpl",
        "id_pdp",
        "sa_pdpl",
        "tr_kvkk",
    } <= ids


@pytest.fixture()
def sessions(migrated_url):
    """The register on a freshly migrated database: once SQLite, once PostgreSQL."""
    engine = make_engine(migrated_url)
    yield session_factory(engine)
    engine.dispose()


def _record(sessions, **kw):
    r = TransferRequest.model_validate(req(**kw))
    with transaction(sessions) as s:
        result = assess_transfer(r, volumes=DbVolumes(s))
        record_transfer(s, r, result, created_by="test")
    return result


def test_china_counts_cumulatively_since_1_january_per_exporter(sessions):
    common = {
        "exporter_country": "CN",
        "importer_country": "DE",
        "exporter": {"name": "Shop"},
        "purpose": "marketing.advertising",
    }
    _record(sessions, data_subjects=60_000, **common | {"date": "2025-12-20"})  # last year
    first = _record(sessions, data_subjects=60_000, **common)
    assert first.regimes[0].volume["cumulative"] == 60_000  # last December does not count
    second = _record(sessions, data_subjects=60_000, **common)
    assert second.regimes[0].volume["cumulative"] == 120_000
    assert "standard_contract" in {c.code for c in second.conclusions}
    other = _record(sessions, data_subjects=1, **common | {"exporter": {"name": "Other"}})
    assert other.regimes[0].volume["cumulative"] == 1


def test_us_doj_counts_rolling_12_months_per_counterparty(sessions):
    common = {
        "exporter_country": "US",
        "importer_country": "CN",
        "transaction": "vendor",
        "data_categories": ["user.financial"],
    }
    _record(sessions, data_subjects=6_000, **common | {"date": "2025-02-01"})  # > 12 months
    _record(sessions, data_subjects=6_000, **common | {"date": "2025-06-01"})
    res = _record(sessions, data_subjects=4_001, **common)
    vol = res.regimes[0].volume
    assert (vol["prior"], vol["cumulative"], vol["bulk"]) == (6_000, 10_001, True)
    other = _record(
        sessions, data_subjects=4_001, **common | {"importer": {"name": "Other vendor"}}
    )
    assert other.regimes[0].volume["bulk"] is False
    with sessions() as s:
        csv_text = export_register(s, "csv")
    assert csv_text.count("\n") == 5 and "Other vendor" in csv_text


def test_cli_assess_from_stdin_record_report_and_export(tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERLINE_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    body = json.dumps(req(exporter_country="DE", importer_country="BR", date=str(date(2026, 2, 1))))
    res = runner.invoke(app, ["transfer", "assess", "--json"], input=body)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["outcome"] == "allowed" and out["mechanisms"][0]["id"] == "adequacy"
    res = runner.invoke(app, ["transfer", "assess", "--json", "--record"], input=body)
    rid = json.loads(res.stdout)["register_id"]
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    assert runner.invoke(app, ["transfer", "report", rid, "-o", str(html)]).exit_code == 0
    assert "adequacy decision for Brazil" in html.read_text("utf-8")
    assert (
        runner.invoke(app, ["transfer", "report", rid, "--format", "pdf", "-o", str(pdf)]).exit_code
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    res = runner.invoke(app, ["transfer", "register", "export", "--format", "jsonl"])
    assert json.loads(res.stdout.splitlines()[0])["id"] == rid
    bad = runner.invoke(app, ["transfer", "assess"], input="{not json")
    assert bad.exit_code != 0 and "invalid JSON" in str(bad.exception)
