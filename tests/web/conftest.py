"""One live server for the browser tests: uvicorn on a free port over a seeded SQLite store.

Seeding: a second admin activates a stricter policy (so the queue has work), then sample
orders go through ``Services.assess_batch`` exactly as the API would store them.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from borderline.service import Services

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM = os.environ.get("BORDERLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORDS = {
    "alice": ("admin", "alice-secret-pw"),
    "carol": ("admin", "carol-secret-pw"),
    "bob": ("analyst", "bob-secret-pw1"),
    "dave": ("analyst", "dave-secret-pw"),
    "erin": ("auditor", "erin-secret-pw"),
}


@dataclass
class Live:
    url: str
    services: Services
    screening: bool = False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(services: Services, n_orders: int = 400) -> None:
    from borderline import accounts
    from borderline.samples import generate_orders

    for name, (role, pw) in PASSWORDS.items():
        accounts.add_user(services, name, role, pw)
    src = services.get_policy()["source"]
    v = services.create_policy(src.replace("review 40", "review 25"), "alice", "more reviews")
    services.backtest(v["version"], actor="alice")
    services.activate_policy(v["version"], "carol")
    orders = list(generate_orders(n_orders, seed=11))
    for i in range(0, len(orders), 500):
        services.assess_batch(orders[i : i + 500])


SANCTIONED_ORDER = "web-sanctions-1"


def seed_sanctions_hit(services: Services) -> bool:
    """One order whose buyer is on a sanctions list, decided with the screening assessor.

    Building the screening index takes a while, so only this order pays for it. Returns
    False when the screening domain is not installed.
    """
    try:
        from borderline.engine import Engine
        from borderline.engine.core import discover_assessors
        from borderline.screening.assessor import ScreeningAssessor
    except ImportError:
        return False
    from borderline.samples import generate_orders

    found = discover_assessors()
    extra = [] if any(isinstance(a, ScreeningAssessor) for a in found) else [ScreeningAssessor()]
    engine = Engine(assessors=[*found, *extra])
    screening = Services.open(services.settings, engine=engine, run_migrations=False)
    order = next(iter(generate_orders(1, seed=12)))
    order["id"] = SANCTIONED_ORDER
    order["parties"][0]["name"] = "Vladimir Vladimirovich PUTIN"
    screening.assess(order)
    screening.close()
    return True


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    import uvicorn

    from borderline.api.app import create_app
    from borderline.settings import Settings

    data = tmp_path_factory.mktemp("web-data")
    services = Services.open(Settings(data_dir=data, database_url=""))
    seed(services)
    screening = seed_sanctions_hit(services)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield Live(f"http://127.0.0.1:{port}", services, screening)
    server.should_exit = True
    thread.join(timeout=10)
    services.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        # A browser test that does not run proves nothing: fail, and say how to fix it.
        pytest.fail(f"no Chromium at {CHROMIUM}: run `bash .ci/run` or apt-get install chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: object, live: Live) -> Iterator[object]:
    """``new_page(user, width=1280)``: a fresh browser context signed in as ``user``."""
    contexts = []

    def make(user: str | None = None, width: int = 1280, height: int = 900) -> object:
        ctx = browser.new_context(  # type: ignore[attr-defined]
            base_url=live.url, viewport={"width": width, "height": height}
        )
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        if user:
            sign_in(page, user)
        return page

    yield make
    for c in contexts:
        c.close()


def sign_in(page: object, user: str, password: str | None = None) -> None:
    page.goto("/web/login")  # type: ignore[attr-defined]
    page.get_by_label("User name").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(password or PASSWORDS[user][1])  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def shot(page: object, name: str, full: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)  # type: ignore[attr-defined]


@pytest.fixture
def screenshot() -> object:
    return shot


@pytest.fixture
def login() -> object:
    return sign_in
