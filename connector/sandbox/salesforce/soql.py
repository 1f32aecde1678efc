"""The SOQL the Salesforce sandbox reads, typed as an org types it, compiled to SQLite.

Served: SELECT field, Parent.Field, Who.Field, ... | COUNT() FROM Object [WHERE condition]
[ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]. Conditions: AND, OR, NOT,
parentheses, = != <> < <= > >=, IN (...), NOT IN (...), LIKE. Every literal is checked against the
field's type as an org checks it (docs/crm-api-facts.md, Salesforce › SOQL literals and typing):
strings quoted, numbers, booleans, dates and datetimes not; a date value only on a date field and
a datetime value only on a datetime field; date literals (TODAY, LAST_N_DAYS:n, ...) on either.
Text compares case-insensitively; an Id literal may have 15 or 18 characters (any case for 18).
Object and field names are case-insensitive. What the sandbox does not model (subqueries,
semi-joins, TYPEOF, GROUP BY, aggregates other than COUNT(), ...) is refused with a
MALFORMED_QUERY that names it, never answered wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from connector.sandbox.salesforce.objects import NAME_FIELDS, Catalog, FieldDef, canonical_id

MAX_OFFSET = 2000  # docs/crm-api-facts.md, Salesforce › SOQL clauses
TEXT = {"string", "email", "picklist", "textarea", "phone", "url"}
IDS = {"id", "reference"}
NUMBERS = {"int", "double", "currency", "percent"}
TYPE_NAMES = {"int": "integer", "double": "double", "currency": "currency", "percent": "percent",
              "boolean": "boolean", "date": "date", "datetime": "dateTime"}
NOT_MODELED = {
    "group": "GROUP BY", "having": "HAVING", "typeof": "TYPEOF", "with": "WITH", "for": "FOR VIEW/UPDATE",
    "using": "USING SCOPE", "includes": "INCLUDES", "excludes": "EXCLUDES", "rollup": "ROLLUP",
}
AGGREGATES = {"count", "sum", "avg", "min", "max", "count_distinct", "tolabel", "format",
              "convertcurrency", "calendar_year", "day_only", "fields", "distance", "geolocation"}


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def malformed(message: str) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", message)


TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>[-+]?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)
    | (?P<literal>[A-Za-z_]+:\d+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""", re.X)
KEYWORDS = {"select", "from", "where", "and", "or", "not", "in", "order", "by", "asc", "desc", "limit",
            "offset", "like", "true", "false", "null", "nulls", "first", "last", *NOT_MODELED}
DATE_WORD = re.compile(r"TODAY|YESTERDAY|TOMORROW|(?:THIS|LAST|NEXT)_[A-Z0-9_]+", re.I)
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise malformed(f"unexpected token: '{text[pos:pos + 20].strip()}'")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value.lower() in KEYWORDS:
            kind, value = "kw", value.lower()
        out.append((kind, value))
        pos = match.end()
    return out


def to_stamp(value: str) -> str:
    """A datetime literal in the form the store keeps (and Salesforce answers): ms, +0000."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise malformed(f"invalid date/time: {value}") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def unquote(text: str, *, like: bool) -> str:
    """A string literal's value; in LIKE, \\% and \\_ stay escaped (SQLite's ESCAPE '\\')."""
    out, i, body = [], 0, text[1:-1]
    while i < len(body):
        char = body[i]
        if char == "\\":
            nxt = body[i + 1]
            if nxt in ESCAPES:
                out.append("\\\\" if like and nxt == "\\" else ESCAPES[nxt])
            elif nxt in "%_" and like:
                out.append("\\" + nxt)
            else:
                raise malformed(f"Invalid string literal '{text[:40]}'. Illegal character sequence '\\{nxt}'")
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


@dataclass
class Compiled:
    sobject: str
    columns: list[tuple[str, FieldDef, str | None]]  # (output path, field, relationship or None)
    sql_from: str
    where: str
    params: list[object]
    order: str
    limit: int | None
    joins: dict[str, str] = field(default_factory=dict)
    offset: int = 0
    count_only: bool = False
    polymorphic: set[str] = field(default_factory=set)  # relationships answered as type "Name"
    references: dict[str, str] = field(default_factory=dict)  # relationship -> its reference field
    targets: dict[str, str | None] = field(default_factory=dict)  # relationship -> object (None: polymorphic)


def day_range(literal: str, today: date) -> tuple[date, date]:
    """The days a date literal covers, [start, end), in the org's time zone (UTC here)."""
    name, _, number = literal.upper().partition(":")
    if name in ("LAST_90_DAYS", "NEXT_90_DAYS") and not number:
        name, number = name.replace("90", "N"), "90"
    n = int(number) if number else 0
    fixed = {"TODAY": (0, 1), "YESTERDAY": (-1, 0), "TOMORROW": (1, 2)}
    if name in fixed and not number:
        start, end = fixed[name]
        return today + timedelta(days=start), today + timedelta(days=end)
    if name == "LAST_N_DAYS" and number:
        return today - timedelta(days=n), today + timedelta(days=1)
    if name == "NEXT_N_DAYS" and number:
        return today + timedelta(days=1), today + timedelta(days=n + 1)
    if name == "N_DAYS_AGO" and number:
        return today - timedelta(days=n), today - timedelta(days=n - 1)
    if name in ("THIS_WEEK", "LAST_WEEK", "NEXT_WEEK") and not number:
        monday = today - timedelta(days=today.weekday())  # the week starts on Monday here (locale)
        shift = {"THIS_WEEK": 0, "LAST_WEEK": -7, "NEXT_WEEK": 7}[name]
        return monday + timedelta(days=shift), monday + timedelta(days=shift + 7)
    if name in ("THIS_MONTH", "LAST_MONTH", "NEXT_MONTH") and not number:
        first = today.replace(day=1)
        if name == "LAST_MONTH":
            first = (first - timedelta(days=1)).replace(day=1)
        elif name == "NEXT_MONTH":
            first = (first + timedelta(days=32)).replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1)
    raise malformed(f"date literal {literal} is not modeled by the sandbox")


class Parser:
    def __init__(self, text: str, catalog: Catalog, now: datetime) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.catalog = catalog
        self.now = now
        self.sobject = ""
        self.joins: dict[str, str] = {}
        self.polymorphic: set[str] = set()
        self.references: dict[str, str] = {}
        self.targets: dict[str, str | None] = {}

    # -- token helpers -----------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("eof", "")

    def take(self, kind: str, value: str | None = None) -> str:
        got_kind, got = self.peek()
        if got_kind != kind or (value is not None and got != value):
            self.refuse_unmodeled()
            raise malformed(f"unexpected token: '{got or 'end of query'}'")
        self.pos += 1
        return got

    def accept(self, kind: str, value: str | None = None) -> bool:
        got_kind, got = self.peek()
        if got_kind == kind and (value is None or got == value):
            self.pos += 1
            return True
        return False

    def refuse_unmodeled(self) -> None:
        kind, value = self.peek()
        if kind == "kw" and value in NOT_MODELED:
            raise malformed(f"{NOT_MODELED[value]} is not modeled by the sandbox")
        if kind == "word" and value.lower() in AGGREGATES and self.peek(1) == ("op", "("):
            raise malformed(f"the function {value}() is not modeled by the sandbox (only COUNT() is)")

    # -- fields --------------------------------------------------------------------------------------

    def column(self, path: str) -> tuple[str, FieldDef, str | None]:
        parts = path.split(".")
        if len(parts) == 1:
            found = self.catalog.get(self.sobject, path)
            if found is None:
                raise SoqlError("INVALID_FIELD", f"No such column '{path}' on entity '{self.sobject}'. If you are "
                                "attempting to use a custom field, be sure to append the '__c' after the custom "
                                "field name. Please reference your WSDL or the describe call for the appropriate names.")
            return f't."{found.name}"', found, None
        if len(parts) != 2:
            raise malformed(f"relationships deeper than one level are not modeled by the sandbox: {path}")
        reference = self.catalog.relationship(self.sobject, parts[0])
        if reference is None or reference.relationship is None:
            raise SoqlError("INVALID_FIELD", f"Didn't understand relationship '{parts[0]}' in field path. If you "
                            "are attempting to use a custom relationship, be sure to append the '__r' after the "
                            "custom relationship name.")
        rel = reference.relationship
        alias = f"r_{rel}"
        if reference.polymorphic:
            found = NAME_FIELDS.get(parts[1].lower())
            table = "_Name"
            self.polymorphic.add(rel)
        else:
            found = self.catalog.get(reference.reference_to or "", parts[1])
            table = reference.reference_to or ""
        if found is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{parts[1]}' on entity "
                            f"'{'Name' if reference.polymorphic else table}'.")
        self.references[rel] = reference.name
        self.targets[rel] = None if reference.polymorphic else table
        self.joins[rel] = f'LEFT JOIN "{table}" {alias} ON {alias}."Id" = t."{reference.name}"'
        return f'{alias}."{found.name}"', found, rel

    # -- grammar -------------------------------------------------------------------------------------

    def parse(self) -> Compiled:
        self.take("kw", "select")
        count_only, paths = self.select_list()
        self.take("kw", "from")
        name = self.take("word")
        sobject = self.catalog.object_name(name)
        if sobject is None:
            raise SoqlError("INVALID_TYPE", f"sObject type '{name}' is not supported. If you are attempting to use "
                            "a custom object, be sure to append the '__c' after the entity name. Please reference "
                            "your WSDL or the describe call for the appropriate names.")
        self.sobject = sobject
        columns = [(p, *self.column(p)[1:]) for p in paths]
        where, params = "1=1", []
        if self.accept("kw", "where"):
            where, params = self.condition()
        order = self.order_by() if self.accept("kw", "order") else []
        if count_only and order:
            raise malformed("COUNT() cannot be used with ORDER BY")
        limit = self.count_clause("limit") if self.accept("kw", "limit") else None
        offset = self.count_clause("offset") if self.accept("kw", "offset") else 0
        if offset > MAX_OFFSET:
            raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        if self.peek()[0] != "eof":
            self.refuse_unmodeled()
            raise malformed(f"unexpected token: '{self.peek()[1]}'")
        order.append('t."Id" ASC')
        return Compiled(sobject, columns, f'"{sobject}" t', where, params, ", ".join(order), limit,
                        dict(self.joins), offset, count_only, set(self.polymorphic), dict(self.references),
                        dict(self.targets))

    def select_list(self) -> tuple[bool, list[str]]:
        if self.peek()[1].lower() == "count" and self.peek(1) == ("op", "(") and self.peek(2) == ("op", ")"):
            self.pos += 3
            return True, []
        paths = [self.select_item()]
        while self.accept("op", ","):
            paths.append(self.select_item())
        return False, paths

    def select_item(self) -> str:
        if self.peek() == ("op", "("):
            raise malformed("child relationship subqueries are not modeled by the sandbox")
        self.refuse_unmodeled()
        return self.take("word")

    def order_by(self) -> list[str]:
        self.take("kw", "by")
        order = []
        while True:
            ref, fdef, _ = self.column(self.take("word"))
            direction = "DESC" if self.accept("kw", "desc") else "ASC"
            if direction == "ASC":
                self.accept("kw", "asc")
            nulls = "FIRST"  # SOQL's default, whichever the direction (facts, Salesforce › SOQL clauses)
            if self.accept("kw", "nulls"):
                nulls = "LAST" if self.accept("kw", "last") else self.take("kw", "first").upper()
            collate = " COLLATE NOCASE" if fdef.type in TEXT else ""
            order.append(f"{ref}{collate} {direction} NULLS {nulls}")
            if not self.accept("op", ","):
                return order

    def count_clause(self, keyword: str) -> int:
        text = self.take("number")
        if not text.isdigit():
            raise malformed(f"{keyword.upper()} takes a non-negative integer, not {text}")
        return int(text)

    def condition(self) -> tuple[str, list[object]]:
        """factor (AND factor)* or factor (OR factor)*: SOQL wants parentheses to mix AND and OR."""
        sql, params = self.factor()
        connector = None
        while self.peek()[0] == "kw" and self.peek()[1] in ("and", "or"):
            word = self.peek()[1]
            if connector not in (None, word):
                raise malformed(f"unexpected token: '{word.upper()}' (AND and OR mixed without parentheses)")
            connector = word
            self.pos += 1
            more, extra = self.factor()
            sql, params = f"({sql} {word.upper()} {more})", params + extra
        return sql, params

    def factor(self) -> tuple[str, list[object]]:
        if self.accept("kw", "not"):
            sql, params = self.factor()
            return f"(NOT {sql})", params
        if self.accept("op", "("):
            sql, params = self.condition()
            self.take("op", ")")
            return sql, params
        self.refuse_unmodeled()
        ref, fdef, _ = self.column(self.take("word"))
        negate = self.accept("kw", "not")
        if self.accept("kw", "in"):
            return self.in_list(ref, fdef, negate)
        if negate:
            raise malformed("unexpected token: 'NOT' (NOT IN or NOT (condition) expected)")
        if self.accept("kw", "like"):
            if fdef.type in IDS:
                raise malformed(f"LIKE on the Id field {fdef.name} is not modeled by the sandbox")
            if fdef.type not in TEXT:
                raise SoqlError("INVALID_FIELD", f"invalid operator on {TYPE_NAMES.get(fdef.type, fdef.type)} "
                                f"field: {fdef.name}")
            kind, text = self.peek()
            if kind != "string":
                raise malformed(f"unexpected token: '{text or 'end of query'}'")
            self.pos += 1
            return f"{ref} LIKE ? ESCAPE '\\'", [unquote(text, like=True)]
        self.refuse_unmodeled()
        op = self.take("op")
        if op not in ("=", "!=", "<>", "<", "<=", ">", ">="):
            raise malformed(f"unexpected token: '{op}'")
        return self.comparison(ref, fdef, "!=" if op == "<>" else op)

    def in_list(self, ref: str, fdef: FieldDef, negate: bool) -> tuple[str, list[object]]:
        self.take("op", "(")
        if self.peek() == ("kw", "select"):
            raise malformed("semi-joins and anti-joins (IN (SELECT ...)) are not modeled by the sandbox")
        values = [self.value(fdef)]
        while self.accept("op", ","):
            values.append(self.value(fdef))
        self.take("op", ")")
        if any(isinstance(v, tuple) for v in values):
            raise malformed("date literals in IN lists are not modeled by the sandbox")
        kept = [v for v in values if v is not None]
        marks = ",".join("?" * len(kept)) or "NULL"
        collate = " COLLATE NOCASE" if fdef.type in TEXT else ""
        with_null = len(kept) != len(values)
        if negate:
            sql = f"({ref} IS NOT NULL AND {ref}{collate} NOT IN ({marks}))" if with_null else \
                f"({ref} IS NULL OR {ref}{collate} NOT IN ({marks}))"
        else:
            sql = f"({ref} IS NULL OR {ref}{collate} IN ({marks}))" if with_null else f"{ref}{collate} IN ({marks})"
        return sql, kept

    def comparison(self, ref: str, fdef: FieldDef, op: str) -> tuple[str, list[object]]:
        value = self.value(fdef)
        if value is None:
            if op not in ("=", "!="):
                raise malformed("null can only be compared with = or !=")
            return f"{ref} IS {'NOT ' if op == '!=' else ''}NULL", []
        if isinstance(value, tuple):
            return self.literal_range(ref, op, value)
        if fdef.type == "boolean" and op not in ("=", "!="):
            raise SoqlError("INVALID_FIELD", f"invalid operator on boolean field: {fdef.name}")
        collate = " COLLATE NOCASE" if fdef.type in TEXT else ""
        if op == "!=":  # a null field differs from every value (facts, Salesforce › SOQL literals and typing)
            return f"({ref} IS NULL OR {ref}{collate} != ?)", [value]
        return f"{ref}{collate} {op} ?", [value]

    @staticmethod
    def literal_range(ref: str, op: str, bounds: tuple[str, str]) -> tuple[str, list[object]]:
        start, end = bounds
        shapes = {"=": (f"({ref} >= ? AND {ref} < ?)", [start, end]), "<": (f"{ref} < ?", [start]),
                  "<=": (f"{ref} < ?", [end]), ">": (f"{ref} >= ?", [end]), ">=": (f"{ref} >= ?", [start]),
                  "!=": (f"({ref} IS NULL OR {ref} < ? OR {ref} >= ?)", [start, end])}
        return shapes[op]

    def value(self, fdef: FieldDef) -> object:
        kind, text = self.peek()
        self.pos += 1
        if kind == "kw" and text == "null":
            return None
        kind = "boolean" if kind == "kw" and text in ("true", "false") else kind
        if kind == "literal" or (kind == "word" and DATE_WORD.fullmatch(text)):
            return self.date_literal(fdef, text)
        expected = self.expected_kind(fdef)
        if kind not in ("string", "number", "boolean", "date", "datetime"):
            raise malformed(f"unexpected token: '{text or 'end of query'}'")
        if kind != expected:
            quoted = "should be enclosed in quotes" if expected == "string" else "should not be enclosed in quotes"
            shown = "string" if expected == "string" else TYPE_NAMES[fdef.type]
            raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{fdef.name}' must be of type "
                            f"{shown} and {quoted}")
        if kind == "string":
            raw = unquote(text, like=False)
            if fdef.type in IDS:
                canonical = canonical_id(raw)
                if canonical is None:
                    raise SoqlError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {raw}")
                return canonical
            return raw
        if kind == "number":
            return self.number(text)
        if kind == "boolean":
            return 1 if text == "true" else 0
        if kind == "datetime":
            return to_stamp(text)
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise malformed(f"invalid date: {text}") from None

    @staticmethod
    def expected_kind(fdef: FieldDef) -> str:
        if fdef.type in NUMBERS:
            return "number"
        if fdef.type in ("boolean", "date", "datetime"):
            return fdef.type
        return "string"

    @staticmethod
    def number(text: str) -> object:
        number = float(text) if "." in text else int(text)
        return float(number) if abs(number) >= 2 ** 62 else number  # SQLite integers stop at 2**63

    def date_literal(self, fdef: FieldDef, text: str) -> tuple[str, str]:
        if fdef.type not in ("date", "datetime"):
            raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{fdef.name}' must be of type "
                            f"{'string' if fdef.type in TEXT | IDS else TYPE_NAMES.get(fdef.type, fdef.type)}"
                            f"{' and should be enclosed in quotes' if fdef.type in TEXT | IDS else ''}")
        start, end = day_range(text, self.now.astimezone(UTC).date())
        if fdef.type == "date":
            return start.isoformat(), end.isoformat()
        return (to_stamp(f"{start.isoformat()}T00:00:00Z"), to_stamp(f"{end.isoformat()}T00:00:00Z"))


def compile_soql(text: str, catalog: Catalog, now: datetime | None = None) -> Compiled:
    if len(text) > 100_000:  # docs/crm-api-facts.md, Salesforce › Query
        raise malformed("Query is too long: a SOQL statement has at most 100,000 characters")
    return Parser(text, catalog, now or datetime.now(UTC)).parse()
