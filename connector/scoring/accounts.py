"""`score_account`: one company (account), its contacts' engagement scores, the model's
`[account]` section and `now` → fit, engagement, label, grade and reasons.

Pure, like `score_lead`: fit comes from the account's own properties through the section's fit
rules (the same engine, so the same value reading, caps and reasons that add up); engagement is
rolled up from the contributions (the contacts' engagement scores), not from events. The
reasons name the contacts that contribute most, with points that add up to the engagement; the
rest are summed in one line, and the cap shows as a bound line, as a lead's bounds do.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connector.scoring.caps import Entry
from connector.scoring.compiled import AccountModel, Bounds
from connector.scoring.engine import _band, _label, _total, score_lead
from connector.scoring.points import to_points, to_units
from connector.scoring.reasons import make_reason
from connector.scoring.types import Account, Contribution, Lead, Reason, ScoreResult

ROLLUP_RULE = "contacts_rollup"  # the rule id engagement reasons carry


def score_account(account: Account, contributions: Sequence[Contribution], section: AccountModel,
                  now: datetime) -> ScoreResult:
    """Score one account from its properties and its contacts' engagement scores."""
    model = section.fit
    fitted = score_lead(Lead(account.id, account.properties), model, now)
    reasons: list[Reason] = [r for r in fitted.reasons if r.score == "fit"]
    bounds = Bounds(model.engagement_bounds.min, section.cap)
    engagement = _total(_rollup(contributions, section), model, bounds, "engagement", reasons)
    label = _label(model, fitted.fit, engagement)
    grade = _band(model.fit_bands, fitted.fit) + _band(model.engagement_bands, engagement)
    return ScoreResult(account.id, fitted.fit, engagement, label, grade, None, tuple(reasons),
                       fitted.warnings, model.name, model.version)


def top_contributors(contributions: Sequence[Contribution]) -> list[Contribution]:
    """Contacts by engagement, highest first (ties by id, so the order is stable)."""
    return sorted(contributions, key=lambda c: (-c.engagement, c.contact_id))


def _rollup(contributions: Sequence[Contribution], section: AccountModel) -> list[Entry]:
    """What each contributing contact adds to the account's engagement, as the engine's
    entries: every contact (sum), the highest (max), or a third of each of the top three
    (top3_mean; a mean of fewer when the account has fewer contacts). A contact with no
    engagement still counts in the mean (one engaged contact of three is a third of the
    interest), but adds no entry: a reason worth 0 points tells the rep nothing."""
    ranked = top_contributors(contributions)
    if section.rollup == "max":
        counted, divisor = ranked[:1], 1
    elif section.rollup == "top3_mean":
        counted, divisor = ranked[:3], max(1, min(3, len(ranked)))
    else:
        counted, divisor = ranked, 1
    counted = [c for c in counted if c.engagement != 0]
    named, rest = counted[: section.named], counted[section.named:]
    entries = [_entry(i, to_units(c.engagement / divisor), f"contact {c.name} (engagement {c.engagement})")
               for i, c in enumerate(named)]
    if rest:
        units = sum(to_units(c.engagement / divisor) for c in rest)
        entries.append(_entry(len(named), units, f"{len(rest)} other contacts"))
    return entries


def _entry(index: int, units: int, body: str) -> Entry:
    reason = make_reason(ROLLUP_RULE, "engagement", to_points(units), body, "")
    return Entry(index, units, None, reason, body, "",
                 ROLLUP_RULE)
