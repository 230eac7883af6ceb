"""The management report of an assessment, as HTML (charts embedded) and PDF.

Pictures where people would rather look than read: the risk-matrix heatmap, the loss
exceedance curve, the maturity radar and a country/corridor table; then the top risks and the
overdue treatments. Charts are drawn once with matplotlib (Agg, no display needed) and the
same PNGs go into both formats. Inputs are plain dicts gathered by the service layer.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: servers and CI have no display

import matplotlib.pyplot as plt
import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.colors import ListedColormap

from borderline.assessment.register import risks_sorted

LEVEL_COLOURS = {
    "low": "#4caf50",
    "medium": "#ffc107",
    "high": "#ff7043",
    "critical": "#c62828",
}


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def heatmap_png(heatmap: Mapping[str, Any]) -> bytes:
    m = heatmap["matrix"]
    grid = m["grid"]  # grid[likelihood-1][impact-1] = level name
    levels = m["levels"]
    codes = np.array([[levels.index(c) for c in row] for row in grid])
    cmap = ListedColormap([LEVEL_COLOURS.get(lv, "#9e9e9e") for lv in levels])
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    ax.imshow(codes, cmap=cmap, origin="lower", vmin=0, vmax=len(levels) - 1, alpha=0.85)
    counts = heatmap["counts"]
    for li, row in enumerate(counts):
        for im, n in enumerate(row):
            if n:
                ax.text(im, li, str(n), ha="center", va="center", fontsize=13, weight="bold")
    ax.set_xticks(range(len(m["impact"])), m["impact"], rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(m["likelihood"])), m["likelihood"], fontsize=8)
    ax.set_xlabel("impact")
    ax.set_ylabel("likelihood")
    ax.set_title(f"{heatmap['rating']} risk: number of risks per cell ({m['id']})", fontsize=10)
    return _png(fig)


def exceedance_png(curve: Sequence[Mapping[str, float]], currency: str) -> bytes:
    pts = [p for p in curve if p["loss"] > 0]
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    if pts:
        ax.plot([p["loss"] for p in pts], [p["probability"] for p in pts], color="#1565c0")
        ax.set_xscale("log")
    ax.set_xlabel(f"annual loss ({currency})")
    ax.set_ylabel("probability of exceeding")
    ax.set_ylim(0, 1)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title("Loss exceedance curve (portfolio)", fontsize=10)
    return _png(fig)


def radar_png(domains: Mapping[str, Mapping[str, Any]], max_level: float = 5.0) -> bytes:
    names = list(domains)
    scores = [float(domains[d]["score"]) for d in names]
    targets = [float(domains[d]["target"]) for d in names]
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False).tolist()
    fig = plt.figure(figsize=(4.8, 4.8))
    ax = fig.add_subplot(polar=True)
    for values, label, colour in ((scores, "score", "#1565c0"), (targets, "target", "#9e9e9e")):
        ax.plot([*angles, angles[0]], [*values, values[0]], color=colour, label=label)
        if label == "score":
            ax.fill([*angles, angles[0]], [*values, values[0]], color=colour, alpha=0.2)
    ax.set_xticks(angles, [n.replace("_", " ") for n in names], fontsize=8)
    ax.set_ylim(0, max_level)
    ax.legend(loc="lower right", bbox_to_anchor=(1.2, -0.1), fontsize=8)
    ax.set_title("Capability maturity", fontsize=10)
    return _png(fig)


def charts(data: Mapping[str, Any]) -> dict[str, bytes]:
    out = {"heatmap": heatmap_png(data["heatmap"])}
    if data.get("quant"):
        q = data["quant"]
        out["exceedance"] = exceedance_png(q["exceedance_curve"], q.get("currency", "EUR"))
    if data.get("maturity"):
        out["radar"] = radar_png(data["maturity"]["domains"])
    return out


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("borderline.assessment", "data/templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def render_html(data: Mapping[str, Any], images: Mapping[str, bytes] | None = None) -> str:
    images = images if images is not None else charts(data)
    encoded = {k: base64.b64encode(v).decode("ascii") for k, v in images.items()}
    return (
        _env()
        .get_template("report.html.j2")
        .render(data=data, images=encoded, colours=LEVEL_COLOURS)
    )


def render_dashboard(context: Mapping[str, Any]) -> str:
    """The risk dashboard page: assessments with report links, KRIs, overdue, countries."""
    return _env().get_template("dashboard.html.j2").render(**context)


def render_pdf(data: Mapping[str, Any], images: Mapping[str, bytes] | None = None) -> bytes:
    # reportlab ships no type stubs and the project's mypy overrides are not ours to edit.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    images = images if images is not None else charts(data)
    styles = getSampleStyleSheet()
    a = data["assessment"]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=f"Risk report {a['name']}",
        leftMargin=1.6 * cm,
        rightMargin=1.6 * cm,
    )
    story: list[Any] = [
        Paragraph(html.escape(f"Risk report: {a['name']} ({a['period']})"), styles["Title"]),
        Paragraph(
            html.escape(
                f"Matrix {a['matrix']} · generated {data['generated']} · "
                f"{len(data['top_risks'])} top risks shown"
            ),
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
    ]

    def image(key: str, width_cm: float) -> None:
        if key in images:
            img = Image(io.BytesIO(images[key]))
            ratio = img.imageHeight / img.imageWidth
            img.drawWidth, img.drawHeight = width_cm * cm, width_cm * cm * ratio
            story.append(img)

    def table(rows: list[list[str]], widths: list[float]) -> None:
        t = Table(rows, colWidths=[w * cm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#263238")),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(t)

    story.append(Paragraph("Risk matrix", styles["Heading2"]))
    image("heatmap", 11)
    story.append(Paragraph("Top risks", styles["Heading2"]))
    table(
        [["key", "risk", "owner", "inherent", "residual", "status"]]
        + [
            [
                r["key"],
                Paragraph(html.escape(r["title"]), styles["BodyText"]),
                r["owner"],
                r["inherent"],
                r["residual"],
                r["status"],
            ]
            for r in data["top_risks"]
        ],
        [1.8, 6.5, 3, 2, 2, 2],
    )
    story.append(Paragraph("Overdue treatments", styles["Heading2"]))
    if data["overdue"]:
        table(
            [["due", "days", "risk", "owner", "action"]]
            + [
                [
                    t["due"],
                    str(t["days_overdue"]),
                    t["risk_key"],
                    t["owner"],
                    Paragraph(html.escape(t["action"]), styles["BodyText"]),
                ]
                for t in data["overdue"]
            ],
            [2.2, 1.2, 2, 3, 9],
        )
    else:
        story.append(Paragraph("None.", styles["Normal"]))
    if data.get("kris"):
        story.append(Paragraph("Key risk indicators (last reading)", styles["Heading2"]))
        table(
            [["KRI", "metric", "risk", "value", "status"]]
            + [
                [k["name"], k["metric"], k["risk_key"] or "-", _fmt(k["value"]), k["status"]]
                for k in data["kris"]
            ],
            [4, 4.5, 2, 2.5, 2],
        )
    if data.get("quant"):
        q = data["quant"]
        p = q["portfolio"]
        story.append(Paragraph("Loss quantification", styles["Heading2"]))
        story.append(
            Paragraph(
                html.escape(
                    f"{q['name']}: expected annual loss {p['mean']:,.0f} {q['currency']}, VaR 95% "
                    f"{p['var']['0.95']:,.0f}, expected shortfall 95% {p['es']['0.95']:,.0f} "
                    f"(seed {q['parameters']['seed']}, {q['parameters']['trials']} simulated years)"
                ),
                styles["Normal"],
            )
        )
        image("exceedance", 12)
    if data.get("maturity"):
        story.append(Paragraph("Capability maturity", styles["Heading2"]))
        image("radar", 9)
    if data.get("corridors"):
        story.append(Paragraph("Corridor risk", styles["Heading2"]))
        table(
            [["corridor", "risk", "origin", "destination", "route"]]
            + [
                [
                    f"{c['origin']} → {c['destination']}",
                    f"{c['risk']:.1f}",
                    f"{c['origin_risk']:.1f}",
                    f"{c['destination_risk']:.1f}",
                    f"{c['route_risk']:.1f}",
                ]
                for c in data["corridors"]
            ],
            [4, 2, 2, 2.5, 2],
        )
    if data.get("countries"):
        story.append(Paragraph("Riskiest countries", styles["Heading2"]))
        table(
            [["country", "index", "coverage"]]
            + [
                [f"{c['country']} {c['name']}", f"{c['index']:.1f}", f"{c['coverage']:.2f}"]
                for c in data["countries"]
            ],
            [7, 2.5, 2.5],
        )
    doc.build(story)
    return buf.getvalue()


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def rating_label(r: Mapping[str, Any] | None) -> str:
    if not r:
        return "-"
    return f"{r['likelihood']}×{r['impact']} {r['level']}"


def assemble(
    assessment: Mapping[str, Any],
    heatmap: Mapping[str, Any],
    overdue: Sequence[Mapping[str, Any]],
    *,
    kris: Sequence[Mapping[str, Any]] = (),
    quant: Mapping[str, Any] | None = None,
    maturity: Mapping[str, Any] | None = None,
    countries: Sequence[Mapping[str, Any]] = (),
    corridors: Sequence[Mapping[str, Any]] = (),
    top: int = 10,
    today: date | None = None,
) -> dict[str, Any]:
    """The report's data, from the pieces the service gathers."""
    top_risks = [
        {
            "key": r["key"],
            "title": r["title"],
            "owner": r["owner"],
            "category": r["category"],
            "inherent": rating_label(r["inherent"]),
            "residual": rating_label(r["residual"] or r["suggested_residual"]),
            "residual_level": (r["residual"] or r["suggested_residual"])["level"],
            "status": r["status"],
            "above_appetite": r["above_appetite"],
        }
        for r in risks_sorted(assessment["register"])[:top]
    ]
    return {
        "assessment": {k: assessment[k] for k in ("id", "name", "period", "matrix")},
        "generated": (today or date.today()).isoformat(),
        "heatmap": heatmap,
        "top_risks": top_risks,
        "overdue": [dict(t) for t in overdue if t["assessment_id"] == assessment["id"]],
        "kris": [dict(k) for k in kris],
        "quant": quant,
        "maturity": maturity,
        "countries": list(countries),
        "corridors": list(corridors),
    }
