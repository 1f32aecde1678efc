"""Write a fitted points table as a normal, commented scoring model file.

Every group of cases becomes rules the core evaluates exactly as the fit did, none of which fires
on every lead (the weakest case of a group gets 0 points, so every score starts at 0):
- text: `is_empty` (missing), `not_one_of` the listed values (the "other values" points), then
  `equals` per frequent value, each with its case's own points;
- number: `is_empty`, `is_set` (the anchor bin, the weakest: usually 0 points), then the steps
  from the anchor: `lte` per edge below it, `gte` per edge above it;
- capped event counts: an engagement rule with points per event and `max_events`, no decay (or a
  step window of N days for a recency count).
A rule worth 0 points is left out. Each rule's comment says how its case converted in the data
("78 of 130 leads converted").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from connector.backtest.candidates import NumberGroup, TextGroup, show_number
from connector.backtest.fit import FittedModel

STAGE_ORDER = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist")


@dataclass(frozen=True, slots=True)
class FitContext:
    """What the header comment says about where the model came from."""

    name: str
    source: str
    leads: int
    conversions: int
    left_out: Sequence[str]
    validation: str  # held-out figures, one line each
    c: float
    events: frozenset[str] = frozenset()  # the event types the history holds


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class _Ids:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def make(self, *parts: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "_", "_".join(parts).lower()).strip("_")[:60] or "rule"
        rule_id, n = base, 2
        while rule_id in self.seen:
            rule_id, n = f"{base}_{n}", n + 1
        self.seen.add(rule_id)
        return rule_id


def _case_note(case_leads: np.ndarray, case_wins: np.ndarray, index: int) -> str:
    n, wins = int(case_leads[index]), int(case_wins[index])
    return f"{wins:,} of {n:,} leads converted ({wins / n:.0%})" if n else "no lead in the data"


def _rule(ids: _Ids, comment: str, prop: str, op: str, points: int, reason: str, extra: str = "") -> str:
    presence = op in ("is_empty", "is_set")
    id_part = "" if presence else "other" if op == "not_one_of" else extra
    return (
        f"# {comment}\n[[fit]]\nid = {_q(ids.make(prop, op if presence else '', id_part))}\n"
        f"property = {_q(prop)}\nop = \"{op}\"\n{'' if not extra or presence else extra + chr(10)}"
        f"points = {points}\nreason = {_q(reason)}\n"
    )


def _text_rules(ids: _Ids, group: TextGroup, points: Sequence[int], leads: np.ndarray, wins: np.ndarray) -> list[str]:
    """`is_set` with the points every given value gets (only when some lead has none, so it never
    fires on every lead), then each case's difference to that."""
    prop, words = group.property, group.property.replace("_", " ")
    base = min(points[1:]) if leads[0] else 0
    rules = []
    if points[0]:
        rules.append(_rule(ids, f"{words} missing: {_case_note(leads, wins, 0)}", prop, "is_empty", points[0], f"no {words}"))
    if base:
        given = int(leads[1:].sum())
        rules.append(_rule(ids, f"{words} given: {int(wins[1:].sum()):,} of {given:,} leads converted ({wins[1:].sum() / given:.0%})",
                           prop, "is_set", base, f"{words}: {{value}}"))
    if points[1] - base:
        listed = "value = [" + ", ".join(_q(level) for level in group.levels) + "]"
        note = f"{words} given, none of the values below: {_case_note(leads, wins, 1)}; {points[1]} points in all"
        rules.append(_rule(ids, note, prop, "not_one_of", points[1] - base, f"{words}: {{value}}", listed))
    for i, level in enumerate(group.levels):
        if points[2 + i] - base:
            note = f"{words} = {level}: {_case_note(leads, wins, 2 + i)}; {points[2 + i]} points in all"
            rules.append(_rule(ids, note, prop, "equals", points[2 + i] - base, f"{words}: {{value}}", f"value = {_q(level)}"))
    return rules


def _number_rules(ids: _Ids, group: NumberGroup, points: Sequence[int], leads: np.ndarray, wins: np.ndarray) -> list[str]:
    """Steps counted from the anchor bin (see NumberGroup): `lte` below it, `gte` above it."""
    prop, words = group.property, group.property.replace("_", " ")
    anchor = 1 + group.closed
    rules = []
    if points[0]:
        rules.append(_rule(ids, f"{words} missing: {_case_note(leads, wins, 0)}", prop, "is_empty", points[0], f"no {words}"))
    if points[anchor]:
        note = f"{words} given; {group.cases[anchor]} (or not a number): {_case_note(leads, wins, anchor)}"
        rules.append(_rule(ids, note, prop, "is_set", points[anchor], f"{words}: {{value}}"))
    for j, edge in enumerate(group.edges):
        below, above = 1 + j, 2 + j
        op, case, step = ("lte", below, points[below] - points[above]) if j < group.closed else ("gte", above, points[above] - points[below])
        if step:
            sign = "<=" if op == "lte" else ">="
            note = f"{words} {sign} {show_number(edge)}: {_case_note(leads, wins, case)} in the bin {group.cases[case]}; {points[case]} points in all"
            rules.append(_rule(ids, note, prop, op, step, f"{words} {sign} {show_number(edge)}: {{value}}", f"value = {show_number(edge)}"))
    return rules


def _group_rules(ids: _Ids, group: TextGroup | NumberGroup, points: Sequence[int], leads: np.ndarray, wins: np.ndarray) -> list[str]:
    if isinstance(group, TextGroup):
        return _text_rules(ids, group, points, leads, wins)
    return _number_rules(ids, group, points, leads, wins)


def _engagement_rules(ids: _Ids, fitted: FittedModel) -> list[str]:
    rules = []
    for count, points in zip(fitted.points.candidates.counts, fitted.points.count_points):
        if not points:
            continue
        window = "" if count.window_days is None else f" in the last {count.window_days} days"
        decay = "{ none = true }" if count.window_days is None else f"{{ steps = [{{ days = {count.window_days}, factor = 1.0 }}] }}"
        rules.append(
            f"# {points:+d} per {count.event.replace('_', ' ')} event{window}, for at most {count.cap}\n"
            f"[[engagement]]\nid = {_q(ids.make(count.id))}\nevent = {_q(count.event)}\npoints = {points}\n"
            f"max_events = {count.cap}\ndecay = {decay}\nreason = {_q(count.event.replace('_', ' ') + window)}\n"
        )
    return rules


def _case_counts(fitted: FittedModel, x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    out, column = [], 0
    for group in fitted.points.candidates.groups:
        block = x[:, column : column + len(group.cases)]
        out.append((block.sum(0), (block * y[:, None]).sum(0)))
        column += len(group.cases)
    return out


def _bands(names: Sequence[str], minimums: Sequence[int]) -> str:
    return "[" + ", ".join(f'{{ band = "{n}", min = {m} }}' for n, m in zip(names, minimums)) + "]"


def _stage_rules(hot, events: frozenset[str]) -> list[str]:
    """A lead in the hot band is marketing-qualified; a booked meeting makes it sales-qualified,
    but only when the history holds meetings (a rule on an event never seen was never tested)."""
    booked = "meeting_booked" in events
    return [
        "# Lifecycle: a lead in the hot band is marketing-qualified"
        + ("; a booked meeting makes it sales-qualified." if booked else ". No sales-qualified rule: the history has no meeting_booked event."),
        "[stages]\norder = [" + ", ".join(_q(s) for s in STAGE_ORDER) + "]",
        f'[[stages.rules]]\nstage = "marketingqualifiedlead"\nmin_fit = {hot.min_fit}\nmin_engagement = {hot.min_engagement}',
        *(['[[stages.rules]]\nstage = "salesqualifiedlead"\nevent = "meeting_booked"\n'] if booked else [""]),
    ]


def write_model(fitted: FittedModel, context: FitContext, x: np.ndarray, y: np.ndarray) -> str:
    """The model file's text; `x`, `y` are the training matrix and outcomes (for the comments)."""
    points = fitted.points
    ids = _Ids()
    fit_low, fit_high = points.fit_range
    eng_low, eng_high = points.engagement_range
    doubling = np.log(2) * points.scale
    left_out = ", ".join(context.left_out) or "none"
    head = [
        f"# Learned by `leadscore fit` from {context.source}: {context.leads:,} leads, {context.conversions:,} converted",
        f"# ({context.conversions / context.leads:.1%}). L1-regularised logistic regression (C = {context.c:g}: the sparsest",
        "# within one standard error of the best 5-fold ROC AUC) on candidate rules derived from the data; its log-odds are",
        f"# put on a scale of {points.scale:.2f} points per unit, so about {doubling:.1f} points double the odds of",
        "# converting, and rounded to whole points.",
        *(f"# {line}" for line in context.validation.splitlines()),
        f"# Left out as post-contact (they leak the outcome): {left_out}.",
        "# Edit it like any model file; `leadscore backtest` shows what an edit does to the figures.",
        "",
        "[model]",
        f"name = {_q(context.name)}",
        'version = "1.0.0"',
        "",
        "# Both scores start at 0. Fit: 0 to the highest sum its rules can give. Engagement: up to the highest sum;",
        "# a lead whose negative events outweigh the rest scores 0, as one with no event does.",
        f"[scores.fit]\nmin = {fit_low}\nmax = {max(fit_high, fit_low + 1)}",
        f"[scores.engagement]\nmin = {eng_low}\nmax = {max(eng_high, eng_low + 1)}",
        "",
    ]
    body = []
    for group, group_points, (leads, wins) in zip(points.candidates.groups, points.group_points, _case_counts(fitted, x, y)):
        body.extend(_group_rules(ids, group, group_points, leads, wins))
    body.extend(_engagement_rules(ids, fitted))
    tail = ["# Labels: chosen from the data (first band whose minimums hold wins)."]
    for band in fitted.labels:
        tail.append(
            f"# {band.name}: {band.leads:,} leads converting {band.conversion:.1%} in the training data\n"
            f"[[labels]]\nname = \"{band.name}\"\nmin_fit = {band.min_fit}\nmin_engagement = {band.min_engagement}"
        )
    tail.append('[[labels]]\nname = "cold"\n')
    fit_names = "ABCDEFGH"[: len(fitted.fit_bands)]
    eng_names = "12345678"[: len(fitted.engagement_bands)]
    hot = fitted.labels[0]
    tail += [
        "# Grade bands at the quartiles of the scores in the training data (A and 1: the top quarter).",
        f"[grade]\nfit = {_bands(fit_names, fitted.fit_bands)}\nengagement = {_bands(eng_names, fitted.engagement_bands)}",
        "",
        *_stage_rules(hot, context.events),
    ]
    return "\n".join(head) + "\n" + "\n".join(body) + "\n" + "\n\n".join(tail)
