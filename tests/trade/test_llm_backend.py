"""The optional LLM backend against a real HTTP server speaking the chat-completions protocol.

No language model runs on this machine, so the server here is a small deterministic
stand-in that answers by a written rule: it tests our client end to end (request shape, auth,
parsing, re-ranking, fallbacks, errors), not a model's judgement.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from typer.testing import CliRunner

from borderline.cli import app
from borderline.errors import InvalidInput, Unavailable
from borderline.trade.classify import HSClassifier, Listing
from borderline.trade.llm import LLMReranker

SEEN: list[dict[str, Any]] = []
ANSWER: dict[str, Any] = {"mode": "second"}


class ChatHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        codes = re.findall(r"^(\d{6}):", body["messages"][1]["content"], flags=re.M)
        mode = ANSWER["mode"]
        if mode == "down":
            self.send_response(500)
            self.end_headers()
            return
        content = {
            "second": f'Sure.\n```json\n{{"hs6": "{codes[1]}", "confidence": 0.9, '
            '"reason": "material decides"}\n```',
            "outside": '{"hs6": "010121", "confidence": 0.99, "reason": "horses"}',
            "none": '{"hs6": null, "confidence": 0.2, "reason": "none fits"}',
            "prose": "I think it is a shoe.",
        }[mode]
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), ChatHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


LISTING = Listing(title="Men's leather sneakers with rubber soles", category="Shoes > Men")


def test_llm_reranks_the_shortlist(endpoint: str) -> None:
    ANSWER["mode"] = "second"
    SEEN.clear()
    base = HSClassifier()
    lexical = base.classify(LISTING, top=10)
    result = LLMReranker(base, endpoint, "test-model", api_key="k-1").classify(LISTING, top=3)
    assert result.candidates[0].hs6 == lexical.candidates[1].hs6
    assert result.candidates[0].score == 0.9
    assert "LLM: material decides" in result.candidates[0].why
    assert not result.abstain
    req = SEEN[-1]
    assert req["path"] == "/v1/chat/completions"
    assert req["model"] == "test-model" and req["temperature"] == 0
    assert req["auth"] == "Bearer k-1"
    assert "Men's leather sneakers" in req["messages"][1]["content"]


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("outside", "010121 is not a candidate"),
        ("prose", "no JSON object"),
    ],
)
def test_bad_answers_fall_back_to_the_lexical_ranking(endpoint: str, mode: str, why: str) -> None:
    ANSWER["mode"] = mode
    base = HSClassifier()
    lexical = base.classify(LISTING, top=3)
    result = LLMReranker(base, endpoint, "m").classify(LISTING, top=3)
    assert [c.hs6 for c in result.candidates] == [c.hs6 for c in lexical.candidates]
    assert any(why in w for w in result.candidates[0].why)


def test_no_candidate_fits_is_an_abstention(endpoint: str) -> None:
    ANSWER["mode"] = "none"
    result = LLMReranker(HSClassifier(), endpoint, "m").classify(LISTING)
    assert result.abstain


def test_endpoint_failures_are_clear_errors(endpoint: str) -> None:
    ANSWER["mode"] = "down"
    with pytest.raises(Unavailable, match="HTTP 500"):
        LLMReranker(HSClassifier(), endpoint, "m").classify(LISTING)
    with pytest.raises(Unavailable, match="did not answer"):
        LLMReranker(HSClassifier(), "http://127.0.0.1:9", "m", timeout=2).classify(LISTING)
    with pytest.raises(InvalidInput, match="http"):
        LLMReranker(HSClassifier(), "ftp://x", "m")


def test_cli_backend(endpoint: str) -> None:
    ANSWER["mode"] = "second"
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "trade",
            "classify",
            LISTING.title,
            "--json",
            "--backend",
            "llm",
            "--llm-endpoint",
            endpoint,
            "--llm-model",
            "m",
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["candidates"][0]["score"] == 0.9
    r = runner.invoke(
        app, ["trade", "classify", "x", "--backend", "llm"], env={"BORDERLINE_LLM_ENDPOINT": ""}
    )
    assert isinstance(r.exception, InvalidInput) and "llm-endpoint" in str(r.exception)
