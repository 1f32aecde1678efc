"""The CRM search API: a request body → validated SQL over an object table.

Limits and semantics follow the CRM search guide (docs/crm-api-facts.md, HubSpot › Search): at most 5 filter
groups, 6 filters per group, 18 filters in all, one sort, `limit` at most 200, a body of at most
3,000 characters, `after` an offset, and no paging past 10,000 results. Groups are ORed, filters in
a group ANDed. Text comparisons ignore case. Date filter values are epoch milliseconds (ISO too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connector.sandbox.hubspot import errors, inputs
from connector.sandbox.hubspot.associations import object_type as resolve_type
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import filter_value

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
MAX_BODY = 3000
MAX_RESULTS = 10_000
OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
             "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
QUERY_PROPERTIES = {"contacts": ("email", "firstname", "lastname", "phone", "company")}
_COMPARE = {"EQ": "=", "NEQ": "!=", "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}


@dataclass(frozen=True)
class SearchPage:
    total: int
    results: list[dict[str, Any]]
    next_after: int | None


def search(store: Store, object_type: str, body: dict[str, Any], raw_length: int) -> SearchPage:
    """One page of results, from the search index (which trails writes by the store's lag)."""
    if raw_length > MAX_BODY:
        raise errors.validation(f"The request body is {raw_length} characters long; at most {MAX_BODY} are allowed.")
    limit = inputs.whole(body.get("limit"), "limit", 10, low=1, high=MAX_LIMIT)
    after = inputs.whole(body.get("after") or 0, "after", 0)
    if after >= MAX_RESULTS:
        # Paging past the 10,000th result is a 400 (CRM search guide, Limits); exact text unconfirmed.
        raise errors.validation(f"Cannot page past {MAX_RESULTS} results; narrow the query (after={after}).")
    where, params = _where(store, object_type, body)
    sorts = body.get("sorts") or []
    if not isinstance(sorts, list):
        raise inputs.invalid("sorts", "an array", sorts)
    order = _order(store, object_type, sorts)
    names = store.known(object_type, inputs.texts(body.get("properties"), "properties"))
    with store.lock:
        total, rows = store.search_page(object_type, names, where, params, order,
                                        min(limit, MAX_RESULTS - after), after)
    results = [store.to_object(object_type, names, r) for r in rows]
    nxt = after + len(rows)
    more = nxt < min(total, MAX_RESULTS)
    return SearchPage(total, results, nxt if more else None)


def _where(store: Store, object_type: str, body: dict[str, Any]) -> tuple[str, list[Any]]:
    groups = inputs.objects(body, "filterGroups")
    if len(groups) > MAX_GROUPS:
        raise errors.validation(f"Too many filter groups: {len(groups)}; at most {MAX_GROUPS} are allowed.")
    clauses, params = ["_archived = 0"], []
    total = 0
    ors = []
    for g, group in enumerate(groups):
        filters = inputs.objects(group, "filters", f"filterGroups[{g}].")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise errors.validation(f"Too many filters in a group: {len(filters)}; at most {MAX_FILTERS_PER_GROUP}.")
        total += len(filters)
        ands = []
        for n, f in enumerate(filters):
            sql, values = _filter(store, object_type, f, f"filterGroups[{g}].filters[{n}]")
            ands.append(sql)
            params.extend(values)
        ors.append("(" + (" AND ".join(ands) or "1") + ")")
    if total > MAX_FILTERS:
        raise errors.validation(f"Too many filters: {total}; at most {MAX_FILTERS} in all filter groups.")
    if ors:
        clauses.append("(" + " OR ".join(ors) + ")")
    query = inputs.text(body.get("query"), "query")
    if query and object_type in QUERY_PROPERTIES:
        like = [f"{store.column(object_type, p)} LIKE ?" for p in QUERY_PROPERTIES[object_type]]
        clauses.append("(" + " OR ".join(like) + ")")
        params.extend([f"%{query}%"] * len(like))
    return " AND ".join(clauses), params


def _filter(store: Store, object_type: str, f: dict[str, Any], where: str) -> tuple[str, list[Any]]:
    name = inputs.text(f.get("propertyName"), f"{where}.propertyName")
    op = inputs.text(f.get("operator"), f"{where}.operator") or "EQ"
    for key in ("value", "highValue"):
        inputs.text(f.get(key), f"{where}.{key}")
    raw_values = inputs.texts(f.get("values"), f"{where}.values")
    if isinstance(name, str) and name.startswith("associations."):
        return _association_filter(object_type, name.split(".", 1)[1], op, f, raw_values)
    props = store.properties(object_type)
    if op not in OPERATORS:
        raise errors.validation(f"Unknown filter operator {op!r}; use one of {', '.join(sorted(OPERATORS))}.")
    if name not in props:
        # Unknown properties in filters are refused by HubSpot's search (a 400 VALIDATION_ERROR).
        raise errors.validation(f"There was a problem with the request: property {name!r} does not exist.")
    ptype = props[name].type
    col = store.column(object_type, name)
    text = ptype not in ("number", "datetime", "date")
    cmp_col = f"{col} COLLATE NOCASE" if text else col
    if op == "HAS_PROPERTY":
        return f"({col} IS NOT NULL AND {col} != '')", []
    if op == "NOT_HAS_PROPERTY":
        return f"({col} IS NULL OR {col} = '')", []
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(f.get("value", ""))
        if token.isascii():
            # LIKE (case-insensitive for ASCII, in C) skips most rows before the exact word match.
            escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
            sql, params = f"({col} LIKE ? ESCAPE '\\' AND contains_token({col}, ?))", ["%" + escaped + "%", token]
        else:
            sql, params = f"contains_token({col}, ?)", [token]
        return (sql if op == "CONTAINS_TOKEN" else f"NOT coalesce({sql}, 0)"), params
    if op in ("IN", "NOT_IN"):
        values = [filter_value(ptype, v) for v in raw_values]
        if not values:
            raise errors.validation(f"Operator {op} needs a non-empty 'values' list.")
        marks = ",".join("?" * len(values))
        if op == "IN":
            return f"{cmp_col} IN ({marks})", values
        return f"({col} IS NULL OR {cmp_col} NOT IN ({marks}))", values
    value = filter_value(ptype, f.get("value"))
    if op == "BETWEEN":
        high = filter_value(ptype, f.get("highValue"))
        if value is None or high is None:
            raise errors.validation("Operator BETWEEN needs 'value' and 'highValue'.")
        return f"{cmp_col} BETWEEN ? AND ?", [value, high]
    if value is None:
        raise errors.validation(f"{f.get('value')!r} is not a valid value for {name} ({ptype}).")
    if op == "NEQ":
        # Records without a value are "not equal" too (unconfirmed against HubSpot).
        return f"({col} IS NULL OR {cmp_col} != ?)", [value]
    return f"{cmp_col} {_COMPARE[op]} ?", [value]


def _association_filter(object_type: str, other: str, op: str, f: dict[str, Any],
                        raw_values: list[str]) -> tuple[str, list[Any]]:
    """`associations.contact EQ <id>` (search guide, "Filter search results by association"):
    engagements associated with a contact, or contacts associated with an engagement."""
    other_type = resolve_type(other)
    values = raw_values if op == "IN" else [f.get("value")]
    ids = [inputs.object_id(v) for v in values]
    if op not in ("EQ", "IN") or not ids or None in ids:
        raise errors.validation(f"associations.{other} takes EQ or IN with object ids.")
    marks = ",".join("?" * len(ids))
    if object_type == "contacts":
        return (f"_id IN (SELECT contact_id FROM associations WHERE object_type = ? AND object_id IN ({marks}))",
                [other_type, *ids])
    return (f"_id IN (SELECT object_id FROM associations WHERE object_type = ? AND contact_id IN ({marks}))",
            [object_type, *ids])


def _order(store: Store, object_type: str, sorts: list[Any]) -> str:
    if len(sorts) > 1:
        raise errors.validation("Only one sort is allowed.")
    if not sorts:
        return "_id ASC"
    sort = sorts[0]
    if isinstance(sort, str):  # the client's model types sorts as strings: "prop" or "-prop"
        name, desc = sort.lstrip("-"), sort.startswith("-")
    else:
        sort = inputs.obj(sort, "sorts[0]")
        name = inputs.text(sort.get("propertyName"), "sorts[0].propertyName")
        direction = inputs.text(sort.get("direction"), "sorts[0].direction") or "ASCENDING"
        if direction.upper() not in ("ASCENDING", "DESCENDING"):
            raise errors.validation(f"sorts[0].direction must be ASCENDING or DESCENDING; got {direction!r}.")
        desc = direction.upper() == "DESCENDING"
    if name not in store.properties(object_type):
        raise errors.validation(f"Cannot sort by {name!r}: no such property.")
    direction = "DESC" if desc else "ASC"
    return f"{store.column(object_type, name)} {direction}, _id {direction}"
