"""The Salesforce sandbox's data: one SQLite table per sObject, a catalog of fields (custom fields
created through the Tooling API are added as columns), query cursors, and the history of every
write to a record (to prove that nothing is written twice)."""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from connector.sandbox.salesforce.objects import KEY_PREFIXES, NAME_FIELDS, Catalog, FieldDef, make_id
from connector.sandbox.salesforce.soql import Compiled, SoqlError, compile_soql, to_stamp

Clock = Callable[[], datetime]
SQL_TYPES = {"int": "INTEGER", "double": "REAL", "currency": "REAL", "boolean": "INTEGER"}
TEXT_TYPES = {"string", "email", "picklist", "textarea", "id", "reference", "phone", "url"}
MAX_CURSORS = 500  # open query locators kept; older ones answer INVALID_QUERY_LOCATOR


def stamp(moment: datetime) -> str:
    return to_stamp(moment.astimezone(UTC).isoformat())


@dataclass
class RecordError:
    code: str
    message: str
    fields: list[str]


@dataclass
class Cursor:
    compiled: Compiled
    ids: list[str]


class Store:
    def __init__(self, path: str | Path = ":memory:", clock: Clock | None = None) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL" if str(path) != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.RLock()
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.catalog = Catalog()
        self.user_id = make_id("User", 1)  # the integration user every API write is made as
        self.person_id = make_id("User", 2)  # a sales rep: seeded records and edits made "by hand"
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._cursor_seq = 0
        self.rejects: dict[str, RecordError] = {}  # record id -> the error every write to it gets
        self._create()

    # -- schema --------------------------------------------------------------------------------

    def _create(self) -> None:
        with self.lock:
            self.db.execute("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("CREATE TABLE IF NOT EXISTS _custom (sobject TEXT, name TEXT, spec TEXT, "
                            "PRIMARY KEY (sobject, name))")
            self.db.execute("CREATE TABLE IF NOT EXISTS _writes (seq INTEGER PRIMARY KEY, record TEXT, "
                            "at TEXT, via TEXT, fields TEXT)")
            self.db.execute("CREATE INDEX IF NOT EXISTS _writes_record ON _writes (record)")
            for sobject, fields in self.catalog.fields.items():
                columns = ", ".join(f'"{f.name}" {SQL_TYPES.get(f.type, "TEXT")}' for f in fields.values())
                self.db.execute(f'CREATE TABLE IF NOT EXISTS "{sobject}" ({columns}, PRIMARY KEY ("Id"))')
                for index in ("SystemModstamp", "WhoId", "LeadId", "ContactId", "AccountId"):
                    if index in fields:
                        self.db.execute(f'CREATE INDEX IF NOT EXISTS "{sobject}_{index}" ON "{sobject}" ("{index}")')
            shared = ", ".join(f'"{f.name}"' for f in NAME_FIELDS.values() if f.name not in ("Id", "Type", "Name"))
            people = [f"SELECT \"Id\", '{sobject}' AS \"Type\", TRIM(COALESCE(\"FirstName\", '') || ' ' || "
                      f"COALESCE(\"LastName\", '')) AS \"Name\", {shared} FROM \"{sobject}\""
                      for sobject in ("Lead", "Contact")]
            self.db.execute(f'CREATE VIEW IF NOT EXISTS "_Name" AS {" UNION ALL ".join(people)}')
            for sobject, name, spec in self.db.execute("SELECT sobject, name, spec FROM _custom").fetchall():
                self.catalog.fields[sobject][name] = FieldDef(**json.loads(spec))

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO _meta VALUES (?, ?)", (key, value))

    def add_field(self, sobject: str, fdef: FieldDef) -> None:
        with self.lock:
            self.db.execute(f'ALTER TABLE "{sobject}" ADD COLUMN "{fdef.name}" {SQL_TYPES.get(fdef.type, "TEXT")}')
            self.db.execute("INSERT OR REPLACE INTO _custom VALUES (?, ?, ?)", (sobject, fdef.name, json.dumps(vars(fdef))))
            self.catalog.fields[sobject][fdef.name] = fdef

    def set_updateable(self, sobject: str, name: str, updateable: bool) -> None:
        """Field-level security for the integration user (a test lever)."""
        with self.lock:
            fdef = self.catalog.fields[sobject][name]
            fdef.updateable = updateable
            if fdef.custom:
                self.db.execute("UPDATE _custom SET spec = ? WHERE sobject = ? AND name = ?",
                                (json.dumps(vars(fdef)), sobject, name))

    # -- inserting -----------------------------------------------------------------------------

    def next_id(self, sobject: str) -> str:
        key = f"next:{sobject}"
        number = int(self.meta(key) or 1)
        self.set_meta(key, str(number + 1))
        return make_id(sobject, number)

    def insert_many(self, sobject: str, rows: Sequence[Mapping[str, object]]) -> list[str]:
        """Insert rows (missing system fields filled in); returns their ids."""
        if not rows:
            return []
        with self.lock:
            key = f"next:{sobject}"
            first = int(self.meta(key) or 1)
            self.set_meta(key, str(first + len(rows)))
            now = stamp(self.clock())
            fields = self.catalog.fields[sobject]
            names = list(fields)
            ids, values = [], []
            for offset, row in enumerate(rows):
                record = {"IsDeleted": False, "CreatedDate": now, "LastModifiedById": self.person_id, **row}
                record.setdefault("Id", make_id(sobject, first + offset))
                record.setdefault("LastModifiedDate", record["CreatedDate"])
                record.setdefault("SystemModstamp", record["LastModifiedDate"])
                ids.append(record["Id"])
                values.append([_encode(fields[n], record.get(n)) for n in names])
            marks = ",".join("?" * len(names))
            quoted = ",".join(f'"{n}"' for n in names)
            self.db.execute("BEGIN")
            self.db.executemany(f'INSERT INTO "{sobject}" ({quoted}) VALUES ({marks})', values)
            self.db.execute("COMMIT")
            return ids

    def insert(self, sobject: str, **row: object) -> str:
        return self.insert_many(sobject, [row])[0]

    def touch(self, sobject: str, record_id: str, values: Mapping[str, object], *, by: str | None = None) -> None:
        """A person (or a flow) edits a record: values set, LastModified* and SystemModstamp move."""
        with self.lock:
            now = stamp(self.clock())
            self._set(sobject, record_id, {**values, "LastModifiedDate": now, "SystemModstamp": now,
                                           "LastModifiedById": by or self.person_id})

    def delete(self, sobject: str, record_id: str) -> None:
        with self.lock:
            now = stamp(self.clock())
            self._set(sobject, record_id, {"IsDeleted": True, "SystemModstamp": now, "LastModifiedDate": now})

    def _set(self, sobject: str, record_id: str, values: Mapping[str, object]) -> None:
        fields = self.catalog.fields[sobject]
        assignments = ", ".join(f'"{fields[n].name}" = ?' for n in values)
        params = [_encode(fields[n], v) for n, v in values.items()]
        self.db.execute(f'UPDATE "{sobject}" SET {assignments} WHERE "Id" = ?', [*params, record_id])

    # -- reading -------------------------------------------------------------------------------

    def open_query(self, soql: str, include_deleted: bool) -> tuple[str, Cursor]:
        """Run a query's filter now (a snapshot of matching ids, as a real query locator is) and keep
        it under a locator; records are read page by page with `rows`."""
        compiled = compile_soql(soql, self.catalog, self.clock())
        where = compiled.where if include_deleted else f'({compiled.where}) AND t."IsDeleted" = 0'
        sql = (f'SELECT t."Id" FROM {compiled.sql_from} {" ".join(compiled.joins.values())} WHERE {where} '
               f'ORDER BY {compiled.order}')
        if compiled.limit is not None or compiled.offset:
            sql += f" LIMIT {-1 if compiled.limit is None else int(compiled.limit)} OFFSET {int(compiled.offset)}"
        with self.lock:
            ids = [row[0] for row in self.db.execute(sql, compiled.params)]
            self._cursor_seq += 1
            locator = f"01g5e{self._cursor_seq:010d}"
            self.cursors[locator] = Cursor(compiled, ids)
            while len(self.cursors) > MAX_CURSORS:
                self.cursors.popitem(last=False)
        return locator, self.cursors[locator]

    def rows(self, compiled: Compiled, ids: Sequence[str], version: str) -> list[dict]:
        if not ids or compiled.count_only:
            return []
        relationships = list(dict.fromkeys(r for _, _, r in compiled.columns if r))
        selects = ['t."Id"'] + [_ref(compiled, path) for path, _, _ in compiled.columns]
        selects += [f't."{compiled.references[r]}"' for r in relationships]
        marks = ",".join("?" * len(ids))
        sql = (f'SELECT {", ".join(selects)} FROM {compiled.sql_from} {" ".join(compiled.joins.values())} '
               f'WHERE t."Id" IN ({marks})')
        with self.lock:
            found = {row[0]: row[1:] for row in self.db.execute(sql, list(ids))}
        out = []
        for record_id in ids:
            values = found.get(record_id)
            if values is None:
                continue
            width = len(compiled.columns)
            parents = dict(zip(relationships, values[width:], strict=True))
            out.append(self._shape(compiled, record_id, values[:width], parents, version))
        return out

    def _shape(self, compiled: Compiled, record_id: str, values: Sequence[object], parents: Mapping[str, object],
               version: str) -> dict:
        """A record as the REST API writes it; a parent is null when its reference is, and a
        polymorphic parent says type "Name" with the real object in its url
        (docs/crm-api-facts.md, Salesforce › Polymorphic Who)."""
        base = f"/services/data/v{version}/sobjects"
        record: dict = {"attributes": {"type": compiled.sobject, "url": f"{base}/{compiled.sobject}/{record_id}"}}
        for (_, fdef, relationship), value in zip(compiled.columns, values, strict=True):
            decoded = _decode(fdef, value)
            if relationship is None:
                record[fdef.name] = decoded
                continue
            if relationship not in record:
                ref_id = parents[relationship]
                target = compiled.targets[relationship] or _object_of(str(ref_id))
                kind = "Name" if relationship in compiled.polymorphic else target
                record[relationship] = None if ref_id is None else {
                    "attributes": {"type": kind, "url": f"{base}/{target}/{ref_id}"}}
            if record[relationship] is not None:
                record[relationship][fdef.name] = decoded
        return record

    def get(self, sobject: str, record_id: str) -> dict | None:
        with self.lock:
            cur = self.db.execute(f'SELECT * FROM "{sobject}" WHERE "Id" = ?', (record_id,))
            row = cur.fetchone()
            if row is None:
                return None
            names = [d[0] for d in cur.description]
        fields = self.catalog.fields[sobject]
        return {n: _decode(fields[n], v) if n in fields else v for n, v in zip(names, row, strict=True)}

    def count(self, sobject: str) -> int:
        return self.db.execute(f'SELECT COUNT(*) FROM "{sobject}" WHERE "IsDeleted" = 0').fetchone()[0]

    # -- API writes ------------------------------------------------------------------------------

    def check_fields(self, sobject: str, names: Iterable[str]) -> str | None:
        """The first field that does not exist on the object (the whole request fails), or None."""
        for name in names:
            if self.catalog.get(sobject, name) is None:
                return name
        return None

    def update(self, sobject: str, record_id: str, values: Mapping[str, object], via: str) -> RecordError | None:
        """One record of an API write: per-record errors as Salesforce reports them."""
        with self.lock:
            current = self.get(sobject, record_id) if sobject in self.catalog.fields else None
            if current is None:
                return RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
            if current["IsDeleted"]:
                return RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
            if record_id in self.rejects:
                return self.rejects[record_id]
            fields = {name: self.catalog.get(sobject, name) for name in values}
            locked = [f.name for f in fields.values() if f is not None and not f.updateable]
            if locked:
                return RecordError("INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: "
                                   f"{', '.join(locked)}. Please check the security settings of this field and "
                                   "verify that it is read/write for your profile or permission set.", locked)
            for name, fdef in fields.items():
                value = values[name]
                if fdef and fdef.length and isinstance(value, str) and len(value) > fdef.length:
                    return RecordError("STRING_TOO_LONG", f"{fdef.label or fdef.name}: data value too large: "
                                       f"{value[:20]}... (max length={fdef.length})", [fdef.name])
                if fdef and not _fits(fdef, value):
                    return RecordError("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{fdef.name}: value not of required "
                                       f"type: {str(value)[:40]}", [fdef.name])
            now = stamp(self.clock())
            canonical = {fields[n].name: v for n, v in values.items()}  # type: ignore[union-attr]
            self._set(sobject, record_id, {**canonical, "LastModifiedDate": now, "SystemModstamp": now,
                                           "LastModifiedById": self.user_id})
            self.db.execute("INSERT INTO _writes (record, at, via, fields) VALUES (?, ?, ?, ?)",
                            (record_id, now, via, json.dumps(canonical, sort_keys=True)))
            return None

    def update_many(self, items: Sequence[tuple[str, str, Mapping[str, object]]], via: str, *, all_or_none: bool,
                    refused: Mapping[int, RecordError]) -> list[RecordError | None]:
        """Several records of one API write, in one transaction: with `all_or_none`, one failure
        rolls every record back and the others report ALL_OR_NONE_OPERATION_ROLLED_BACK
        (docs/crm-api-facts.md, Salesforce › Writing). `refused`: errors decided before the store
        (the lock faults), by position."""
        with self.lock:
            self.db.execute("BEGIN")
            try:
                errors = [refused.get(i) or self.update(sobject, record_id, values, via)
                          for i, (sobject, record_id, values) in enumerate(items)]
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            if all_or_none and any(errors):
                self.db.execute("ROLLBACK")
                rolled = RecordError("ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back because not all "
                                     "records were valid and the request was using AllOrNone header", [])
                return [e or rolled for e in errors]
            self.db.execute("COMMIT")
            return errors

    def write_history(self, record_id: str) -> list[tuple[str, dict]]:
        rows = self.db.execute("SELECT at, fields FROM _writes WHERE record = ? ORDER BY seq", (record_id,))
        return [(at, json.loads(fields)) for at, fields in rows]

    def all_writes(self) -> list[tuple[str, str, dict]]:
        rows = self.db.execute("SELECT record, via, fields FROM _writes ORDER BY seq")
        return [(record, via, json.loads(fields)) for record, via, fields in rows]

    def close(self) -> None:
        self.db.close()


def _ref(compiled: Compiled, path: str) -> str:
    head, _, tail = path.partition(".")
    if not tail:
        fdef = next(f for p, f, r in compiled.columns if p == path)
        return f't."{fdef.name}"'
    fdef = next(f for p, f, r in compiled.columns if p == path)
    relationship = next(r for p, f, r in compiled.columns if p == path)
    return f'r_{relationship}."{fdef.name}"'


def _object_of(record_id: str) -> str:
    return next((o for o, prefix in KEY_PREFIXES.items() if record_id.startswith(prefix)), "Name")


def _numeric(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if value is None:
        return True
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and abs(number) < 1e18


def _fits(fdef: FieldDef, value: object) -> bool:
    """Whether a written value suits the field's type (a JSON or CSV value; null always does)."""
    if value is None or value == "":
        return True
    if fdef.type in ("double", "int", "currency", "percent"):
        return _numeric(value)
    if fdef.type == "boolean":
        return value in (True, False, "true", "false", "TRUE", "FALSE", "1", "0", 1, 0)
    if fdef.type in ("datetime", "date"):
        try:
            if fdef.type == "datetime":
                to_stamp(str(value))
            else:
                date.fromisoformat(str(value)[:10])
        except (SoqlError, ValueError):
            return False
        return True
    return isinstance(value, (str, int, float))


def _encode(fdef: FieldDef, value: object) -> object:
    if value is None or value == "":
        return None
    if fdef.type == "boolean":
        return 1 if value in (True, 1, "true", "TRUE", "1") else 0
    if fdef.type in ("int",):
        return int(float(value))  # type: ignore[arg-type]
    if fdef.type in ("double", "currency"):
        return float(value)  # type: ignore[arg-type]
    if fdef.type == "datetime":
        if isinstance(value, datetime):
            return stamp(value)
        return to_stamp(str(value))
    if fdef.type == "date":
        return value.isoformat() if isinstance(value, (date, datetime)) else str(value)[:10]
    return str(value)


def _decode(fdef: FieldDef, value: object) -> object:
    if fdef.type == "boolean":
        return bool(value)
    if value is None:
        return None
    if fdef.type == "int":
        return int(value)  # type: ignore[arg-type]
    if fdef.type in ("double", "currency"):
        return float(value)  # type: ignore[arg-type]
    return value


__all__ = ["KEY_PREFIXES", "Clock", "RecordError", "Store", "stamp"]
