"""Optional stronger HS backend: an OpenAI-compatible chat endpoint re-ranks the shortlist.

The lexical/learned classifier proposes a shortlist of HS 2022 subheadings (it is good at
recall); a language model the user runs or subscribes to picks the best one and says how sure
it is. The answer may only choose from the shortlist, so the model cannot invent a code, and
anything malformed falls back to the lexical ranking with the reason recorded. Same interface
as ``HSClassifier.classify``. Nothing is downloaded: the endpoint is the user's.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import httpx

from borderline.errors import InvalidInput, Unavailable
from borderline.trade.classify import Candidate, Classification, HSClassifier, Listing

PROMPT = (
    "You classify e-commerce products into the Harmonized System 2022 at six digits. "
    "Choose exactly one code from the candidate list, or none if no candidate fits. "
    'Answer only with JSON: {"hs6": "<six digits or null>", "confidence": <0 to 1>, '
    '"reason": "<one sentence>"}.'
)


def _listing_text(listing: Listing) -> str:
    parts = [f"Title: {listing.title}"]
    if listing.description:
        parts.append(f"Description: {listing.description}")
    if listing.category:
        parts.append(f"Category: {listing.category}")
    for k, v in sorted(listing.attributes.items()):
        parts.append(f"{k}: {v}")
    return "\n".join(parts)


def _parse_answer(content: str) -> dict[str, Any]:
    # Models often wrap JSON in prose or a code fence: take the first {...} block.
    match = re.search(r"\{.*\}", content, flags=re.S)
    if not match:
        raise ValueError("no JSON object in the answer")
    obj = json.loads(match.group(0))
    if not isinstance(obj, dict):
        raise ValueError("the answer is not a JSON object")
    return obj


class LLMReranker:
    def __init__(
        self,
        base: HSClassifier,
        endpoint: str,
        model: str,
        api_key: str | None = None,
        shortlist: int = 10,
        timeout: float = 30.0,
    ) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise InvalidInput("the LLM endpoint must be an http(s) URL", where="llm_endpoint")
        if not model:
            raise InvalidInput("name the model the endpoint serves", where="llm_model")
        self.base = base
        self.url = endpoint.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.shortlist = shortlist
        self.timeout = timeout

    def _ask(self, listing: Listing, cands: tuple[Candidate, ...]) -> str:
        options = "\n".join(f"{c.hs6}: {c.description}" for c in cands)
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": PROMPT},
                {"role": "user", "content": f"{_listing_text(listing)}\n\nCandidates:\n{options}"},
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            r = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise Unavailable(f"LLM endpoint did not answer: {exc}", where=self.url) from None
        if r.status_code != 200:
            raise Unavailable(f"LLM endpoint answered HTTP {r.status_code}", where=self.url)
        try:
            return str(r.json()["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise Unavailable(
                "LLM endpoint did not answer in the chat-completions shape", where=self.url
            ) from None

    def classify(self, listing: Listing, top: int = 3) -> Classification:
        base = self.base.classify(listing, top=max(top, self.shortlist))
        if not base.candidates:
            return base
        content = self._ask(listing, base.candidates)
        try:
            answer = _parse_answer(content)
            hs6 = answer.get("hs6")
            conf = float(answer.get("confidence", 0.0))
            reason = str(answer.get("reason", ""))[:300]
            if not 0.0 <= conf <= 1.0:
                raise ValueError(f"confidence {conf} outside 0..1")
        except (ValueError, TypeError) as exc:
            return self._fallback(base, top, f"LLM answer ignored: {exc}")
        if hs6 is None:
            # The model says no candidate fits: that is an abstention, not an error.
            cands = tuple(
                replace(c, why=(*c.why, "LLM: no candidate fits")) for c in base.candidates[:top]
            )
            return Classification(listing.id, cands, True, base.raw_top)
        chosen = next((c for c in base.candidates if c.hs6 == str(hs6)), None)
        if chosen is None:
            return self._fallback(base, top, f"LLM answer ignored: {hs6} is not a candidate")
        rest = [c for c in base.candidates if c is not chosen]
        # The remaining probability mass is shared in the lexical ranking's proportions.
        mass = sum(c.score for c in rest) or 1.0
        ranked = [replace(chosen, score=conf, why=(*chosen.why, f"LLM: {reason}"))] + [
            replace(c, score=(1 - conf) * c.score / mass) for c in rest
        ]
        return Classification(listing.id, tuple(ranked[:top]), conf < self.base.abstain_below, conf)

    @staticmethod
    def _fallback(base: Classification, top: int, why: str) -> Classification:
        cands = tuple(replace(c, why=(*c.why, why)) for c in base.candidates[:top])
        return replace(base, candidates=cands)
