"""The backtest's verdict: one plain sentence a revops lead can forward, from the figures.

The ranking is judged by the ROC AUC (the chance that a converter outscores a non-converter) and
its DeLong 95% interval, on the scale clinicians use for a diagnostic score (Hosmer and Lemeshow,
Applied Logistic Regression, 3rd ed., 5.2.4), with "barely better than chance" below 0.6:

    interval entirely below 0.5      worse than chance
    interval holds 0.5               no better than chance
    below 0.60                       barely better than chance
    0.60 to 0.70                     weak
    0.70 to 0.80                     fair
    0.80 to 0.90                     good
    0.90 and above                   excellent (worth checking no column leaks the outcome)

A backtest that cannot work says why: one outcome for every lead, one score for every lead,
one label for every lead, or none of the model's properties and events in the history.
"""

from __future__ import annotations

from typing import Any

RATINGS = ((0.6, "barely better than chance"), (0.7, "weak"), (0.8, "fair"), (0.9, "good"))


def rating(auc: float, low: float, high: float) -> str:
    """The words for an AUC and its 95% interval (see the module's table)."""
    if high < 0.5:
        return "worse than chance: leads with higher scores convert less"
    if low <= 0.5:
        return "no better than chance"
    for bound, words in RATINGS:
        if auc < bound:
            return words
    return "excellent (check that no column leaks the outcome)"


def verdict(summary: dict[str, Any], distinct_scores: int) -> str:
    """One line: how well the score ranks, and what keeps the backtest from showing more."""
    if summary["auc"] is None:
        head = "cannot judge the ranking: every lead in the history has the same outcome"
    elif distinct_scores == 1:
        head = "ranks nothing: the model gives every lead the same score"
    else:
        low, high = summary["auc_interval"]
        head = f"{rating(summary['auc'], low, high)} (ROC AUC {summary['auc']:.3f}, 95% interval {low:.3f}-{high:.3f})"
    notes = []
    labels = summary["conversion_by_label"]
    if len(labels) == 1:
        notes.append(f"every lead is labelled {next(iter(labels))}, so the labels sort nothing")
    missing = summary["missing_inputs"]
    lacks = [
        _share(len(missing[kind]), missing[f"read_{kind}"], words)
        for kind, words in (("properties", "properties"), ("events", "event types"))
        if missing[kind]
    ]
    if lacks:
        notes.append("the history lacks " + " and ".join(lacks))
    return "; ".join([head, *notes]) + "."


def _share(lacking: int, read: int, words: str) -> str:
    return f"all {read} of the model's {words}" if lacking == read else f"{lacking} of the model's {read} {words}"
