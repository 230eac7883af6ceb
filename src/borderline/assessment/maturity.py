"""Capability maturity self-assessment: questionnaires as data, scoring, gap report, progress.

A questionnaire (``data/maturity/*.yaml``) groups questions into domains; each question lists
the description of levels 1..5. An answer is the level reached (0 = not at all). A domain's
score is the mean of its answers; the gap report lists, for every answer below the domain's
target, the description of the next level as the recommended next step, largest gaps first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from borderline.errors import DataFileError, InvalidInput


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    levels: tuple[str, ...]  # description of level 1..n


@dataclass(frozen=True, slots=True)
class Domain:
    id: str
    name: str
    target: float
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Questionnaire:
    id: str
    version: str
    name: str
    max_level: int
    domains: tuple[Domain, ...]

    def question_ids(self) -> dict[str, tuple[Domain, Question]]:
        return {q.id: (d, q) for d in self.domains for q in d.questions}

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "name": self.name,
            "max_level": self.max_level,
            "domains": [
                {
                    "id": d.id,
                    "name": d.name,
                    "target": d.target,
                    "questions": [
                        {"id": q.id, "text": q.text, "levels": list(q.levels)} for q in d.questions
                    ],
                }
                for d in self.domains
            ],
        }


def parse_questionnaire(doc: Any, where: str) -> Questionnaire:
    if not isinstance(doc, dict) or "domains" not in doc or "id" not in doc:
        raise DataFileError("a questionnaire needs id and domains", where=where)
    max_level = int((doc.get("scale") or {}).get("max", 5))
    default_target = float(doc.get("default_target", 3))
    domains = []
    seen: set[str] = set()
    for did, d in doc["domains"].items():
        qs = []
        for i, q in enumerate(d.get("questions") or []):
            w = f"{where}:domains.{did}.questions[{i}]"
            if "id" not in q or "levels" not in q:
                raise DataFileError("each question needs id and levels", where=w)
            if q["id"] in seen:
                raise DataFileError(f"duplicate question id {q['id']!r}", where=w)
            seen.add(q["id"])
            if len(q["levels"]) != max_level:
                raise DataFileError(
                    f"question {q['id']!r} describes {len(q['levels'])} levels, not {max_level}",
                    where=w,
                )
            qs.append(
                Question(str(q["id"]), str(q.get("text", "")), tuple(str(x) for x in q["levels"]))
            )
        if not qs:
            raise DataFileError(f"domain {did!r} has no questions", where=where)
        target = float(d.get("target", default_target))
        if not 0 <= target <= max_level:
            raise DataFileError(f"target {target:g} outside 0..{max_level}", where=where)
        domains.append(Domain(str(did), str(d.get("name", did)), target, tuple(qs)))
    return Questionnaire(
        id=str(doc["id"]),
        version=str(doc.get("version", "1")),
        name=str(doc.get("name", doc["id"])),
        max_level=max_level,
        domains=tuple(domains),
    )


@cache
def shipped() -> dict[str, Questionnaire]:
    base = resources.files("borderline.assessment") / "data" / "maturity"
    out = {}
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            q = parse_questionnaire(yaml.safe_load(entry.read_text(encoding="utf-8")), entry.name)
            out[q.id] = q
    return out


def load_questionnaire(name_or_path: str = "crossborder") -> Questionnaire:
    if name_or_path in shipped():
        return shipped()[name_or_path]
    p = Path(name_or_path)
    if not p.is_file():
        raise InvalidInput(
            f"no questionnaire {name_or_path!r}: use one of {sorted(shipped())} or a YAML file",
            where="questionnaire",
        )
    try:
        return parse_questionnaire(yaml.safe_load(p.read_text(encoding="utf-8")), str(p))
    except yaml.YAMLError as exc:
        raise DataFileError(f"invalid YAML: {exc}", where=str(p)) from None


def score(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Score answers ({question id: level}); every question must be answered."""
    known = q.question_ids()
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InvalidInput(f"unknown question(s) {unknown}", where="answers")
    missing = sorted(set(known) - set(answers))
    if missing:
        raise InvalidInput(f"unanswered question(s) {missing}", where="answers")
    levels: dict[str, int] = {}
    for qid, raw in answers.items():
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw):
            raise InvalidInput(f"answer must be a whole level, got {raw!r}", where=f"answers.{qid}")
        if not 0 <= int(raw) <= q.max_level:
            raise InvalidInput(f"level {raw} outside 0..{q.max_level}", where=f"answers.{qid}")
        levels[qid] = int(raw)
    domains: dict[str, dict[str, Any]] = {}
    gaps: list[dict[str, Any]] = []
    for d in q.domains:
        vals = [levels[x.id] for x in d.questions]
        mean = sum(vals) / len(vals)
        domains[d.id] = {
            "name": d.name,
            "score": mean,
            "target": d.target,
            "gap": max(0.0, d.target - mean),
        }
        for x in d.questions:
            lv = levels[x.id]
            if lv < d.target:
                gaps.append(
                    {
                        "domain": d.id,
                        "question": x.id,
                        "text": x.text,
                        "level": lv,
                        "target": d.target,
                        "gap": d.target - lv,
                        "next_level": lv + 1,
                        "next_step": x.levels[lv],  # description of level lv + 1
                    }
                )
    gaps.sort(key=lambda g: (-g["gap"], g["domain"], g["question"]))
    overall = sum(v["score"] for v in domains.values()) / len(domains)
    return {
        "questionnaire": q.id,
        "version": q.version,
        "overall": overall,
        "domains": domains,
        "gaps": gaps,
        "answers": levels,
    }


def progress(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Domain scores per period over stored runs, oldest first, with the change since the last."""
    series: dict[str, list[dict[str, Any]]] = {}
    overall = []
    for r in runs:
        overall.append({"period": r["period"], "overall": r["overall"]})
        for did, d in r["result"]["domains"].items():
            series.setdefault(did, []).append({"period": r["period"], "score": d["score"]})
    change = None
    if len(overall) >= 2:
        last, prev = runs[-1]["result"]["domains"], runs[-2]["result"]["domains"]
        change = {d: last[d]["score"] - prev[d]["score"] for d in last if d in prev}
    return {"overall": overall, "domains": series, "change_since_previous": change}
