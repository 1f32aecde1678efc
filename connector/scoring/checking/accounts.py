"""Checking a model file's `[account]` section: how companies (accounts) are scored.

    [account]
    rollup = "top3_mean"   # "sum", "max" or "top3_mean" of the contacts' engagement scores
    cap = 100              # the account's engagement is held at most here (default: scores.engagement.max)
    [[account.fit]]        # fit rules on company properties, written like [[fit]]
    [[account.labels]]     # optional: the contacts' [[labels]] when left out
    [account.grade]        # optional: the contacts' [grade] when left out

Problems are reported like the rest of the file's (file:line, field path, fix).
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.scoring import limits
from connector.scoring.checking.report import suggest, type_name
from connector.scoring.checking.verdicts import VerdictChecks
from connector.scoring.compiled import ROLLUPS, AccountModel, Band, Bounds, Label, ScoringModel
from connector.scoring.decay import NO_DECAY

ACCOUNT_KEYS = ("rollup", "cap", "fit", "labels", "grade")


class AccountChecks(VerdictChecks):
    """The [account] section, checked after the contacts' parts it may fall back on."""

    def parse_account(self, table: object, contact: ScoringModel) -> AccountModel | None:
        """The section as an AccountModel; `contact` is the rest of the file (its lists, groups,
        bounds, labels and grade) as checked so far. None when the file has no [account] (or
        it has problems, which are reported)."""
        if table is None:
            return None
        line = self.header_line("account")
        if not isinstance(table, dict):
            self.problem("account", f"expected a table, got {type_name(table)}",
                         'write it as an [account] section with rollup = "top3_mean"', line)
            return None
        self.keys(table, ACCOUNT_KEYS, "account", line)
        rollup = self.rollup(table, line)
        cap = self.cap(table, line, contact.engagement_bounds)
        bounds = Bounds(contact.engagement_bounds.min, cap)
        fit_rules = self.parse_fit_rules(table, contact.lists, contact.groups, "account.fit")
        labels: tuple[Label, ...] = contact.labels
        if "labels" in table:
            labels = tuple(self.parse_labels(table, contact.fit_bounds, bounds, "account.labels"))
        bands: tuple[tuple[Band, ...], tuple[Band, ...]] = (contact.fit_bands, contact.engagement_bands)
        if "grade" in table:
            fit_bands, engagement_bands = self.parse_grade(table["grade"], contact.fit_bounds, bounds, "account.grade")
            bands = (tuple(fit_bands), tuple(engagement_bands))
        if rollup is None:
            return None
        fit = ScoringModel(
            name=contact.name, version=contact.version, source=contact.source, description=contact.description,
            fit_bounds=contact.fit_bounds, engagement_bounds=bounds, lists=contact.lists,
            groups=contact.groups, fit_rules=tuple(fit_rules), engagement_rules=(),
            default_decay=NO_DECAY, labels=labels, fit_bands=bands[0], engagement_bands=bands[1],
            stages=(), stage_rules=(),
        )
        return AccountModel(fit, rollup, cap)

    def rollup(self, table: Mapping[str, object], line: int | None) -> str | None:
        rollup = self.value(table, "rollup", (str,), "account", line, required=True,
                            example='rollup = "top3_mean" (or "sum", "max")')
        if isinstance(rollup, str) and rollup not in ROLLUPS:
            self.problem("account.rollup", f"unknown rollup '{rollup}'", suggest(rollup, list(ROLLUPS)),
                         self.key_line(line, "rollup"))
            return None
        return rollup  # type: ignore[return-value]

    def cap(self, table: Mapping[str, object], line: int | None, engagement: Bounds) -> int:
        cap = self.whole(table, "cap", "account", line, (-limits.TOTAL, limits.TOTAL), example="cap = 100")
        if cap is None:
            return engagement.max
        if cap <= engagement.min:
            self.problem("account.cap", f"must be above the engagement minimum ({engagement.min}), got {cap}",
                         f"write a cap above {engagement.min}, e.g. cap = {engagement.max}", self.key_line(line, "cap"))
            return engagement.max
        return cap
