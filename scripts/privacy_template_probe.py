"""A regression probe for people, places and organisations in form-like prose: NOT a measure.

    uv run --group bench python scripts/privacy_template_probe.py [SEED ...]

Twelve sentence templates written by us ("Hi, my name is {P} and I live at {A}…", "I work at
{O} in {C}…") filled with Faker's names, addresses, cities, countries and companies of ten
locales, scored by family (person; location = LOCATION, ADDRESS, POSTAL_CODE; organisation)
with the half-overlap rule of ``borderline bench privacy``. The detector ships Faker's name
lists, and we wrote the templates, so the figures flatter it: use the probe to find
regressions and failure shapes (``-v`` prints misses and false alarms), never to report
accuracy. Held-out figures are in docs/benchmarks/privacy.md.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter

from faker import Faker

from borderline.privacy.analyzer import Analyzer

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "en_IN", "nl_NL", "pl_PL"]
TEMPLATES = [
    "Hi, my name is {P} and I live at {A}. Please call me on {PH}.",
    "{P} from {O} asked us to ship the order to {C} by {D}.",
    "Dear {P}, your parcel to {C}, {CO} was delayed.",
    "Please contact {P} ({E}) regarding the invoice from {O}.",
    "The customer {P} was born on {D} in {C}.",
    "I work at {O} in {C}. My manager is {P}.",
    "Send the documents to {A} attn. {P}.",
    "{P} called about order 5531; she moved to {C} last month.",
    "Thanks, {P}",
    "Our supplier {O} in {CO} confirmed the delivery for {P}.",
    "Mr. {L} and Mrs. {L2} will visit our office in {C}.",
    "Ship to: {P}, {A}",
]
FAMILY = {
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "ADDRESS": "LOCATION",
    "POSTAL_CODE": "LOCATION",
    "ORGANIZATION": "ORGANIZATION",
}
Span = tuple[str, int, int]


def generate(seed: int, n: int = 300) -> list[tuple[str, list[Span]]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        f = Faker(rnd.choice(LOCALES))
        f.seed_instance(seed * 100_000 + i)
        values: dict[str, tuple[str | None, str]] = {
            "P": ("PERSON", f.name()),
            "L": ("PERSON", f.last_name()),
            "L2": ("PERSON", f.last_name()),
            "A": ("LOCATION", f.address().replace("\n", ", ")),
            "PH": (None, f.phone_number()),
            "O": ("ORGANIZATION", f.company()),
            "C": ("LOCATION", f.city()),
            "CO": ("LOCATION", f.country()),
            "D": (None, str(f.date())),
            "E": (None, f.email()),
        }
        template = rnd.choice(TEMPLATES)
        text, spans, last = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[last : m.start()]
            etype, value = values[m.group(1)]
            if etype:
                spans.append((etype, len(text), len(text) + len(value)))
            text += value
            last = m.end()
        out.append((text + template[last:], spans))
    return out


def main(seeds: list[int], verbose: bool) -> None:
    analyzer = Analyzer()
    for seed in seeds:
        samples = generate(seed)
        found = analyzer.analyze_many([t for t, _ in samples])
        tp: Counter[str] = Counter()
        fp: Counter[str] = Counter()
        fn: Counter[str] = Counter()
        for (text, gold), ents in zip(samples, found, strict=True):
            pred = [(FAMILY[e.type], e.start, e.end) for e in ents if e.type in FAMILY]
            used: set[int] = set()
            for etype, s, e in gold:
                hit = next(
                    (
                        k
                        for k, (pt, ps, pe) in enumerate(pred)
                        if k not in used
                        and pt == etype
                        and min(e, pe) - max(s, ps) >= 0.5 * (max(e, pe) - min(s, ps))
                    ),
                    None,
                )
                if hit is None:
                    fn[etype] += 1
                    if verbose:
                        print(f"miss {etype} {text[s:e]!r} in {text!r}")
                else:
                    tp[etype] += 1
                    used.add(hit)
            for k, (pt, ps, pe) in enumerate(pred):
                if k not in used:
                    fp[pt] += 1
                    if verbose:
                        print(f"false alarm {pt} {text[ps:pe]!r} in {text!r}")
        row = [f"seed {seed}"]
        for fam in ("PERSON", "LOCATION", "ORGANIZATION"):
            p = tp[fam] / max(1, tp[fam] + fp[fam])
            r = tp[fam] / max(1, tp[fam] + fn[fam])
            row.append(f"{fam.lower()} P {p:.3f} R {r:.3f}")
        t, f_p, f_n = sum(tp.values()), sum(fp.values()), sum(fn.values())
        p, r = t / max(1, t + f_p), t / max(1, t + f_n)
        row.append(f"all P {p:.3f} R {r:.3f} F2 {5 * p * r / max(1e-9, 4 * p + r):.3f}")
        print("; ".join(row))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    main([int(a) for a in args] or [1, 2, 3], "-v" in sys.argv[1:])
