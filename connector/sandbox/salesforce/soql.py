"""The subset of SOQL the Salesforce sandbox understands, compiled to SQLite.

SELECT field, Relationship.Field, ... FROM Object [WHERE condition] [ORDER BY field [ASC|DESC], ...]
[LIMIT n]. Conditions: AND, OR, NOT, parentheses, = != < <= > >=, IN (...), NOT IN (...), LIKE;
values: 'strings' (with \\' escapes), numbers, true, false, null, datetimes
(2025-01-01T00:00:00Z, unquoted, with a zone) and dates (2025-01-01). As in SOQL, `x != 'v'`
holds for a null x. Anything else is 400 MALFORMED_QUERY; an unknown field is 400 INVALID_FIELD
with Salesforce's "No such column" message (REST API guide, status codes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connector.sandbox.salesforce.objects import Catalog, FieldDef


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""", re.X)
KEYWORDS = {"select", "from", "where", "and", "or", "not", "in", "order", "by", "asc", "desc", "limit",
            "like", "true", "false", "null", "nulls", "first", "last"}


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{text[pos:pos + 20]}'")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value.lower() in KEYWORDS:
            kind, value = "kw", value.lower()
        out.append((kind, value))
        pos = match.end()
    return out


def to_stamp(value: str) -> str:
    """A datetime literal in the form the store keeps (and Salesforce answers): ms, +0000."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


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


class Parser:
    def __init__(self, text: str, catalog: Catalog) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.catalog = catalog
        self.sobject = ""
        self.joins: dict[str, tuple[str, FieldDef]] = {}  # relationship -> (target object, reference field)

    # -- token helpers -----------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("eof", "")

    def take(self, kind: str, value: str | None = None) -> str:
        got_kind, got = self.peek()
        if got_kind != kind or (value is not None and got != value):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{got or 'end of query'}'")
        self.pos += 1
        return got

    def accept(self, kind: str, value: str | None = None) -> bool:
        got_kind, got = self.peek()
        if got_kind == kind and (value is None or got == value):
            self.pos += 1
            return True
        return False

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
            raise SoqlError("MALFORMED_QUERY", f"relationships deeper than one level are not served: {path}")
        reference = self.catalog.relationship(self.sobject, parts[0])
        target = reference.reference_to if reference else None
        found = self.catalog.get(target, parts[1]) if target else None
        if reference is None or found is None or target is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{path}' on entity '{self.sobject}'.")
        alias = f"r_{reference.relationship}"
        self.joins[reference.relationship or ""] = (target, reference)
        return f'{alias}."{found.name}"', found, reference.relationship

    # -- grammar -------------------------------------------------------------------------------------

    def parse(self) -> Compiled:
        self.take("kw", "select")
        paths = [self.take("word")]
        while self.accept("op", ","):
            if self.peek()[1] == "(":
                raise SoqlError("MALFORMED_QUERY", "subqueries are not served by the sandbox")
            paths.append(self.take("word"))
        self.take("kw", "from")
        self.sobject = self.take("word")
        if self.sobject not in self.catalog.fields:
            raise SoqlError("INVALID_TYPE", f"sObject type '{self.sobject}' is not supported.")
        columns = [(p, *self.column(p)[1:]) for p in paths]
        where, params = "1=1", []
        if self.accept("kw", "where"):
            where, params = self.condition()
        order = []
        if self.accept("kw", "order"):
            self.take("kw", "by")
            while True:
                ref = self.column(self.take("word"))[0]
                direction = "ASC"
                if self.accept("kw", "desc"):
                    direction = "DESC"
                else:
                    self.accept("kw", "asc")
                order.append(f"{ref} {direction}")
                if not self.accept("op", ","):
                    break
        limit = None
        if self.accept("kw", "limit"):
            limit = int(self.take("number"))
        if self.peek()[0] != "eof":
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{self.peek()[1]}'")
        order.append('t."Id" ASC')
        joins = {
            rel: f'LEFT JOIN "{target}" r_{rel} ON r_{rel}."Id" = t."{ref.name}"'
            for rel, (target, ref) in self.joins.items()
        }
        return Compiled(self.sobject, columns, f'"{self.sobject}" t', where, params, ", ".join(order), limit, joins)

    def condition(self) -> tuple[str, list[object]]:
        return self.chain("or", self.conjunction)

    def conjunction(self) -> tuple[str, list[object]]:
        return self.chain("and", self.factor)

    def chain(self, keyword: str, operand: Callable[[], tuple[str, list[object]]]) -> tuple[str, list[object]]:
        """operand (keyword operand)*, left to right: OR binds looser than AND."""
        sql, params = operand()
        while self.accept("kw", keyword):
            more, extra = operand()
            sql, params = f"({sql} {keyword.upper()} {more})", params + extra
        return sql, params

    def factor(self) -> tuple[str, list[object]]:
        if self.accept("kw", "not"):
            sql, params = self.factor()
            return f"(NOT {sql})", params
        if self.accept("op", "("):
            sql, params = self.condition()
            self.take("op", ")")
            return sql, params
        ref, fdef, _ = self.column(self.take("word"))
        negate = self.accept("kw", "not")
        if self.accept("kw", "in"):
            self.take("op", "(")
            values = [self.value(fdef)]
            while self.accept("op", ","):
                values.append(self.value(fdef))
            self.take("op", ")")
            marks = ",".join("?" * len(values))
            return (f"({ref} IS NULL OR {ref} NOT IN ({marks}))" if negate else f"{ref} IN ({marks})"), values
        if negate:
            raise SoqlError("MALFORMED_QUERY", "NOT must be followed by IN here")
        if self.accept("kw", "like"):
            return f"{ref} LIKE ?", [self.value(fdef)]
        op = self.take("op")
        if op not in ("=", "!=", "<>", "<", "<=", ">", ">="):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{op}'")
        value = self.value(fdef)
        if value is None:
            if op == "=":
                return f"{ref} IS NULL", []
            if op in ("!=", "<>"):
                return f"{ref} IS NOT NULL", []
            raise SoqlError("MALFORMED_QUERY", "null can only be compared with = or !=")
        if op in ("!=", "<>"):
            return f"({ref} IS NULL OR {ref} != ?)", [value]
        return f"{ref} {op} ?", [value]

    def value(self, fdef: FieldDef) -> object:
        kind, text = self.peek()
        self.pos += 1
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "datetime":
            if fdef.type != "datetime":
                raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{fdef.name}' must be of "
                                f"type {fdef.type} and should not be enclosed in quotes")
            return to_stamp(text)
        if kind == "date":
            return text
        if kind == "kw" and text in ("true", "false"):
            return 1 if text == "true" else 0
        if kind == "kw" and text == "null":
            return None
        raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{text or 'end of query'}'")


def compile_soql(text: str, catalog: Catalog) -> Compiled:
    return Parser(text, catalog).parse()
