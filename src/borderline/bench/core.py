"""The core benchmark behind ``borderline bench``: in-process latency and HTTP throughput.

It builds its own world in a fresh data folder (history of N stored orders, a policy of R
rules), so anyone can re-run it and compare figures.
"""

from __future__ import annotations

import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from borderline.samples import generate_orders

_EXTRA_RULE_TEMPLATES = [
    "rule r{i}: add {w} when order.total > {t} and ship_to.country != payment.card_country",
    "rule r{i}: add {w} when consistency.country_mismatches >= 2 and order.items > {k}",
    "rule r{i}: require verify_identity when customer.first_seen and order.total > {t}",
    'rule r{i}: add {w} when ship_to.country in ["NG", "BR", "MX", "IN"] and order.total > {t}',
    'rule r{i}: review when has("consistency.amount.outlier") and order.total > {t}',
    'rule r{i}: subtract {w} when customer.orders > {k} and not has("lists.block")',
    "rule r{i}: add {w} when ip.country != ship_to.country and order.hour < {k}",
    "rule r{i}: hold when score > 80 and order.total > {t}",
    'rule r{i}: add {w} when lower(buyer.email_domain) == "example.net"',
    'rule r{i}: add {w} when shipment.mode == "postal" and order.total > {t}',
]


def bench_policy(rules: int, accepts: Callable[[str], bool] | None = None) -> str:
    """The default policy plus generated rules up to ``rules`` statements in total.

    ``accepts`` tells whether a policy compiles with the assessors in the run; generated rules
    naming a signal no running assessor declares (``--assessors lists`` has no
    ``consistency.*``) are left out, and the others repeat to make up the count.
    """
    from borderline.policy import default_policy_source

    src = default_policy_source()
    if accepts is not None and not accepts(src):
        src = _usable_statements(src, accepts)
    have = sum(1 for line in src.splitlines() if line.startswith(("rule ", "gate ")))
    usable = [
        tpl
        for tpl in _EXTRA_RULE_TEMPLATES
        if accepts is None or accepts(src + "\n" + tpl.format(i="x", w=2, t=100, k=1) + "\n")
    ]
    extra = []
    for i in range(max(0, rules - have) if usable else 0):
        tpl = usable[i % len(usable)]
        extra.append(tpl.format(i=i, w=2 + i % 7, t=100 + 37 * i, k=1 + i % 5))
    return src + "\n" + "\n".join(extra) + "\n"


def _usable_statements(src: str, accepts: Callable[[str], bool]) -> str:
    """The default policy without the gates and rules that name findings no running assessor
    emits (``--assessors lists`` has no trade assessor, so ``has("trade.embargo")`` is refused
    by the policy check). A statement is its ``gate``/``rule`` line and the indented lines after
    it; everything else (name, thresholds, comments) is kept."""
    head: list[str] = []
    blocks: list[list[str]] = []
    for line in src.splitlines():
        if line.startswith(("rule ", "gate ")):
            blocks.append([line])
        elif line[:1].isspace() and line.strip() and blocks:
            blocks[-1].append(line)
        elif not blocks:
            head.append(line)
    kept = "\n".join(head)
    for block in blocks:
        candidate = kept + "\n" + "\n".join(block)
        if accepts(candidate + "\n"):
            kept = candidate
    return kept + "\n"


def percentiles(values: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(qs[49], 3),
        "p95": round(qs[94], 3),
        "p99": round(qs[98], 3),
        "max": round(max(values), 3),
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_average": load_average(),
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages now (``None`` where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def http_load(
    url: str,
    key: str,
    orders: list[dict[str, Any]],
    concurrency: int,
    path: str = "/v1/decisions",
    ok_status: int = 201,
) -> tuple[float, list[float], int]:
    """A closed loop of ``concurrency`` keep-alive connections, each posting the next order as
    soon as its previous answer is read.

    HTTP/1.1 is written and read here on asyncio streams, not through an HTTP client library:
    on a two-core machine the load generator shares the cores with the server it measures,
    and httpx spent about a millisecond of CPU per request (as much as a fifth of what it
    measured). Requests are made before the clock starts; an answer is read to its
    ``Content-Length`` (the server always sends one), and a connection the server closes is
    opened again."""
    host, port = url.removeprefix("http://").split(":")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
        "Content-Type: application/json\r\n"
    )
    requests: asyncio.Queue[bytes] = asyncio.Queue()
    for o in orders:
        body = orjson.dumps(o)
        requests.put_nowait(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    latencies: list[float] = []
    errors = 0

    async def answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
        """The status of the next answer, read whole, and whether the connection stays."""
        lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, keep = 0, True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                keep = False
        await reader.readexactly(length)
        return status, keep

    async def worker() -> None:
        nonlocal errors
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while not requests.empty():
            request = requests.get_nowait()
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = await asyncio.open_connection(host, int(port))
                conn[1].write(request)
                status, keep = await asyncio.wait_for(answer(conn[0]), timeout=60)
                ok = status == ok_status
            except (OSError, EOFError, ValueError, IndexError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError, TimeoutError):  # fmt: skip
                ok, keep = False, False  # a reset or timeout counts against the server
            latencies.append((time.perf_counter() - t0) * 1000)
            if not ok:
                errors += 1
            if not keep and conn is not None:
                conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0, latencies, errors


def process_tree_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by ``pid`` and every descendant (uvicorn's
    worker processes; Spark's JVM and its Python workers), from ``/proc``; ``None`` where
    there is no ``/proc``. Work per request in CPU time holds on a busy machine where
    wall-clock throughput does not: it is what a quiet core would turn into requests per
    second."""
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = text.rsplit(")", 1)[1].split()
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        # utime + stime, and cutime + cstime: the children it has reaped (a Spark Python
        # worker that ended) count with their parent.
        times[child] = sum(int(f) for f in fields[11:15])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(p, 0) for p in tree) / tick


def _measure_server(
    app: str,
    env: dict[str, str],
    workers: int,
    key: str,
    orders: list[dict[str, Any]],
    concurrency: int,
    warm_up: dict[str, Any],
    profile: Path | None = None,
) -> dict[str, Any]:
    """Start ``uvicorn app`` in a child process, send ``orders`` to it, stop it, report.

    One ``warm_up`` order goes first, alone and untimed in the throughput: whatever the server
    loads on its first decision (models, indexes) is reported as ``first_request_ms``.
    """
    import httpx

    from borderline.bench import profile as profiling

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "borderline.api.tcp",  # uvicorn with TCP_NODELAY on every connection
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    spy: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the bench server {app} did not start on port {port}")
            time.sleep(0.3)
        # Steady state: wait until the server says it is warm (models, indexes, reference
        # files loaded); the bare ceiling app has no /ready and answers 404 at once.
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code in (200, 404):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        t0 = time.perf_counter()
        first = httpx.post(
            f"http://127.0.0.1:{port}/v1/decisions",
            json=warm_up,
            headers={"Authorization": f"Bearer {key}"},
            timeout=300,
        )
        first_ms = round((time.perf_counter() - t0) * 1000, 1)
        if profile is not None:
            # Attached after the warm-up request: the profile is of the steady state only.
            # py-spy talks on stdout, which carries --json: its messages go to stderr.
            spy = subprocess.Popen(profiling.command(profile, server.pid), stdout=sys.stderr)
            time.sleep(1.0)
        cpu_before = process_tree_cpu_s(server.pid)
        client_before = time.process_time()
        elapsed, lat, errors = asyncio.run(
            http_load(f"http://127.0.0.1:{port}", key, orders, concurrency)
        )
        client_cpu = time.process_time() - client_before
        cpu_after = process_tree_cpu_s(server.pid)
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its stacks on SIGINT
            spy.wait(timeout=120)
        server.terminate()
        server.wait(timeout=30)
    summary = profiling.summarise(profile) if profile is not None and profile.exists() else None
    return {
        "profile": summary,
        "requests": len(orders),
        "first_request_ms": first_ms,
        "first_request_status": first.status_code,
        "errors": errors,
        "per_s": round(len(orders) / elapsed, 1),
        "latency_ms": percentiles(lat),
        "server_cpu_ms_per_request": (
            round((cpu_after - cpu_before) * 1000 / len(orders), 2)
            if cpu_before is not None and cpu_after is not None and orders
            else None
        ),
        "client_cpu_ms_per_request": round(client_cpu * 1000 / len(orders), 3) if orders else None,
    }


def ingest_file(
    orders: list[dict[str, Any]], workers: int, env: dict[str, str], folder: Path
) -> dict[str, Any]:
    """``borderline assess FILE --workers N`` on ``orders`` (new ones), as a user runs it: a
    separate process (and its workers) reading the file, deciding, storing and printing each
    decision. Returns the whole run's orders/s (worker start-up included), the rate over the
    second half of the output (the steady state) and the process tree's CPU per order."""
    import resource

    path = folder / f"ingest-{workers}.jsonl"
    path.write_text("".join(orjson.dumps(o).decode() + "\n" for o in orders))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "borderline", "assess", str(path), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    stamps = [time.perf_counter() - t0 for _ in proc.stdout]
    err = proc.stderr.read().decode() if proc.stderr is not None else ""
    if proc.wait() != 0 or len(stamps) != len(orders):
        raise RuntimeError(f"`{' '.join(cmd)}` failed ({len(stamps)} lines): {err[-2000:]}")
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    half = len(stamps) // 2
    second_half_s = max(stamps[-1] - stamps[half], 1e-9)
    return {
        "workers": workers,
        "orders": len(orders),
        "orders_per_s": round(len(orders) / elapsed, 1),
        "first_decision_s": round(stamps[0], 2),
        "steady_orders_per_s": round((len(stamps) - half) / second_half_s, 1),
        "cpu_ms_per_order": round(cpu * 1000 / len(orders), 3),
    }


def run(
    history: int = 100_000,
    measure: int = 2_000,
    rules: int = 50,
    http_requests: int = 3_000,
    concurrency: int = 16,
    http_workers: int = 1,
    data_dir: Path | None = None,
    database_url: str = "",
    assessors: str = "",
    ceiling: bool = True,
    progress: Any = None,
    profile_dir: Path | None = None,
    ingest_workers: int = 2,
) -> dict[str, Any]:
    """Build a bench world and measure it; ``assessors`` '' means every installed one."""
    from borderline.auth import create_key
    from borderline.engine import AssessContext
    from borderline.errors import BorderlineError
    from borderline.service import DbHistory, Services, parse_order
    from borderline.settings import Settings
    from borderline.store import transaction

    def say(msg: str) -> None:
        if progress is not None:
            progress(msg)

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="borderline-bench-"))
    settings = Settings(data_dir=data_dir, database_url=database_url, assessors=assessors)
    services = Services.open(settings)
    with services.sessions() as s:
        names = [a.name for a in services.engine_for(s).assessors]
    results: dict[str, Any] = {
        "machine": machine(),
        "database": services.db.dialect.name,
        "assessors": names,
        "history_orders": history,
        "policy_rules": rules,
    }

    say(f"loading {history} orders of history (assessors: {', '.join(names)})")
    all_orders = list(generate_orders(history + measure + http_requests + 1, seed=99))
    t0 = time.perf_counter()
    first_s = cpu_first = 0.0
    c0 = time.process_time()
    for start in range(0, history, 1000):
        services.assess_batch(all_orders[start : min(start + 1000, history)])
        if start == 0:  # the first batch loads every assessor's lists, models and indexes
            first_s, cpu_first = time.perf_counter() - t0, time.process_time() - c0
    load_s = time.perf_counter() - t0
    results["ingest_batch_orders_per_s"] = round(history / load_s, 1) if history else None
    # After the first batch of 1,000: what a long import runs at once the process is warm.
    steady = history - 1000
    results["ingest_batch_steady"] = (
        {
            "orders_per_s": round(steady / (load_s - first_s), 1),
            "cpu_ms_per_order": round((time.process_time() - c0 - cpu_first) * 1000 / steady, 3),
        }
        if steady > 0
        else None
    )

    say(f"activating a {rules}-rule policy and backtesting it over the history")

    def compiles(source: str) -> bool:
        try:
            services.check_policy(source)
        except BorderlineError:
            return False
        return True

    draft = services.create_policy(bench_policy(rules, compiles), "bench-author")
    t0 = time.perf_counter()
    bt = services.backtest(draft["version"], limit=history)
    results["backtest_seconds"] = round(time.perf_counter() - t0, 2)
    results["backtest_orders"] = bt.orders
    services.activate_policy(draft["version"], "bench-approver")

    say(f"measuring {measure} in-process assessments")
    fresh = all_orders[history : history + measure]
    engine_ms: list[float] = []
    full_ms: list[float] = []
    # Each assessor's own ``assess`` call, as the engine times it, over every measured order
    # (engine-only and stored + ledger alike).
    per_assessor: dict[str, list[float]] = {n: [] for n in names}

    def note(timings: dict[str, float]) -> None:
        for n in names:
            if n in timings:
                per_assessor[n].append(timings[n])

    with services.sessions() as s:
        engine = services.engine_for(s)
        extras: dict[str, Any] = {}
        for provide in services.decisions.context_providers:
            extras.update(provide(s))
        ctx = AssessContext(history=DbHistory(s), lists=services.lists, extras=extras)
        for payload in fresh[: measure // 2]:
            order = parse_order(payload)
            t1 = time.perf_counter()
            decision = engine.assess(order, ctx)
            engine_ms.append((time.perf_counter() - t1) * 1000)
            note(decision.timings_ms)
    for payload in fresh:
        t1 = time.perf_counter()
        decision, _ = services.assess(payload)
        full_ms.append((time.perf_counter() - t1) * 1000)
        note(decision.timings_ms)
    results["in_process_engine_ms"] = percentiles(engine_ms)
    results["in_process_recorded_ms"] = percentiles(full_ms)
    results["per_assessor_ms"] = {
        n: {k: v for k, v in percentiles(ms).items() if k in ("p50", "p99")}
        for n, ms in per_assessor.items()
        if ms
    }

    env = {
        **os.environ,
        "BORDERLINE_DATA_DIR": str(data_dir),
        "BORDERLINE_DATABASE_URL": database_url,
        "BORDERLINE_ASSESSORS": assessors,
    }
    if ingest_workers > 1 and history:
        # The same file size as the history (at most 10,000), new orders of new customers,
        # once by one process and once by ``ingest_workers``, into the bench world's store.
        n = min(history, 10_000)
        runs = []
        for seed, w in ((97, 1), (98, ingest_workers)):
            say(f"ingesting {n} orders with `borderline assess --workers {w}`")
            runs.append(ingest_file(list(generate_orders(n, seed=seed)), w, env, data_dir))
        results["ingest_cli"] = runs

    if http_requests:
        say(f"measuring HTTP with {http_requests} requests, concurrency {concurrency}")
        with transaction(services.sessions) as s:
            _, key = create_key(s, "bench", "service")
        services.close()
        http_orders = all_orders[history + measure : history + measure + http_requests]
        warm_up = all_orders[-1]
        folded = None
        if profile_dir is not None:
            profile_dir.mkdir(parents=True, exist_ok=True)
            folded = profile_dir / "http.folded"
        real = _measure_server(
            "borderline.api.main:app",
            env,
            http_workers,
            key,
            http_orders,
            concurrency,
            warm_up,
            profile=folded,
        )
        http: dict[str, Any] = {
            "requests": http_requests,
            "concurrency": concurrency,
            "workers": http_workers,
            "first_request_ms": real["first_request_ms"],
            "first_request_status": real["first_request_status"],
            "errors": real["errors"],
            "decisions_per_s": real["per_s"],
            "latency_ms": real["latency_ms"],
            "server_cpu_ms_per_decision": real["server_cpu_ms_per_request"],
            "client_cpu_ms_per_request": real["client_cpu_ms_per_request"],
        }
        if real["profile"] is not None:
            http["profile"] = real["profile"]
        if ceiling:
            say(f"measuring the ceiling: a bare FastAPI app, {http_requests} requests")
            bare = _measure_server(
                "borderline.bench.ceiling:app",
                env,
                http_workers,
                key,
                http_orders,
                concurrency,
                warm_up,
            )
            http["ceiling_requests_per_s"] = bare["per_s"]
            http["ceiling_latency_ms"] = bare["latency_ms"]
            http["ceiling_errors"] = bare["errors"]
            http["ceiling_server_cpu_ms_per_request"] = bare["server_cpu_ms_per_request"]
            http["ratio_to_ceiling"] = (
                round(real["per_s"] / bare["per_s"], 3) if bare["per_s"] else None
            )
        results["http"] = http
    else:
        services.close()
    results["load_average_after"] = load_average()
    results["data_dir"] = str(data_dir)
    return results


def run_ledger(
    entries: int = 1_000_000,
    proofs: int = 2_000,
    batch: int = 10_000,
    data_dir: Path | None = None,
    database_url: str = "",
    verify: bool = False,
    progress: Any = None,
) -> dict[str, Any]:
    """Append ``entries`` to a fresh ledger, then time proofs (and optionally a full verify)."""
    import random

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from borderline.ledger import Ledger, merkle
    from borderline.store import make_engine, migrate, session_factory, transaction

    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="borderline-ledger-bench-"))
    url = database_url or f"sqlite:///{data_dir / 'ledger.db'}"
    migrate(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    ledger = Ledger("bench.local/ledger", Ed25519PrivateKey.generate())
    t0 = time.perf_counter()
    for start in range(0, entries, batch):
        n = min(batch, entries - start)
        with transaction(factory) as s:
            ledger.append_many(s, (("bench", str(start + i), {"i": start + i}) for i in range(n)))
        if progress and (start // batch) % 10 == 0:
            progress(f"appended {start + n} entries")
    append_s = time.perf_counter() - t0
    rng = random.Random(1)
    inc_ms: list[float] = []
    con_ms: list[float] = []
    with factory() as s:
        size = ledger.size(s)
        root = ledger.root(s, size)
        for _ in range(proofs):
            i = rng.randrange(size)
            t1 = time.perf_counter()
            p = ledger.inclusion(s, i, size)
            inc_ms.append((time.perf_counter() - t1) * 1000)
            assert merkle.verify_inclusion(
                i, size, bytes.fromhex(p["leaf_hash"]), [bytes.fromhex(x) for x in p["path"]], root
            )
        for _ in range(proofs // 4):
            m = rng.randrange(1, size)
            t1 = time.perf_counter()
            ledger.consistency(s, m, size)
            con_ms.append((time.perf_counter() - t1) * 1000)
    with transaction(factory) as s:
        t1 = time.perf_counter()
        ledger.checkpoint(s)
        sign_ms = (time.perf_counter() - t1) * 1000
    out: dict[str, Any] = {
        "machine": machine(),
        "database": engine.dialect.name,
        "entries": size,
        "append_entries_per_s": round(entries / append_s, 1),
        "batch": batch,
        "inclusion_proof_ms": percentiles(inc_ms),
        "consistency_proof_ms": percentiles(con_ms),
        "checkpoint_sign_ms": round(sign_ms, 3),
    }
    if verify:
        with factory() as s:
            t1 = time.perf_counter()
            report = ledger.verify(s, check_records=False)
            out["verify_seconds"] = round(time.perf_counter() - t1, 2)
            out["verify_ok"] = report.ok
    engine.dispose()
    return out
