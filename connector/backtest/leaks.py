"""Columns too good to be true: a property that alone nearly decides the outcome was most likely
filled in after contact (a sales note, a status) and leaks the outcome into its own prediction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sklearn.model_selection import StratifiedKFold

from connector.backtest import metrics
from connector.backtest.candidates import Candidates
from connector.scoring.types import Lead

SUSPECT_AUC = 0.85  # one column alone ranking this well is rare for what is known before contact
SUSPECT_RATE = 0.02  # a frequent value converting above 98% or below 2%
SUSPECT_SHARE = 0.05  # ... held by at least this share of the leads


def single_column_auc(cases: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """Held-out ROC AUC of one column alone: each case scored by its conversion rate in the other
    folds (so a column of ids, unique per lead, scores 0.5, not 1)."""
    scores = np.zeros(len(y))
    prior = y.mean()
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(cases, y):
        n = np.bincount(cases[train], minlength=cases.max() + 1)
        wins = np.bincount(cases[train], weights=y[train], minlength=cases.max() + 1)
        scores[test] = ((wins + prior) / (n + 1))[cases[test]]
    return metrics.roc_auc(scores, y)


def suspects(candidates: Candidates, leads: Sequence[Lead], nows: Sequence[datetime], outcomes: Sequence[int]) -> list[str]:
    """One warning per property whose relationship to the outcome is too good to be true."""
    y = np.asarray(outcomes, dtype=int)
    if y.min() == y.max():
        return []
    found = []
    every = np.array([[group.case_of(lead, now) for group in candidates.groups] for lead, now in zip(leads, nows)],
                     dtype=int).reshape(len(y), len(candidates.groups))  # one pass over the leads
    for k, group in enumerate(candidates.groups):
        cases = every[:, k]
        auc = single_column_auc(cases, y)
        share = np.bincount(cases, minlength=len(group.cases)) / len(y)
        rates = np.bincount(cases, weights=y, minlength=len(group.cases)) / np.maximum(np.bincount(cases, minlength=len(group.cases)), 1)
        extreme = [
            f"{group.cases[i]!r} converts {rates[i]:.0%} ({share[i]:.0%} of leads)"
            for i in range(len(group.cases))
            if share[i] >= SUSPECT_SHARE and (rates[i] >= 1 - SUSPECT_RATE or rates[i] <= SUSPECT_RATE)
        ]
        if auc >= SUSPECT_AUC or extreme:
            why = f"alone it ranks leads with ROC AUC {auc:.2f}" + (f"; {'; '.join(extreme)}" if extreme else "")
            found.append(
                f"property {group.property!r} is too good to be true ({why}): if it is filled in after contact, "
                "list its column under [post_contact] in the mapping file"
            )
    return found
