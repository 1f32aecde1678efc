"""Compiled conditions: one operator applied to one property (fit) or event attribute (where).

The model parser validates a condition's parameters, then `compile_condition` turns them into a
predicate over an already normalized value, so that scoring a lead does no parsing, no lowering
of the model's values and no regex compilation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from connector.scoring.values import email_domain

# Operator → what it needs. "text" ops compare case-insensitively; "number" ops read the value
# as the span of numbers it stands for (see values.as_interval: "250" is 250 alone, "50-100" the
# whole numbers 50 to 99) and hold when the whole span meets them; "presence" ops only ask whether
# a usable value is there.
OPS: dict[str, str] = {
    "equals": "text",
    "one_of": "text",
    "contains": "text",
    "regex": "text",
    "email_domain_in": "text",
    "between": "number",
    "gte": "number",
    "lte": "number",
    "is_set": "presence",
    "is_empty": "presence",
}
# The negations of the text operators ("is none of", "does not contain" in HubSpot's terms). Like
# every text operator they never match an empty value: combine with is_empty for that.
NEGATED = ("equals", "one_of", "contains", "regex", "email_domain_in")
OPS.update({f"not_{op}": OPS[op] for op in NEGATED})
LIST_OPS = frozenset({"one_of", "contains", "email_domain_in"})  # value may be a list / list ref


def base_op(op: str) -> str:
    """The operator a negated one negates ("not_contains" → "contains"), else the operator."""
    return op[4:] if op.startswith("not_") else op


@dataclass(frozen=True, slots=True)
class Condition:
    """`target` is the property (fit) or attribute (where) name; `kind` one of OPS' values.

    `test` takes the lowered text for "text" ops, the span (lowest, highest) for "number" ops,
    and whether a value is present for "presence" ops.
    """

    target: str
    op: str
    kind: str
    test: Callable[[object], bool]
    summary: str


def _domain_in(domains: frozenset[str]) -> Callable[[str], bool]:
    def test(text: str) -> bool:
        domain = email_domain(text)
        if domain in domains:
            return True
        dot = domain.find(".")
        while dot >= 0:  # a subdomain of a listed domain matches too (mail.rival.com)
            domain = domain[dot + 1 :]
            if domain in domains:
                return True
            dot = domain.find(".")
        return False

    return test


def compile_condition(
    target: str,
    op: str,
    *,
    value: object = None,
    values: tuple[str, ...] = (),
    low: float | None = None,
    high: float | None = None,
) -> Condition:
    """Build the predicate for a validated condition. `values` holds a list operator's items
    (from `value = [...]` or a named list), `low`/`high` the bounds of `between`."""
    if op.startswith("not_"):
        positive = compile_condition(target, base_op(op), value=value, values=values, low=low, high=high)
        return Condition(target, op, positive.kind, _negate(positive.test), f"not ({positive.summary})")
    kind = OPS[op]
    test: Callable[..., bool]
    if op == "equals":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            kind = "number"
            test = _span_equals(float(value))
        else:
            wanted = (("true" if value else "false") if isinstance(value, bool) else str(value)).strip().lower()
            test = wanted.__eq__
        summary = f"{target} equals {value!r}"
    elif op == "one_of":
        test = frozenset(v.strip().lower() for v in values).__contains__
        summary = f"{target} is one of {len(values)} values"
    elif op == "contains":
        needles = tuple(v.lower() for v in values)
        if len(needles) == 1:
            test = _contains_one(needles[0])
        else:
            test = _contains_any(needles)
        summary = f"{target} contains " + " or ".join(repr(v) for v in values[:3]) + ("..." if len(values) > 3 else "")
    elif op == "regex":
        test = _regex(re.compile(str(value), re.IGNORECASE))
        summary = f"{target} matches /{value}/"
    elif op == "email_domain_in":
        test = _domain_in(frozenset(email_domain(v.strip()) for v in values))
        summary = f"{target} domain is one of {len(values)} domains"
    elif op == "between":
        assert low is not None and high is not None
        test = _between(low, high)
        summary = f"{target} between {_num(low)} and {_num(high)}"
    elif op == "gte":
        test = _span_at_least(float(value))  # type: ignore[arg-type]
        summary = f"{target} ≥ {_num(float(value))}"  # type: ignore[arg-type]
    elif op == "lte":
        test = _span_at_most(float(value))  # type: ignore[arg-type]
        summary = f"{target} ≤ {_num(float(value))}"  # type: ignore[arg-type]
    elif op == "is_set":
        test = bool
        summary = f"{target} is set"
    else:  # is_empty
        test = _not
        summary = f"{target} is empty"
    return Condition(target, op, kind, test, summary)


def _negate(test: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda value: not test(value)


def _contains_one(needle: str) -> Callable[[str], bool]:
    return lambda text: needle in text


def _contains_any(needles: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda text: any(n in text for n in needles)


def _regex(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    search = pattern.search
    return lambda text: search(text) is not None


Span = tuple[float, float]  # (lowest, highest) a value stands for, both included


def _between(low: float, high: float) -> Callable[[Span], bool]:
    return lambda span: low <= span[0] and span[1] <= high


def _span_at_least(bound: float) -> Callable[[Span], bool]:
    return lambda span: span[0] >= bound


def _span_at_most(bound: float) -> Callable[[Span], bool]:
    return lambda span: span[1] <= bound


def _span_equals(number: float) -> Callable[[Span], bool]:
    return lambda span: span[0] == number and span[1] == number


def _not(present: bool) -> bool:
    return not present


def _num(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)
