"""The backtest report: one self-contained HTML file (charts inline) with the PNGs beside it.

The HTML has no external reference at all (no scripts, fonts or style sheets from the web), so it
opens offline and can be attached to an e-mail. Charts are drawn with matplotlib's Agg backend
(no display needed).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402

from connector.backtest import metrics  # noqa: E402
from connector.backtest.summary import ModelFacts, ScoredLead, split_grade  # noqa: E402

CONVERTED, OTHER = "#1b7f3b", "#9aa5b1"
CHARTS = ("roc", "gains", "labels", "grades", "distribution", "rules")  # and "reliability", with a calibration check


def _figure(width: float = 5.2, height: float = 3.6) -> tuple[Figure, Any]:
    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _roc(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts) -> Figure:
    fig, ax = _figure()
    outcomes = [s.outcome for s in scored]
    if summary["auc"] is not None:
        fpr, tpr, _ = metrics.roc_curve([s.total for s in scored], outcomes)
        ax.plot(fpr, tpr, color=CONVERTED, lw=2, label=f"score (AUC {summary['auc']:.3f})")
    ax.plot([0, 1], [0, 1], color=OTHER, ls="--", label="random (AUC 0.5)")
    ax.set(xlabel="share of non-converters called", ylabel="share of converters called", title="ROC curve")
    ax.legend(loc="lower right", frameon=False)
    return fig


def _gains(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts) -> Figure:
    fig, ax = _figure()
    deciles = summary["deciles"]
    xs = [0] + [d["decile"] * 10 for d in deciles]
    ax.plot(xs, [0] + [d["cumulative_gain"] * 100 for d in deciles], marker="o", color=CONVERTED, lw=2, label="by score")
    ax.plot([0, 100], [0, 100], color=OTHER, ls="--", label="random")
    ax.set(xlabel="% of leads, highest scores first", ylabel="% of all conversions", title="Cumulative gains")
    ax.legend(loc="lower right", frameon=False)
    return fig


def _errors(rates: Sequence[dict]) -> list[list[float]]:
    """Error bar lengths (points of %) below and above each rate; never negative, though a Wilson
    bound at a rate of 0 or 1 can miss it by a rounding error."""
    return [[max(0.0, r["rate"] - r["low"]) * 100 for r in rates], [max(0.0, r["high"] - r["rate"]) * 100 for r in rates]]


def _bars_with_interval(ax: Any, names: list[str], rates: list[dict], color: str) -> None:
    values = [r["rate"] * 100 for r in rates]
    errors = _errors(rates)
    ax.bar(names, values, yerr=errors, color=color, capsize=4)
    for i, r in enumerate(rates):
        ax.annotate(f"{r['rate']:.0%}\nn={r['leads']}", (i, values[i]), ha="center", va="bottom", fontsize=8, xytext=(0, 6), textcoords="offset points")


def _labels(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts) -> Figure:
    fig, ax = _figure()
    by_label = summary["conversion_by_label"]
    _bars_with_interval(ax, list(by_label), list(by_label.values()), CONVERTED)
    ax.axhline(summary["conversion_rate"] * 100, color=OTHER, ls="--", label="all leads")
    ax.set(ylabel="conversion %", title="Conversion by label (95% interval)", ylim=(0, 115))
    ax.legend(loc="upper right", frameon=False)
    return fig


def _grades(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts) -> Figure:
    fig, ax = _figure()
    rows, cols = list(facts.fit_bands), list(facts.engagement_bands)
    grid = [[float("nan")] * len(cols) for _ in rows]
    counts = [[0] * len(cols) for _ in rows]
    for cell, r in summary["conversion_by_grade"].items():
        place = split_grade(cell, facts)
        if place:
            i, j = rows.index(place[0]), cols.index(place[1])
            grid[i][j], counts[i][j] = r["rate"] * 100, r["leads"]
    image = ax.imshow(grid, cmap="Greens", vmin=0, vmax=100, aspect="auto")
    for i in range(len(rows)):
        for j in range(len(cols)):
            text = "-" if not counts[i][j] else f"{grid[i][j]:.0f}%\nn={counts[i][j]}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="black" if not counts[i][j] or grid[i][j] < 60 else "white")
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(rows)), rows)
    ax.set(xlabel="engagement band", ylabel="fit band", title="Conversion by grade")
    fig.colorbar(image, ax=ax, label="conversion %")
    return fig


def _distribution(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts) -> Figure:
    fig, ax = _figure()
    converted = [s.total for s in scored if s.outcome]
    other = [s.total for s in scored if not s.outcome]
    low, high = min(s.total for s in scored), max(s.total for s in scored)
    bins = min(40, max(1, high - low + 1))
    ax.hist([other, converted], bins=bins, range=(low, high + 1), color=[OTHER, CONVERTED], label=["not converted", "converted"], histtype="stepfilled", alpha=0.6)
    ax.set(xlabel="score (fit + engagement)", ylabel="leads", title="Score distribution by outcome")
    ax.legend(frameon=False)
    return fig


def charted_rules(summary: dict) -> list[dict]:
    """The rules the chart shows: every rule that fired on some leads but not all (the others have
    no two groups to compare; `rule_notes` names them)."""
    return [r for r in summary["rules"] if r["status"] == "fires"]


def _rules(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts) -> Figure:
    rules = charted_rules(summary)
    fig, ax = _figure(6.4, max(2.4, 0.32 * len(rules) + 1.2))
    names = [r["rule"] + (" (wrong way round)" if r["wrong_way"] else "") for r in rules][::-1]
    for offset, key, color, label in ((-0.2, "with", CONVERTED, "fired"), (0.2, "without", OTHER, "did not fire")):
        values = [r[key]["rate"] * 100 for r in rules][::-1]
        errors = _errors([r[key] for r in rules][::-1])
        ax.barh([i + offset for i in range(len(names))], values, height=0.4, xerr=errors, color=color, label=label, capsize=2)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set(xlabel="conversion % (95% interval)", title="Conversion with and without each rule", xlim=(0, 100))
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    return fig


def _reliability(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts) -> Figure:
    fig, ax = _figure()
    for check, marker in zip(summary["reliability"], ("o", "s")):
        bins = check["bins"]
        ax.plot([b["predicted"] for b in bins], [b["observed"] for b in bins], marker=marker, lw=1.5,
                label=f"{check['table']} table (ECE {check['ece']:.1f} pts)")
    top = max([5.0, *(max(b["predicted"], b["observed"]) for c in summary["reliability"] for b in c["bins"])])
    ax.plot([0, top], [0, top], color=OTHER, ls="--", label="perfectly calibrated")
    ax.set(xlabel="predicted probability %", ylabel="observed conversion %", title="Reliability (calibration) curve")
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return fig


_DRAW: dict[str, Callable[[dict, Sequence[ScoredLead], ModelFacts], Figure]] = {
    "roc": _roc, "gains": _gains, "labels": _labels, "grades": _grades, "distribution": _distribution, "rules": _rules,
    "reliability": _reliability,
}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def headline_rows(summary: dict) -> list[tuple[str, str]]:
    """The figures the terminal and the report both lead with."""
    auc = summary["auc"]
    rows = [
        ("leads", f"{summary['leads']:,}"),
        ("converted", f"{summary['conversions']:,} ({summary['conversion_rate']:.1%})"),
        ("ROC AUC", "-" if auc is None else f"{auc:.3f}"),
        ("average precision", "-" if summary["average_precision"] is None else f"{summary['average_precision']:.3f}"),
    ]
    for top in (10, 20, 30):
        rows.append((f"top {top}% by score", f"converts {_pct(summary[f'top{top}_conversion'])}, holds {_pct(summary[f'top{top}_recall'])} of conversions"))
    for label, r in summary["conversion_by_label"].items():
        rows.append((f"label {label}", f"{r['leads']:,} leads, converts {r['rate']:.1%} ({r['low']:.1%}-{r['high']:.1%})"))
    for check in summary.get("reliability", []):
        rows.append((f"calibration ({check['table']} table)",
                     f"expected calibration error {check['ece']:.1f} points on {check['leads']:,} leads, "
                     f"{check['conversions']:,} converted within {check['horizon_days']} days"))
    return rows


def _reliability_tables(summary: dict) -> str:
    """Per table checked, its bands: predicted against observed, with the leads behind each."""
    parts = []
    for check in summary.get("reliability", []):
        rows = [(f"{b['predicted']:.1f}%", f"{b['observed']:.1f}%", b["leads"]) for b in check["bins"]]
        parts.append(f"<h3>{html.escape(check['table'])} table: expected calibration error {check['ece']:.1f} points</h3>"
                     + _table(["predicted", "observed", "leads"], rows))
    return ("<h2>Reliability of the probability</h2><p>Leads grouped by the probability the table gives them: "
            "a calibrated table's groups convert as predicted (the diagonal). The expected calibration error is the "
            "gap, weighted by leads.</p>" + "".join(parts)) if parts else ""


def _points(value: float | None) -> str:
    return "-" if value is None else f"{value:+g}"


def rule_notes(summary: dict) -> list[str]:
    """Plain sentences on the rules: which are left out of the chart and why, which point the
    wrong way round (beyond noise)."""
    notes = []
    for status, why in (("never fires", "never fired on these leads"), ("fires on every lead", "fired on every lead")):
        names = [r["rule"] for r in summary["rules"] if r["status"] == status]
        if names:
            notes.append(f"{len(names)} of {len(summary['rules'])} rules {why}, so there is nothing to compare them with "
                         f"and the chart leaves them out: {', '.join(names)}.")
    for r in summary["rules"]:
        if r["wrong_way"]:
            better = "better" if r["difference"] > 0 else "worse"
            notes.append(f"wrong way round: {r['rule']} gives {_points(r['points'])} points, yet its leads convert {better} "
                         f"({r['with']['rate']:.1%} against {r['without']['rate']:.1%}; difference {_difference(r)}).")
    return notes


def _difference(r: dict) -> str:
    if r["difference"] is None:
        return r["status"]
    low, high = r["difference_interval"]
    return f"{r['difference'] * 100:+.1f} pts ({low * 100:+.1f} to {high * 100:+.1f})"


def _clear(r: dict) -> str:
    if r["difference"] is None:
        return "-"
    return "wrong way round" if r["wrong_way"] else "yes" if r["significant"] else "noise?"


def _rate_text(r: dict) -> str:
    return f"{r['rate']:.1%} ({r['low']:.1%}-{r['high']:.1%}, n={r['leads']})"


def _html(summary: dict, images: dict[str, bytes], title: str) -> str:
    charted, total = len(charted_rules(summary)), len(summary["rules"])
    captions = {"rules": f"{charted} of {total} rules: the others never fired or fired on every lead (see Rules)" if charted < total else ""}
    figures = "".join(
        f'<figure><img alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'
        + (f"<figcaption>{html.escape(captions[name])}</figcaption>" if captions.get(name) else "")
        + "</figure>"
        for name, data in images.items()
    )
    deciles = _table(
        ["decile", "leads", "conversions", "conversion", "lift", "cumulative gain (recall)", "top-so-far conversion (precision)"],
        [(d["decile"], d["leads"], f"{d['conversions']:.1f}", _pct(d["conversion"]), f"{d['lift']:.2f}", _pct(d["cumulative_gain"]),
          _pct(d["cumulative_conversion"])) for d in summary["deciles"]],
    )
    calibration = _table(
        ["score band", "mean score", "leads", "conversion (95%)"],
        [(b["band"], f"{b['mean_score']:.1f}", b["leads"], _rate_text(b)) for b in summary["calibration"]],
    )
    rules = _table(
        ["rule", "checks", "points", "fired", "converts when fired (95%)", "converts otherwise (95%)", "difference (95%)", "clear?"],
        [(r["rule"], r["checks"], _points(r["points"]), f"{r['fired']} ({r['fire_rate']:.1%})", _rate_text(r["with"]) if r["fired"] else "-",
          _rate_text(r["without"]) if r["without"]["leads"] else "-", _difference(r), _clear(r)) for r in summary["rules"]],
    )
    grades = _table(["grade", "conversion (95%)"], [(cell, _rate_text(r)) for cell, r in summary["conversion_by_grade"].items()])
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in summary["warnings"])
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in rule_notes(summary))
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
        "th{background:#f2f4f7}figure{display:inline-block;margin:0.5em}img{max-width:100%}.verdict{font-size:1.15em}"
    )
    return (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title><style>{style}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class=\"verdict\"><strong>Verdict:</strong> {html.escape(summary['verdict'])}</p>"
        + _table(["figure", "value"], headline_rows(summary))
        + (f"<h2>Warnings</h2><ul>{warnings}</ul>" if warnings else "")
        + f"<h2>Charts</h2>{figures}"
        + f"<h2>Lift, gains and precision-recall by decile</h2>{deciles}<h2>Calibration</h2>{calibration}"
        + _reliability_tables(summary)
        + f"<h2>Conversion by grade</h2>{grades}"
        + "<h2>Rules</h2><p>How often each rule fired, and the conversion rate of the leads it fired on against the rest "
        "(Wilson 95% intervals; the difference's interval by Newcombe's method). \"noise?\" means the difference's interval "
        "holds zero: the data cannot tell the rule matters. \"wrong way round\": a rule taking points away whose leads convert "
        "better, or one giving points whose leads convert worse. It asks for a look, not a fix: the comparison is with all "
        "the other leads, so a rule that adds a little to leads another rule favours much more can look wrong way round.</p>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + rules
        + "</body></html>"
    )


def write_report(summary: dict, scored: Sequence[ScoredLead], facts: ModelFacts, out_dir: Path | str) -> Path:
    """Write `index.html` and one PNG per chart into `out_dir`; return the HTML's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    charts = [*CHARTS, *(["reliability"] if summary.get("reliability") else [])]
    images = {name: _png(_DRAW[name](summary, scored, facts)) for name in charts}
    for name, data in images.items():
        (out / f"{name}.png").write_bytes(data)
    title = f"Backtest of {facts.name} {facts.version}"
    page = out / "index.html"
    page.write_text(_html(summary, images, title), encoding="utf-8")
    return page
