"""``borderline bench privacy``: the personal-data detector against Presidio, on the team's
sets and on held-out public NER corpora. Thin: run ``borderline.bench``, print."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from borderline.cli._common import echo_json
from borderline.cli._groups import bench_app


def register(app: typer.Typer) -> None:
    """Adds only to the shared ``bench`` group (on import)."""


@bench_app.command("privacy")
def bench_privacy(
    samples: int = typer.Option(600, "--samples", min=10, help="Samples to generate."),
    seed: int = typer.Option(2026, "--seed", help="Generator seed (7 is the tuning seed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    dump: Path = typer.Option(None, "--dump", help="Also write the labelled set as JSONL."),
    corpora: bool = typer.Option(
        True, "--corpora/--no-corpora", help="Also score the NER corpora (see --split)."
    ),
    corpus_limit: int = typer.Option(
        None, "--corpus-limit", min=1, help="Score only the first N sentences of each corpus."
    ),
    split: str = typer.Option(
        "test",
        "--split",
        help="Corpora split to score: 'test' (held out, what is reported) or 'dev' (what "
        "model and rule choices are judged on).",
    ),
    presidio_model: bool = typer.Option(
        True,
        "--presidio-model/--no-presidio-model",
        help="Also run Presidio with the shipped spaCy model (slower).",
    ),
    speed: bool = typer.Option(
        True, "--speed/--no-speed", help="Measure records/s on ~100-character texts."
    ),
) -> None:
    """Span-level P/R/F2, Borderline vs Presidio (regex-only and with spaCy models).

    One run, on the team's sets and on the held-out test splits of public NER corpora;
    Presidio runs with the base en_core_web_sm and with the model Borderline ships."""
    from rich.console import Console

    from borderline.bench.ner_corpora import SPLITS
    from borderline.bench.privacy import predict_presidio, run_benchmark
    from borderline.bench.privacy_evalset import generate, handwritten
    from borderline.errors import InvalidInput

    if split not in SPLITS:
        raise InvalidInput(f"--split must be one of {', '.join(SPLITS)}, not {split!r}")

    data = generate(samples, seed=seed)
    if dump is not None:
        with dump.open("w", encoding="utf-8") as fh:
            for s in data:
                fh.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    extra: dict[str, Callable[[list[Any]], list[Any]]] = {}
    engine: Any = None
    if presidio_model:
        from borderline.bench.privacy_ner import presidio_spacy, without_organizations

        # One engine that keeps ORG; Presidio's default (ORG silenced) is a view of its output.
        engine = presidio_spacy(organizations=True)
        extra["presidio+spacy"] = lambda smp: without_organizations(
            predict_presidio(smp, engine, 0.0)
        )
    reports: dict[str, Any] = {
        "generated": run_benchmark(data, extra=extra),
        "handwritten": run_benchmark(handwritten(), extra=extra),
        "handwritten2 (held out)": run_benchmark(handwritten("handwritten2.jsonl"), extra=extra),
    }
    reports["generated"]["seed"] = seed
    if corpora:
        from borderline.bench import privacy_ner as pn

        systems: dict[str, pn.Predictor] = {"borderline": pn.borderline_predictor()}
        derived: dict[str, tuple[str, Callable[[list[Any]], list[Any]]]] = {}
        if engine is not None:
            from borderline.privacy import shipped_model_path

            systems["presidio+spacy+org"] = pn.presidio_predictor(engine)
            derived["presidio+spacy"] = ("presidio+spacy+org", pn.without_organizations)
            # Presidio with the very model Borderline ships (fine-tuned), ORG kept.
            ours = pn.presidio_spacy(organizations=True, model=str(shipped_model_path()))
            systems["presidio+ours+org"] = pn.presidio_predictor(ours)
        reports[f"corpora ({split} splits)"] = pn.run_corpora(
            systems, split=split, limit=corpus_limit, derived=derived
        )
    if speed:
        from borderline.bench import privacy_ner as pn

        reports["speed"] = pn.throughput(n=200 if corpus_limit else 2000)
        reports["speed"]["model_load_seconds"] = pn.model_load_seconds()
        reports["install"] = pn.install_size()
    if as_json:
        echo_json(reports)
        return
    _print_bench(Console(width=200), reports)


def _print_bench(console: Any, reports: dict[str, Any]) -> None:
    from rich.table import Table

    for label, report in reports.items():
        if label in ("speed", "install") or label.startswith("corpora"):
            continue
        console.print(
            f"[bold]{label}[/bold]: {report['samples']} samples {report['samples_by_kind']}, "
            f"languages {report['samples_by_lang']}, {report['gold_spans']} gold spans; "
            f"{report['machine']}"
        )
        table = Table(
            "system",
            "P",
            "R",
            "F2",
            "F2 exact",
            "F2 family",
            "F2 shared types",
            "tp",
            "fp",
            "fn",
            "chars/s",
        )
        for name, r in report["systems"].items():
            o = r["overall"]
            table.add_row(
                name,
                f"{o['precision']:.3f}",
                f"{o['recall']:.3f}",
                f"{o['f2']:.3f}",
                f"{r['overall_exact']['f2']:.3f}",
                f"{r['overall_families']['f2']:.3f}",
                f"{r['shared_types']['f2']:.3f}",
                str(o["tp"]),
                str(o["fp"]),
                str(o["fn"]),
                str(r["chars_per_second"]),
            )
        console.print(table)
        per = Table("type", *report["systems"])
        empty = {"precision": 0, "recall": 0}
        for t in report["gold_by_type"]:
            cells = [
                "P{precision:.2f} R{recall:.2f}".format(**r["by_type"].get(t, empty))
                for r in report["systems"].values()
            ]
            per.add_row(t, *cells)
        console.print(per)
    for corp in (v for k, v in reports.items() if k.startswith("corpora")):
        console.print(f"[bold]NER corpora, {corp['split']} splits[/bold]; {corp['machine']}")
        table = Table("corpus", "system", "family", "P", "R", "F2", "tp", "fp", "fn")
        rows = [(c, e["systems"]) for c, e in corp["corpora"].items()] + [("all", corp["all"])]
        for corpus, systems in rows:
            for name, r in systems.items():
                for fam, v in r["families"].items():
                    table.add_row(
                        corpus,
                        name,
                        fam,
                        f"{v['precision']:.3f}",
                        f"{v['recall']:.3f}",
                        f"{v['f2']:.3f}",
                        str(v["tp"]),
                        str(v["fp"]),
                        str(v["fn"]),
                    )
        console.print(table)
    if "speed" in reports:
        sp, inst = reports["speed"], reports["install"]
        console.print(
            f"[bold]speed[/bold]: {sp['records']} records of {sp['mean_chars']} chars on average: "
            f"{sp['records_per_cpu_second']} records/s per core (CPU time), "
            f"{sp['records_per_wall_second']} records/s wall; model load "
            f"{sp['model_load_seconds']} s; load average {sp['load_average']}"
        )
        console.print(
            f"[bold]install[/bold]: shipped fine-tuned model "
            f"{inst['shipped_model_bytes'] / 1e6:.1f} MB, name lists "
            f"{inst['gazetteer_bytes'] / 1e6:.1f} MB, base model "
            f"{inst['model_bytes'] / 1e6:.1f} MB, spaCy runtime "
            f"{inst['runtime_bytes'] / 1e6:.1f} MB, together {inst['total_bytes'] / 1e6:.1f} MB"
        )
