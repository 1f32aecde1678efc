"""Checking a model file's `[calibration]` table: a score's conversion probability.

    [calibration]
    horizon_days = 90            # converted within this many days of being scored like this
    leads = 1200                 # the held-out leads it was estimated on
    conversions = 210            # how many of them converted
    outcome = "became customers" # optional: how the reasons' sentence says it
    [[calibration.band]]         # ascending by score; probability never falls as the score rises
    min_score = 0                # fit + engagement at least this (the first band: every lower score too)
    probability = 3.5            # percent of the band's leads that converted
    leads = 400                  # the band's leads (the bands' leads add up to `leads`)

`leadscore fit` and `leadscore backtest --calibrate` write it (docs/scoring-model.md,
"Calibration"). Problems are reported like the rest of the file's (file:line, field path, fix).
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.scoring import limits
from connector.scoring.checking.accounts import AccountChecks
from connector.scoring.checking.report import type_name
from connector.scoring.compiled import Bounds, Calibration, CalibrationBand

CALIBRATION_KEYS = ("horizon_days", "leads", "conversions", "outcome", "band")
BAND_KEYS = ("min_score", "probability", "leads")
DEFAULT_OUTCOME = "converted"
MAX_LEADS = 10**12


class CalibrationChecks(AccountChecks):
    """The [calibration] table, checked against the score bounds it must cover."""

    def parse_calibration(self, table: object, fit: Bounds, engagement: Bounds) -> Calibration | None:
        """The table as a Calibration; None when the file has none (or it has problems, which
        are reported)."""
        if table is None:
            return None
        line = self.header_line("calibration")
        if not isinstance(table, dict):
            self.problem("calibration", f"expected a table, got {type_name(table)}",
                         "write it as a [calibration] section with horizon_days, leads, conversions and "
                         "[[calibration.band]] tables", line)
            return None
        before = len(self.problems)
        self.keys(table, CALIBRATION_KEYS, "calibration", line)
        horizon = self._required_whole(table, "horizon_days", line, (1, limits.DAYS), "horizon_days = 90")
        leads = self._required_whole(table, "leads", line, (1, MAX_LEADS), "leads = 1200")
        conversions = self._required_whole(table, "conversions", line, (0, MAX_LEADS), "conversions = 210")
        if leads is not None and conversions is not None and conversions > leads:
            self.problem("calibration.conversions", f"{conversions} conversions among {leads} leads",
                         "write at most as many conversions as leads", self.key_line(line, "conversions"))
        outcome = self.plain(table, "outcome", "calibration", line, example='outcome = "became customers"')
        bands = self._bands(table, fit.min + engagement.min, leads)
        if len(self.problems) > before or horizon is None or leads is None or conversions is None:
            return None
        return Calibration(horizon, leads, conversions, outcome or DEFAULT_OUTCOME, tuple(bands))

    def _required_whole(self, table: Mapping[str, object], key: str, line: int | None, bounds: tuple[int, int],
                        example: str) -> int | None:
        if key not in table:
            self.problem(f"calibration.{key}", f"'{key}' is missing", f"add {example}", line)
            return None
        return self.whole(table, key, "calibration", line, bounds, example=example)

    def _bands(self, table: Mapping[str, object], lowest: int, leads: int | None) -> list[CalibrationBand]:
        tables = self.tables(table, "band", "calibration.band")
        if not tables:
            self.problem("calibration.band", "no [[calibration.band]] defined",
                         f"add at least one, e.g. [[calibration.band]] min_score = {lowest} probability = 10.0 leads = 300",
                         self.header_line("calibration"))
            return []
        bands: list[CalibrationBand] = []
        for index, band in enumerate(tables):
            found = self._band(band, index)
            if found is None:
                continue
            path, line = f"calibration.band[{index + 1}]", self.header_line("calibration.band", index)
            if bands and found.min_score <= bands[-1].min_score:
                self.problem(f"{path}.min_score", f"{found.min_score} is not above the band before's {bands[-1].min_score}",
                             "list the bands by ascending min_score, each once", self.key_line(line, "min_score"))
            elif bands and found.probability < bands[-1].probability:
                self.problem(f"{path}.probability", f"{found.probability:g}% is below the band before's "
                             f"{bands[-1].probability:g}%: a higher score would be given a lower probability",
                             "make the probabilities rise (or stay) with the score: merge the two bands, or "
                             "estimate the table again with leadscore backtest --calibrate", self.key_line(line, "probability"))
            bands.append(found)
        if bands and bands[0].min_score > lowest:
            self.problem("calibration.band[1].min_score", f"{bands[0].min_score} leaves the scores from {lowest} "
                         "(the lowest a lead can score) without a band", f"write min_score = {lowest} in the first band",
                         self.key_line(self.header_line("calibration.band"), "min_score"))
        counted = sum(b.leads for b in bands)
        if leads is not None and len(bands) == len(tables) and counted != leads:
            self.problem("calibration.leads", f"is {leads}, but the bands hold {counted} leads",
                         f"write leads = {counted}, or correct the bands' leads", self.key_line(self.header_line("calibration"), "leads"))
        return bands

    def _band(self, band: Mapping[str, object], index: int) -> CalibrationBand | None:
        path, line = f"calibration.band[{index + 1}]", self.header_line("calibration.band", index)
        self.keys(band, BAND_KEYS, path, line)
        values = []
        for key, bounds, example in (("min_score", (-2 * limits.TOTAL, 2 * limits.TOTAL), "min_score = 40"),
                                     ("leads", (1, MAX_LEADS), "leads = 300")):
            if key not in band:
                self.problem(f"{path}.{key}", f"'{key}' is missing", f"add {example}", line)
            values.append(self.whole(band, key, path, line, bounds, example=example) if key in band else None)
        probability = self.number(band, "probability", path, line, required=True, example="probability = 12.5",
                                  bounds=(0.0, 100.0))
        if None in values or probability is None:
            return None
        return CalibrationBand(values[0], probability, values[1])  # type: ignore[arg-type]
