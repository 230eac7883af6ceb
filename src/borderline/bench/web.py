"""Page-load benchmark for the workspace with a large store (``python -m borderline.bench.web``).

Seeds ``--seed-orders`` real orders through ``Services.assess_batch``, then copies their order,
decision and finding rows (new ids, shifted times) until the store holds ``--decisions``
decisions: the pages read those tables only, so copies load them like real traffic would.
Prints the server-side time of each page (median of ``--runs``, in-process, no network) and the
SQLite query plan of the queue query.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text


def _clone(services: object, target: int) -> int:
    from borderline.service import Services

    assert isinstance(services, Services)
    with services.db.begin() as conn:
        base = conn.execute(text("SELECT count(*) FROM decisions")).scalar_one()
        k = 0
        while conn.execute(text("SELECT count(*) FROM decisions")).scalar_one() < target:
            k += 1
            need = target - conn.execute(text("SELECT count(*) FROM decisions")).scalar_one()
            lim = min(base, need)
            shift = f"-{k * 53} minutes"
            conn.execute(
                text(
                    "INSERT INTO orders SELECT id || '~' || :k, merchant_id, customer_key, "
                    "strftime('%Y-%m-%d %H:%M:%f', created_at, :shift), received_at, currency, "
                    "total * (1 + (:k % 7) / 10.0), origin_country, destination_country, "
                    "payload_hash, payload FROM orders WHERE id NOT LIKE '%~%' "
                    "ORDER BY id LIMIT :lim"
                ),
                {"k": k, "shift": shift, "lim": lim},
            )
            conn.execute(
                text(
                    "INSERT INTO decisions SELECT d.id || '~' || :k, d.order_id || '~' || :k, "
                    "d.outcome, d.score, d.policy_name, d.policy_version, "
                    "strftime('%Y-%m-%d %H:%M:%f', d.created_at, :shift), d.record_hash, "
                    "d.log_index, d.body FROM decisions d WHERE d.id NOT LIKE '%~%' "
                    "AND EXISTS (SELECT 1 FROM orders o WHERE o.id = d.order_id || '~' || :k)"
                ),
                {"k": k, "shift": shift},
            )
            conn.execute(
                text(
                    "INSERT INTO findings (decision_id, code, severity, score, assessor) "
                    "SELECT f.decision_id || '~' || :k, f.code, f.severity, f.score, f.assessor "
                    "FROM findings f WHERE f.decision_id NOT LIKE '%~%' AND EXISTS "
                    "(SELECT 1 FROM decisions d WHERE d.id = f.decision_id || '~' || :k)"
                ),
                {"k": k},
            )
        conn.execute(text("ANALYZE"))
        return int(conn.execute(text("SELECT count(*) FROM decisions")).scalar_one())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--decisions", type=int, default=100_000)
    ap.add_argument("--seed-orders", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()

    data = Path(args.data_dir or tempfile.mkdtemp(prefix="bl-web-bench-"))
    os.environ.pop("BORDERLINE_DATABASE_URL", None)
    from fastapi.testclient import TestClient

    from borderline import accounts
    from borderline.api.app import create_app
    from borderline.samples import generate_orders
    from borderline.service import Services
    from borderline.settings import Settings

    services = Services.open(Settings(data_dir=data, database_url=""))
    t0 = time.perf_counter()
    with services.sessions() as s:
        have = s.execute(text("SELECT count(*) FROM decisions")).scalar_one()
    if not have:
        src = services.get_policy()["source"]
        v = services.create_policy(src.replace("review 40", "review 25"), "bench-a")
        services.backtest(v["version"], actor="bench-a")
        services.activate_policy(v["version"], "bench-b")
        orders = list(generate_orders(args.seed_orders, seed=3))
        for i in range(0, len(orders), 500):
            services.assess_batch(orders[i : i + 500])
        accounts.add_user(services, "bench", "admin", "bench-password")
    total = _clone(services, args.decisions)
    print(f"store: {total} decisions in {data} (seeded in {time.perf_counter() - t0:.1f} s)")

    client = TestClient(create_app(services))
    from borderline.web import analytics

    # create_app starts computing analytics in the background; let it finish so it does not
    # compete with the page timings below.
    t = time.perf_counter()
    from borderline.cases import queue_synced

    while not analytics.warmed(services) or not queue_synced(services):
        time.sleep(0.1)
    print(
        f"background warm-up after start (analytics + queue copy): "
        f"{1000 * (time.perf_counter() - t):.0f} ms"
    )
    page = client.get("/web/login")
    tok = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert tok is not None
    r = client.post(
        "/web/login",
        data={
            "csrf": tok.group(1),
            "username": "bench",
            "password": "bench-password",
            "next": "/web/cases",
        },
    )
    assert r.status_code == 200, r.status_code
    with services.sessions() as s:
        did = s.execute(
            text("SELECT id FROM decisions WHERE outcome='review' AND id NOT LIKE '%~%' LIMIT 1")
        ).scalar_one()
        queued = s.execute(
            text("SELECT count(*) FROM decisions WHERE outcome IN ('review','hold')")
        ).scalar_one()
    print(f"queued (review+hold): {queued}")
    pages = [
        ("queue, oldest first", "/web/queue"),
        ("queue, by score", "/web/queue?sort=score&dir=desc"),
        ("queue, by amount, page 20", "/web/queue?sort=amount&page=20"),
        ("queue, finding filter", "/web/queue?finding=consistency.amount"),
        ("queue, corridor + score", "/web/queue?origin=CN&min_score=30"),
        ("queue, unassigned", "/web/queue?assignee=none"),
        ("decision", f"/web/decisions/{did}"),
        ("cases", "/web/cases"),
        ("policies", "/web/policies"),
        ("analytics (cached)", "/web/analytics"),
    ]
    from borderline.web import analytics

    t = time.perf_counter()
    client.get("/web/queue")
    print(
        f"queue, first load after warm-up ({queued} queued decisions in cases_queue): "
        f"{1000 * (time.perf_counter() - t):.0f} ms"
    )

    t = time.perf_counter()
    analytics.compute(services, 30)
    print(
        f"analytics aggregates, uncached (done in the background at start and at most every "
        f"{analytics.TTL:.0f} s): {1000 * (time.perf_counter() - t):.0f} ms"
    )
    analytics.summary(services)
    print(f"{'page':32} {'median ms':>10} {'max ms':>8}")
    for name, url in pages:
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            resp = client.get(url)
            times.append(1000 * (time.perf_counter() - t))
            assert resp.status_code == 200, (url, resp.status_code)
        print(f"{name:32} {statistics.median(times):10.1f} {max(times):8.1f}")
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite"
    )
    with services.db.connect() as conn:
        for label, sql in [
            (
                "queue page",
                "SELECT decision_id FROM cases_queue WHERE closed = 0 ORDER BY created_at LIMIT 50",
            ),
            ("queue count", "SELECT count(*) FROM cases_queue WHERE closed = 0"),
            (
                "queue by route",
                "SELECT decision_id FROM cases_queue WHERE closed = 0 AND "
                "origin = 'CN' AND score >= 30 ORDER BY created_at LIMIT 50",
            ),
        ]:
            plan = conn.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
            print(f"plan, {label}: " + "; ".join(str(p[-1]) for p in plan))


if __name__ == "__main__":
    main()
