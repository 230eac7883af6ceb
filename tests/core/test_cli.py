"""The CLI end to end, as a user runs it: real processes, real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from borderline.samples import generate_orders


def cli(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command in-process (fast), reporting errors exactly as ``main()`` does."""
    from typer.testing import CliRunner

    from borderline.cli import app
    from borderline.errors import BorderlineError

    result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    stderr, code = result.stderr, result.exit_code
    if isinstance(result.exception, BorderlineError):
        stderr += f"error: {result.exception}\n"
        code = 2
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), code, result.stdout, stderr)


def test_main_reports_errors_with_exit_code_2(tmp_path: Path) -> None:
    """The real entry point, once, as a separate process."""
    bad = tmp_path / "bad.policy"
    bad.write_text("rule x: review when scor > 1\n")
    env = {**os.environ, "BORDERLINE_DATA_DIR": str(tmp_path / "d")}
    r = subprocess.run(
        [sys.executable, "-m", "borderline", "policy", "check", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == "error: 1:21: unknown name 'scor'; did you mean score?"


@pytest.fixture
def env(migrated_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BORDERLINE_DATA_DIR": str(tmp_path / "data"),
        "BORDERLINE_DATABASE_URL": migrated_url,
        "COLUMNS": "120",
        "USER": "alice",
    }


@pytest.fixture
def orders_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in generate_orders(40, seed=21)))
    return path


def test_assess_policy_lifecycle_and_ledger(
    env: dict[str, str], orders_file: Path, tmp_path: Path
) -> None:
    r = cli(env, "assess", str(orders_file))
    assert r.returncode == 0, r.stderr
    decisions = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(decisions) == 40
    assert all(d["receipt"]["log_index"] >= 0 for d in decisions)
    assert "assessed 40" in r.stderr

    again = cli(env, "assess", str(orders_file))  # idempotent: same decisions back
    assert [json.loads(x)["decision_id"] for x in again.stdout.splitlines()] == [
        d["decision_id"] for d in decisions
    ]

    policy = tmp_path / "mine.policy"
    policy.write_text(cli(env, "policy", "show").stdout.replace("review 40", "review 10"))
    assert cli(env, "policy", "check", str(policy)).returncode == 0
    tested = cli(env, "policy", "test", str(policy), "--orders", str(orders_file), "--json")
    assert tested.returncode == 0 and len(tested.stdout.splitlines()) == 40
    assert "version 2" in cli(env, "policy", "draft", str(policy), "--author", "Alice").stdout
    for name, role in (("alice", "admin"), ("bob", "admin"), ("ann", "analyst")):
        pw = f"{name}-password-1"
        added = cli(env, "users", "add", name, "--role", role, "--password-stdin", stdin=pw)
        assert added.returncode == 0, added.stderr
    approve = ("policy", "activate", "2", "--password-stdin")
    anonymous = cli(env, "policy", "activate", "2")
    assert anonymous.returncode == 2 and "--user" in anonymous.stderr
    early = cli(env, *approve, "--user", "bob", stdin="bob-password-1\n")
    assert early.returncode == 2 and "backtest" in early.stderr
    bt = cli(env, "policy", "backtest", "2", "--json")
    report = json.loads(bt.stdout)
    assert report["orders"] == 40 and report["changed"] > 0
    # The author wrote "Alice": signing in as alice is the same person.
    own = cli(env, *approve, "--user", "alice", stdin="alice-password-1\n")
    assert own.returncode == 2 and "four eyes" in own.stderr
    wrong = cli(env, *approve, "--user", "bob", stdin="not-bobs-password\n")
    assert wrong.returncode == 2 and "wrong user name or password" in wrong.stderr
    analyst = cli(env, *approve, "--user", "ann", stdin="ann-password-1\n")
    assert analyst.returncode == 2 and "may not activate" in analyst.stderr
    assert cli(env, *approve, "--user", "bob", stdin="bob-password-1\n").returncode == 0
    assert "\t" in cli(env, "policy", "list").stdout

    proof_file = tmp_path / "proof.json"
    proof = cli(env, "ledger", "proof", decisions[5]["order_id"])
    proof_file.write_text(proof.stdout)
    ok = cli(env, "ledger", "verify-proof", str(proof_file))
    assert ok.returncode == 0 and "ok: leaf" in ok.stdout
    forged = json.loads(proof.stdout)
    forged["leaf_hash"] = "00" * 32
    proof_file.write_text(json.dumps(forged))
    assert cli(env, "ledger", "verify-proof", str(proof_file)).returncode == 1
    verified = cli(env, "ledger", "verify", "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"]
    plain = cli(env, "ledger", "verify").stdout
    assert "covered: decisions: 40 rows" in plain and "covered: api_keys" in plain
    assert "covered: cases_users: 3 rows" in plain and "latest signed checkpoint: size" in plain


def test_ledger_verify_catches_an_edited_decision(
    env: dict[str, str], orders_file: Path, migrated_url: str
) -> None:
    from sqlalchemy import create_engine, text

    assert cli(env, "assess", str(orders_file)).returncode == 0
    engine = create_engine(migrated_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "UPDATE orders SET payload = jsonb_set(payload, '{total}', "
                    "'\"0.01\"') WHERE id = :i"
                ),
                {"i": "ord-21-0000003"},
            )
        else:
            conn.execute(
                text(
                    "UPDATE orders SET payload = json_set(payload, '$.total', '0.01') WHERE id = :i"
                ),
                {"i": "ord-21-0000003"},
            )
    engine.dispose()
    r = cli(env, "ledger", "verify")
    assert r.returncode == 1
    assert "was changed after it was logged" in r.stderr


def test_bad_input_at_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    r = cli(env, "assess", "-", stdin='{"id": "x"}\nnot json\n')
    assert r.returncode == 1
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert {x["input"] for x in lines} == {"-:1", "-:2"}
    missing = cli(env, "assess", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad_csv = tmp_path / "o.csv"
    bad_csv.write_text("id,created_at,currency,total,colour\n1,2026-01-01T00:00:00Z,EUR,1,red\n")
    r = cli(env, "assess", str(bad_csv))
    assert r.returncode == 2 and "colour" in r.stderr and "o.csv:1" in r.stderr
    bad_policy = tmp_path / "bad.policy"
    bad_policy.write_text("rule x: review when\n")
    r = cli(env, "policy", "check", str(bad_policy))
    assert r.returncode == 2 and "error: 1:" in r.stderr
    r = cli(env, "lists", "add", "x", "ip", "999.1.1.1", "--action", "block")
    assert r.returncode == 2 and "not an IP address" in r.stderr


def test_csv_orders(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "id,created_at,currency,total,buyer_name,buyer_email,buyer_country,ship_country,"
        "item_title,item_quantity,item_unit_price,origin_country,payment_method,card_country,"
        "ip_country\n"
        "c-1,2026-03-01T10:00:00+01:00,EUR,120.50,Anna Schulz,anna@example.com,DE,DE,"
        "Tea,2,60.25,CN,card,DE,DE\n"
        "c-2,2026-03-01T11:00:00Z,EUR,80,Jonas Roth,jonas@example.com,DE,FR,Mug,1,80,CN,"
        "card,US,RU\n"
    )
    r = cli(env, "assess", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
    d1, d2 = (json.loads(x) for x in r.stdout.splitlines())
    assert d1["order_id"] == "c-1"
    assert {"consistency.country.ip_card", "consistency.country.ip_ship"} <= {
        f["code"] for f in d2["findings"]
    }


def test_lists_and_keys(env: dict[str, str]) -> None:
    r = cli(
        env, "lists", "add", "proxies", "ip", "198.51.100.0/24", "--action", "block",
        "--reason", "proxy range",
    )  # fmt: skip
    assert r.returncode == 0 and "added entry" in r.stdout
    shown = cli(env, "lists", "show", "--json")
    entry = json.loads(shown.stdout.splitlines()[0])
    assert entry["value"] == "198.51.100.0/24"
    assert cli(env, "lists", "remove", str(entry["id"])).returncode == 0
    assert cli(env, "lists", "show").stdout == ""
    key = cli(env, "keys", "create", "ci", "--role", "auditor").stdout.strip()
    assert key.startswith("bl_")
    listed = cli(env, "keys", "list").stdout
    assert "ci\tauditor\tactive" in listed
    key_id = key.split("_")[1]
    assert cli(env, "keys", "revoke", key_id).returncode == 0
    assert "revoked" in cli(env, "keys", "list").stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_with_sample_data_and_an_admin_key(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "BORDERLINE_DATA_DIR": str(tmp_path / "data")}
    env.pop("BORDERLINE_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "borderline", "serve", "--port", str(port), "--samples", "60"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            proc.kill()
            pytest.fail("server did not start: " + (proc.stderr.read() if proc.stderr else ""))
        # It listens before the application is open: "starting", then "ok".
        first = httpx.get(f"{base}/health").json()
        assert first["status"] in {"starting", "ok"} and first["database"] == "sqlite"
        for _ in range(240):
            if httpx.get(f"{base}/health").json()["status"] == "ok":
                break
            time.sleep(0.25)
        else:
            pytest.fail("the application never opened")
        key = (tmp_path / "data" / "initial-admin-key.txt").read_text().strip()
        assert oct((tmp_path / "data" / "initial-admin-key.txt").stat().st_mode)[-3:] == "600"
        h = {"Authorization": f"Bearer {key}"}
        # The samples load in the background: /health says so until they are all in.
        seen_loading = httpx.get(f"{base}/health").json()["samples_loading"]
        for _ in range(600):
            health = httpx.get(f"{base}/health").json()
            if not health["samples_loading"]:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the sample orders never finished loading")
        listed = httpx.get(f"{base}/v1/decisions", params={"limit": 500}, headers=h).json()
        assert len(listed) == 60
        assert health["database"] == "sqlite" and health["ledger_size"] > 60
        assert not (tmp_path / "data" / "samples-loading").exists()
        assert isinstance(seen_loading, bool)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_assess_reports_each_bad_line_and_goes_on(env: dict[str, str], tmp_path: Path) -> None:
    good = list(generate_orders(4, seed=33))
    bad_time = dict(good[2], id="bad-time", created_at="0001-01-01T00:00:00+01:00")
    lines = [
        json.dumps(good[0]),
        "{not json",
        json.dumps(good[1]),
        json.dumps(bad_time),
        json.dumps(dict(good[3], metadata={"x": 2**63})),
        json.dumps(good[2]),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    r = cli(env, "assess", str(path), "--batch-size", "10")
    assert r.returncode == 1
    out = [json.loads(x) for x in r.stdout.splitlines()]
    errors = {o["input"]: o for o in out if "input" in o}
    assert set(errors) == {f"{path}:2", f"{path}:4", f"{path}:5"}
    assert "created_at" in errors[f"{path}:4"]["where"]
    decided = [o["order_id"] for o in out if "decision_id" in o]
    assert decided == [good[0]["id"], good[1]["id"], good[2]["id"]]
    assert "assessed 6" in r.stderr


def test_csv_unterminated_quote_is_refused_with_its_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    header = (
        "id,created_at,currency,total,buyer_name,buyer_email,buyer_country,ship_country,"
        "item_title,item_quantity,item_unit_price,origin_country\n"
    )
    path = tmp_path / "quotes.csv"
    path.write_text(
        header
        + "q-1,2026-03-01T10:00:00Z,EUR,10,Anna,anna@example.com,DE,DE,Tea,1,10,CN\n"
        + 'q-2,2026-03-01T10:00:00Z,EUR,10,"Jonas,jonas@example.com,DE,DE,Mug,1,10,CN\n'
        + "q-3,2026-03-01T10:00:00Z,EUR,10,Lea,lea@example.com,DE,DE,Cup,1,10,CN\n"
    )
    r = cli(env, "assess", str(path))
    assert r.returncode == 1
    out = [json.loads(x) for x in r.stdout.splitlines()]
    errors = [o for o in out if "input" in o]
    assert errors and errors[0]["input"] == f"{path}:3"
    assert "quot" in errors[0]["message"]
    assert [o["order_id"] for o in out if "decision_id" in o] == ["q-1"]


def _comparable(line: str, data_dir: str) -> dict[str, object]:
    """A printed decision without what differs between two runs (ids, times, ledger place)."""
    d = json.loads(line.replace(data_dir, "DATA"))
    for key in ("decision_id", "created_at", "timings_ms", "receipt"):
        d.pop(key, None)
    return d


def test_assess_in_two_workers_decides_as_one_process(env: dict[str, str], tmp_path: Path) -> None:
    orders = list(generate_orders(160, seed=44))
    customers = [o["parties"][0].get("customer_id") for o in orders]
    assert len(set(customers)) < len(customers)  # customers come back: history matters
    lines = [json.dumps(o) for o in orders]
    lines.insert(7, "{not json")
    lines.insert(50, json.dumps(dict(orders[3], total="-1")))  # invalid, refused in place
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(lines) + "\n")

    one_env = {**env, "BORDERLINE_DATA_DIR": str(tmp_path / "one"), "BORDERLINE_DATABASE_URL": ""}
    one = cli(one_env, "assess", str(path), "--batch-size", "25")
    two = cli(env, "assess", str(path), "--batch-size", "25", "--workers", "2")
    assert one.returncode == two.returncode == 1, two.stderr  # the two bad lines
    assert "assessed 162" in two.stderr
    ours = [_comparable(x, env["BORDERLINE_DATA_DIR"]) for x in two.stdout.splitlines()]
    theirs = [_comparable(x, one_env["BORDERLINE_DATA_DIR"]) for x in one.stdout.splitlines()]
    assert len(ours) == 162
    # The same decisions (outcome, score, reasons, every finding and its evidence) in the
    # same order as one process, with each customer's history counted the same way.
    assert ours == theirs
    assert [d["order_id"] for d in ours if "order_id" in d] == [o["id"] for o in orders]
    verify = cli(env, "ledger", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "ok: 162 entries" in verify.stdout  # 160 decisions, the policy drafted and activated

    again = cli(env, "assess", str(path), "--workers", "2")  # replays, in place
    assert [json.loads(x).get("decision_id") for x in again.stdout.splitlines()] == [
        json.loads(x).get("decision_id") for x in two.stdout.splitlines()
    ]


def test_workers_and_dry_run_do_not_go_together(env: dict[str, str], orders_file: Path) -> None:
    r = cli(env, "assess", str(orders_file), "--dry-run", "--workers", "2")
    assert r.returncode == 2 and "--workers" in r.stderr
