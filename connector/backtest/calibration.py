"""A calibration table: a score's conversion probability within a horizon, estimated on held-out
leads, and how close a table's probabilities come to what happened (the reliability curve).

The estimate is isotonic regression (pool adjacent violators) on the scores, then monotone
smoothing: neighbouring steps are pooled until each holds at least `min_band_leads` leads. Why
isotonic rather than fixed bins: the scores are whole numbers with many ties and an uneven spread,
so any fixed bin edges would be arbitrary, and a binned estimate can fall as the score rises by
chance; isotonic regression is the closest non-decreasing step function to the outcomes (least
squares), so a higher score never gets a lower probability, and its steps fall where the data
changes. Raw, its end steps can rest on a handful of leads (a 100% from 3 leads); pooling them
into bands of at least 30 leads (or a twentieth of the sample: at most 20 bands) keeps every
printed percent backed by enough leads and the table short enough to read. Pooling neighbours of
a non-decreasing sequence keeps it non-decreasing.

The expected calibration error (ECE) is the mean gap between predicted and observed conversion,
weighted by leads, over the table's bands: 0 when every band converts exactly as printed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from datetime import datetime

import numpy as np
from sklearn.model_selection import StratifiedKFold

from connector.backtest.compact import as_of_leads, outcomes_of
from connector.backtest.loader import LeadHistory
from connector.errors import UserError
from connector.scoring import ScoringModel, score_lead
from connector.scoring.compiled import Calibration, CalibrationBand

MIN_BAND_LEADS = 30
MAX_BANDS = 20
MIN_CONVERSIONS = 10  # fewer held-out conversions than this: no table (its percents would be noise)
DEFAULT_HORIZON_DAYS = 90


@dataclass
class _Block:
    low: float  # the lowest score the block holds
    leads: int
    wins: int

    @property
    def rate(self) -> float:
        return self.wins / self.leads


def estimate(scores: Sequence[float], outcomes: Sequence[int], horizon_days: int, outcome: str, lowest: int
             ) -> Calibration:
    """The table from held-out `scores` (fit + engagement) and their `outcomes` (converted within
    `horizon_days`); the first band starts at `lowest`, the lowest score a lead can get."""
    s, y = np.asarray(scores, dtype=float), np.asarray(outcomes, dtype=int)
    least = max(MIN_BAND_LEADS, math.ceil(len(s) / MAX_BANDS))
    blocks = _smoothed(_pooled(s, y), least)
    bands = [CalibrationBand(lowest if i == 0 else int(math.ceil(b.low)), round(100 * b.rate, 1), b.leads)
             for i, b in enumerate(blocks)]
    return Calibration(horizon_days, int(len(s)), int(y.sum()), outcome, tuple(bands))


def _pooled(s: np.ndarray, y: np.ndarray) -> list[_Block]:
    """Pool adjacent violators: one block per distinct score, merged while a block converts
    better than the one above it."""
    stack: list[_Block] = []
    order = np.argsort(s, kind="stable")
    values, first, counts = np.unique(s[order], return_index=True, return_counts=True)
    wins = np.add.reduceat(y[order], first) if len(s) else np.array([])
    for value, n, w in zip(values, counts, wins):
        stack.append(_Block(float(value), int(n), int(w)))
        while len(stack) > 1 and stack[-2].rate >= stack[-1].rate:
            top = stack.pop()
            stack[-1] = _Block(stack[-1].low, stack[-1].leads + top.leads, stack[-1].wins + top.wins)
    return stack


def _smoothed(blocks: list[_Block], least: int) -> list[_Block]:
    """The smallest block pooled with the neighbour nearest its rate, until every block holds
    at least `least` leads (or one block is left)."""
    blocks = list(blocks)
    while len(blocks) > 1 and min(b.leads for b in blocks) < least:
        i = min(range(len(blocks)), key=lambda k: blocks[k].leads)
        if i == 0:
            j = 1
        elif i == len(blocks) - 1:
            j = i - 1
        else:
            j = i - 1 if blocks[i].rate - blocks[i - 1].rate <= blocks[i + 1].rate - blocks[i].rate else i + 1
        a, b = sorted((i, j))
        blocks[a:b + 1] = [_Block(blocks[a].low, blocks[a].leads + blocks[b].leads, blocks[a].wins + blocks[b].wins)]
    return blocks


def probabilities(calibration: Calibration, scores: Sequence[float]) -> np.ndarray:
    """Each score's percent, looked up as the scoring core does."""
    return np.array([calibration.probability(int(score)) for score in scores], dtype=float)


def cross_fitted(scores: Sequence[float], outcomes: Sequence[int], lowest: int, folds: int = 5, seed: int = 0
                 ) -> np.ndarray:
    """Each lead's percent from a table estimated without it (K folds): what a table estimated
    on this sample predicts for leads it never saw."""
    s, y = np.asarray(scores, dtype=float), np.asarray(outcomes, dtype=int)
    out = np.zeros(len(s))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(s.reshape(-1, 1), y):
        table = estimate(s[train], y[train], 1, "", lowest)
        out[test] = probabilities(table, s[test])
    return out


def reliability(predicted: Sequence[float], outcomes: Sequence[int]) -> dict:
    """The reliability curve (per predicted percent: the leads, the mean predicted and the
    observed conversion, in percent) and the expected calibration error in percentage points.
    Predictions are grouped by value (a table's bands); more than MAX_BANDS values, by equal
    numbers of leads."""
    p, y = np.asarray(predicted, dtype=float), np.asarray(outcomes, dtype=int)
    values = np.unique(p)
    if len(values) <= MAX_BANDS:
        groups = [p == v for v in values]
    else:
        order = np.argsort(p, kind="stable")
        groups = []
        for chunk in np.array_split(order, MAX_BANDS):
            mask = np.zeros(len(p), bool)
            mask[chunk] = True
            groups.append(mask)
    bins = [{"leads": int(g.sum()), "predicted": float(p[g].mean()), "observed": float(100 * y[g].mean())}
            for g in groups if g.any()]
    ece = sum(b["leads"] * abs(b["observed"] - b["predicted"]) for b in bins) / max(len(p), 1)
    return {"leads": int(len(p)), "conversions": int(y.sum()), "bins": bins, "ece": float(ece)}


def table_text(calibration: Calibration, how: str) -> str:
    """The [calibration] table as model file text; `how` says where it was estimated."""
    lines = [
        "[calibration]",
        f"# Of leads scored like this (fit + engagement), the percent that {calibration.outcome} within",
        f"# horizon_days, estimated on {how}.",
        f"# Isotonic regression on the scores, pooled into bands of at least {MIN_BAND_LEADS} leads (docs/scoring-model.md,",
        "# \"Calibration\"). The sync writes the percent as the probability field; the reasons end with its sentence.",
        f"horizon_days = {calibration.horizon_days}",
        f"leads = {calibration.leads}",
        f"conversions = {calibration.conversions}",
        f'outcome = "{calibration.outcome}"',
    ]
    for band in calibration.bands:
        lines += ["", "[[calibration.band]]", f"min_score = {band.min_score}",
                  f"probability = {band.probability:.1f}", f"leads = {band.leads}"]
    return "\n".join(lines) + "\n"


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def with_table(model_text: str, table: str) -> str:
    """The model file's text with its [calibration] table (if any) replaced by `table`, at the end."""
    kept, inside = [], False
    for line in model_text.splitlines():
        header = _HEADER.match(line)
        if header:
            inside = header[1] in ("calibration", "calibration.band")
        if not inside:
            kept.append(line)
    return "\n".join(kept).rstrip() + "\n\n" + table


def scored_sample(model: ScoringModel, history: LeadHistory, cutoff: datetime, horizon_days: int | None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The model's scores (fit + engagement) of the leads a table is estimated or checked on,
    each as of its moment, and their outcomes within the horizon: the --from-crm snapshot, else
    (an export whose outcome window is told with --horizon-days) the leads themselves; None
    when there is none."""
    items = history.snapshot if history.snapshot is not None else history.leads if horizon_days is not None else None
    if items is None:
        return None
    leads, nows = as_of_leads(items, cutoff)
    results = (score_lead(lead, model, now) for lead, now in zip(leads, nows))
    return (np.array([r.fit + r.engagement for r in results], dtype=float),
            np.array(outcomes_of(items), dtype=int))


def check_table(model: ScoringModel, scores: np.ndarray, outcomes: np.ndarray) -> dict:
    """The reliability of the model's own table on these leads (held out from it, when the
    history is not the one it was estimated on)."""
    table = model.calibration
    assert table is not None
    return {**reliability(probabilities(table, scores), outcomes), "table": "the model's",
            "horizon_days": table.horizon_days}


def calibrate(model: ScoringModel, scores: np.ndarray, outcomes: np.ndarray, horizon_days: int, outcome: str
              ) -> tuple[Calibration, dict]:
    """A new table for the model from these leads' scores, and its reliability cross-fitted
    (each lead's percent from a table estimated without it)."""
    if outcomes.sum() < MIN_CONVERSIONS or len(outcomes) - outcomes.sum() < MIN_CONVERSIONS:
        raise UserError(f"--calibrate: {int(outcomes.sum())} of {len(outcomes):,} leads converted within {horizon_days} days; "
                        f"a table needs at least {MIN_CONVERSIONS} of each outcome; fix: a longer --horizon-days, or a "
                        "history with more leads.")
    lowest = model.fit_bounds.min + model.engagement_bounds.min
    table = estimate(scores, outcomes, horizon_days, outcome, lowest)
    check = reliability(cross_fitted(scores, outcomes, lowest), outcomes)
    return table, {**check, "table": "written (cross-fitted)", "horizon_days": horizon_days}
