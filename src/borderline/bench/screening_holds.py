"""Ordinary customers: how often would the default policy hold a common real-world name?

The set is built from published name-frequency statistics nobody on the team wrote: the most
frequent given names and family names of 105 countries in the ``names-dataset`` package (MIT
licence; first and last names with their rank per country). Each person is a given name and a
family name of one country, drawn with probability falling with their rank, and screened the way
the screening assessor screens a buyer with an address in that country (no date of birth, as
in most e-commerce orders). Company names put a common family name of the country before a
trade word and the country's usual legal form. The set is generated once
(``borderline bench screening-holds --regenerate``, needs the ``bench`` dependency group) and
kept in ``data/common_names.csv`` so the benchmark runs anywhere.

The matcher's own name-commonness table comes from another source (Faker's person-name tables),
so these names were not tuned on.
"""

from __future__ import annotations

import csv
import random
import time
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from borderline.screening import ALGORITHM, THRESHOLD, EntityKind, Match, Query, ScreeningIndex

SEED = 2026
PER_COUNTRY = 50
# Trade words and the legal form used for company names, by the language of the country.
_TRADE = ("Trading", "Import Export", "Logistics", "Textiles", "Electronics", "Foods", "Motors")
_FORMS = {
    "GB": "Ltd", "US": "LLC", "DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SARL", "BE": "SPRL",
    "ES": "S.L.", "MX": "S.A. de C.V.", "AR": "S.A.", "CO": "S.A.S.", "BR": "Ltda", "PT": "Lda",
    "IT": "S.r.l.", "NL": "B.V.", "SE": "AB", "NO": "AS", "DK": "ApS", "FI": "Oy",
    "PL": "Sp. z o.o.",
    "RU": "OOO", "TR": "A.S.", "CN": "Co., Ltd.", "HK": "Limited", "TW": "Co., Ltd.",
    "JP": "K.K.", "KR": "Co., Ltd.", "IN": "Pvt Ltd", "PK": "Pvt Ltd", "MY": "Sdn Bhd",
    "ID": "PT", "SG": "Pte Ltd", "AE": "LLC", "SA": "Est.", "EG": "S.A.E.", "NG": "Ltd",
    "ZA": "(Pty) Ltd",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class CommonName:
    id: str
    name: str
    kind: str  # person | organization
    country: str


def data_path() -> Path:
    return Path(str(resources.files("borderline.bench") / "data" / "common_names.csv"))


def generate(per_country: int = PER_COUNTRY, seed: int = SEED) -> list[CommonName]:
    """Draw the set from ``names-dataset`` (loads its tables: about 30 s and 3 GB)."""
    from names_dataset import NameDataset  # type: ignore[import-untyped]  # bench group only

    nd = NameDataset()
    rng = random.Random(seed)
    out: list[CommonName] = []
    seen: set[tuple[str, str]] = set()
    for cc in sorted(nd.get_country_codes(alpha_2=True)):
        first = nd.get_top_names(n=25, country_alpha2=cc).get(cc, {})
        last = nd.get_top_names(n=40, use_first_names=False, country_alpha2=cc).get(cc, [])
        givens = [*first.get("M", []), *first.get("F", [])]
        if not givens or not last:
            continue
        # Rank r drawn with weight 1/r: the most common names come up most, as in a customer base.
        gw = [1.0 / (1 + i % 25) for i in range(len(givens))]
        lw = [1.0 / (1 + i) for i in range(len(last))]
        made = 0
        for _ in range(per_country * 20):
            if made >= per_country:
                break
            g = rng.choices(givens, gw)[0]
            f = rng.choices(last, lw)[0]
            # Surname first where the country writes it so.
            name = f"{f} {g}" if cc in ("CN", "HK", "TW", "JP", "KR", "HU", "VN") else f"{g} {f}"
            if (name, cc) in seen:
                continue
            seen.add((name, cc))
            made += 1
            out.append(CommonName(f"p{len(out) + 1}", name, "person", cc))
        for _ in range(4):
            f = rng.choices(last, lw)[0]
            form = _FORMS.get(cc, "Ltd")
            name = f"{f} {rng.choice(_TRADE)} {form}"
            if (name, cc) not in seen:
                seen.add((name, cc))
                out.append(CommonName(f"c{len(out) + 1}", name, "organization", cc))
    return out


def save(names: list[CommonName], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "name", "type", "country"])
        for n in names:
            w.writerow([n.id, n.name, n.kind, n.country])


def load(path: Path | None = None) -> list[CommonName]:
    path = path or data_path()
    with path.open(encoding="utf-8", newline="") as fh:
        return [CommonName(r["id"], r["name"], r["type"], r["country"]) for r in csv.DictReader(fh)]


@dataclass(frozen=True, slots=True)
class HoldReport:
    names: int
    persons: int
    organizations: int
    held: list[tuple[CommonName, Match]]
    seconds: float
    cpu_seconds: float = 0.0
    test_names: int = 0
    test_held: int = 0

    @property
    def rate(self) -> float:
        return len(self.held) / self.names if self.names else 0.0


def hold_rate(
    names: list[CommonName], index: ScreeningIndex, threshold: float = THRESHOLD
) -> HoldReport:
    """Screen each name as the assessor screens a party; a hit at the threshold is a hold
    under the default policy (its ``sanctions_hold`` gate fires on any sanctions finding)."""
    from borderline.bench.screening_devset import split_of

    held: list[tuple[CommonName, Match]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    for n in names:
        kind = EntityKind.PERSON if n.kind == "person" else EntityKind.ORGANIZATION
        matches = index.search(
            Query(name=n.name, kind=kind, country=n.country, threshold=threshold, limit=1)
        )
        if matches:
            held.append((n, matches[0]))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    kinds = Counter(n.kind for n in names)
    test = [n for n in names if split_of(n.id) == "test"]
    test_held = sum(1 for n, _m in held if split_of(n.id) == "test")
    return HoldReport(
        len(names),
        kinds["person"],
        kinds["organization"],
        held,
        seconds,
        cpu,
        len(test),
        test_held,
    )


def report(rep: HoldReport, *, show: int = 40) -> str:
    by_kind = Counter(n.kind for n, _m in rep.held)
    lines = [
        f"# Common-names hold rate (algorithm {ALGORITHM}, threshold {THRESHOLD:.2f})",
        "",
        f"Names: {rep.names:,} ({rep.persons:,} people of 105 countries, "
        f"{rep.organizations:,} company names) from `names-dataset` frequency ranks; "
        "each screened with its country, no date of birth.",
        "",
        "| set | names | held | hold rate |",
        "|---|---|---|---|",
        f"| people | {rep.persons:,} | {by_kind['person']} | "
        f"{by_kind['person'] / max(rep.persons, 1):.2%} |",
        f"| companies | {rep.organizations:,} | {by_kind['organization']} | "
        f"{by_kind['organization'] / max(rep.organizations, 1):.2%} |",
        f"| all | {rep.names:,} | {len(rep.held)} | **{rep.rate:.2%}** |",
        f"| the half not looked at while tuning (`test`) | {rep.test_names:,} | "
        f"{rep.test_held} | {rep.test_held / max(rep.test_names, 1):.2%} |",
        "",
        f"Screened in {rep.seconds:.1f} s wall clock, {rep.cpu_seconds:.1f} s CPU "
        f"({rep.names / max(rep.cpu_seconds, 1e-9):,.0f} queries per CPU-second, one core, "
        "index loaded and warm from the run before).",
        "",
    ]
    if rep.held:
        lines += ["Every hold (name, country → listed entry, score):", ""]
        for n, m in rep.held[:show]:
            lines.append(
                f"- {n.name} ({n.country}) → {m.list}:{m.source_id} {m.matched_name!r} "
                f"{m.score:.2f} — {m.explanation}"
            )
        if len(rep.held) > show:
            lines.append(f"- … and {len(rep.held) - show} more")
    return "\n".join(lines) + "\n"


def run(*, regenerate: bool = False, index: ScreeningIndex | None = None) -> dict[str, Any]:
    if regenerate:
        save(generate(), data_path())
    if index is None:
        from borderline.screening import current_index

        index = current_index()
    names = load()
    hold_rate(names[:300], index)  # warm the prepared-name cache, as a long-running service is
    rep = hold_rate(names, index)
    return {"report": report(rep), "rate": rep.rate, "held": len(rep.held), "names": rep.names}
