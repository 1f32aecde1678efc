"""The sandbox portal's state in SQLite: objects, property definitions, associations, web events,
and what the sandbox received (requests, writes) for inspection.

One wide table per object type (`obj_contacts`, `obj_emails`, ...) with a column per property, so
that search filters and sorts run as indexed SQL; a created property adds a column. Internal
columns start with an underscore: `_id` (the object id, also `hs_object_id`), `_created`,
`_updated` (epoch ms, served as the create/modified date properties, `createdAt`/`updatedAt`).

Search reads an index that trails writes (docs/crm-api-facts.md, HubSpot › Search): before an
object's first write in a lag window, its row as it was is copied to `idx_<type>` (`_at`: the write
time; `_absent`: the object did not exist yet). While `_at` is younger than the lag, search sees
that copy instead of the live row; after it, the live row.

The store is shared by the server's threads behind one lock; every method is one transaction.
`path` is a file (state survives a restart) or ":memory:".
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.sandbox.hubspot import catalog
from connector.sandbox.hubspot.catalog import PropertyDef
from connector.sandbox.hubspot import inputs
from connector.sandbox.hubspot.values import contains_token, decode, iso, to_ms

SCHEMA_VERSION = 1
FIRST_ENGAGEMENT_ID = 40_000_000_001

Clock = Callable[[], datetime]

# Indexes a bulk load drops and rebuilds (seeding is several times faster without them). The
# modified/created date indexes are partial (live objects only) so that the planner still walks
# the primary key for keyset paging on hs_object_id. The live-id index lets search count its
# `total` from the index alone (a keyset page counts every match after it: at a million contacts
# that was the sandbox's largest cost).
SORT_AT_MOST = 2000  # search matches sorted rather than walked in id order (search_page)
BULK_INDEXES = (
    *(f"CREATE INDEX IF NOT EXISTS ix_{t}_updated ON obj_{t} (_updated, _id) WHERE _archived = 0"
      for t in catalog.OBJECT_TYPES),
    *(f"CREATE INDEX IF NOT EXISTS ix_{t}_live ON obj_{t} (_id) WHERE _archived = 0"
      for t in catalog.OBJECT_TYPES),
    "CREATE INDEX IF NOT EXISTS ix_contacts_created ON obj_contacts (_created, _id) WHERE _archived = 0",
    "CREATE INDEX IF NOT EXISTS ix_contacts_email ON obj_contacts (email COLLATE NOCASE)",
    "CREATE INDEX IF NOT EXISTS ix_assoc_object ON associations (object_type, object_id)",
    "CREATE INDEX IF NOT EXISTS ix_web_events ON web_events (contact_id, event_type, occurred, id)",
    "CREATE INDEX IF NOT EXISTS ix_web_events_time ON web_events (occurred, id)",
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def q(name: str) -> str:
    """A property name as a quoted SQL identifier (names are validated identifiers already)."""
    return '"' + name.replace('"', '""') + '"'


class Store:
    def __init__(self, path: str | Path = ":memory:", clock: Clock | None = None) -> None:
        self.path = str(path)
        self.clock = clock or _utcnow
        self.lock = threading.RLock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA temp_store=MEMORY")
        self.db.execute("PRAGMA cache_size=-65536")
        self.db.create_function("contains_token", 2, contains_token, deterministic=True)
        self._props: dict[str, dict[str, PropertyDef]] = {}
        self.search_lag_ms = 0  # how long a write takes to reach search (set by the portal)
        with self.tx():
            self._create_schema()
            self._create_index_tables()
        self._load_properties()

    # -- plumbing -----------------------------------------------------------------------------

    def now_ms(self) -> int:
        return to_ms(self.clock())

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Drop the secondary indexes for a bulk insert and rebuild them after."""
        with self.tx() as db:
            for sql in BULK_INDEXES:
                db.execute("DROP INDEX IF EXISTS " + sql.split(" IF NOT EXISTS ")[1].split(" ON ")[0])
        try:
            yield
        finally:
            # Index builds sort on disk rather than in memory, so memory stays flat at any size.
            self.db.execute("PRAGMA temp_store=FILE")
            with self.tx() as db:
                for sql in BULK_INDEXES:
                    db.execute(sql)
                db.execute("PRAGMA analysis_limit=1000")
                db.execute("ANALYZE")
            self.db.execute("PRAGMA temp_store=MEMORY")

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _create_schema(self) -> None:
        db = self.db
        if db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone():
            return
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("""CREATE TABLE properties (object_type TEXT, name TEXT, label TEXT, type TEXT, field_type TEXT,
            group_name TEXT, description TEXT, options TEXT, hubspot_defined INT, display_order INT,
            created INT, updated INT, PRIMARY KEY (object_type, name))""")
        db.execute("""CREATE TABLE property_groups (object_type TEXT, name TEXT, label TEXT, display_order INT,
            PRIMARY KEY (object_type, name))""")
        for object_type in catalog.OBJECT_TYPES:
            columns = [f"{q(p.name)}" for p in catalog.default_properties(object_type) if p.name not in _virtual(object_type)]
            db.execute(f"CREATE TABLE {_table(object_type)} (_id INTEGER PRIMARY KEY, _created INT, _updated INT, "
                       f"_archived INT DEFAULT 0, {', '.join(columns)})")
            for prop in catalog.default_properties(object_type):
                self._insert_property(db, object_type, prop, self.now_ms())
            for order, (name, label) in enumerate(catalog.default_groups(object_type)):
                db.execute("INSERT INTO property_groups VALUES (?, ?, ?, ?)", (object_type, name, label, order))
        db.execute("""CREATE TABLE associations (contact_id INT, object_type TEXT, object_id INT,
            PRIMARY KEY (contact_id, object_type, object_id)) WITHOUT ROWID""")
        db.execute("""CREATE TABLE web_events (id INTEGER PRIMARY KEY, contact_id INT, event_type TEXT,
            occurred INT, properties TEXT)""")
        db.execute("""CREATE TABLE history (object_type TEXT, object_id INT, name TEXT, value TEXT, at INT,
            source TEXT)""")
        db.execute("CREATE INDEX ix_history ON history (object_type, object_id, name)")
        db.execute("""CREATE TABLE writes (seq INTEGER PRIMARY KEY, object_type TEXT, object_id INT, at INT,
            source TEXT, properties TEXT)""")
        db.execute("CREATE INDEX ix_writes ON writes (object_type, object_id, seq)")
        db.execute("""CREATE TABLE requests (seq INTEGER PRIMARY KEY, at INT, method TEXT, path TEXT,
            status INT)""")
        for sql in BULK_INDEXES:
            db.execute(sql)
        self.set_meta(db, "schema_version", str(SCHEMA_VERSION))
        self.set_meta(db, "next_engagement_id", str(FIRST_ENGAGEMENT_ID))

    def _create_index_tables(self) -> None:
        """The search index's copies (also added to a portal file saved before they existed)."""
        for object_type in catalog.OBJECT_TYPES:
            index = _index(object_type)
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (index,)).fetchone():
                continue
            self.db.execute(f"CREATE TABLE {index} AS SELECT * FROM {_table(object_type)} WHERE 0")
            self.db.execute(f"ALTER TABLE {index} ADD COLUMN _at INT")
            self.db.execute(f"ALTER TABLE {index} ADD COLUMN _absent INT DEFAULT 0")
            self.db.execute(f"CREATE UNIQUE INDEX ix_{index}_id ON {index} (_id)")
            self.db.execute(f"CREATE INDEX ix_{index}_at ON {index} (_at)")

    # -- property definitions -----------------------------------------------------------------

    def _insert_property(self, db: sqlite3.Connection, object_type: str, prop: PropertyDef, now: int) -> None:
        options = [{"value": v, "label": lbl} for v, lbl in zip(prop.options, prop.option_labels)]
        db.execute("INSERT INTO properties VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (object_type, prop.name, prop.label, prop.type, prop.field_type, prop.group, prop.description,
                    json.dumps(options), int(prop.hubspot_defined), prop.display_order, now, now))

    def _load_properties(self) -> None:
        with self.lock:
            rows = self.db.execute("SELECT object_type, name, label, type, field_type, group_name, description, "
                                   "options, hubspot_defined, display_order FROM properties").fetchall()
        props: dict[str, dict[str, PropertyDef]] = {t: {} for t in catalog.OBJECT_TYPES}
        for object_type, name, label, type_, field_type, group, description, options, defined, order in rows:
            opts = json.loads(options)
            props[object_type][name] = PropertyDef(
                name, label, type_, field_type, group, tuple(o["value"] for o in opts), tuple(o["label"] for o in opts),
                description or "", bool(defined), order)
        self._props = props

    def properties(self, object_type: str) -> dict[str, PropertyDef]:
        return self._props[object_type]

    def property_row(self, object_type: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT created, updated FROM properties WHERE object_type = ? AND name = ?",
                                  (object_type, name)).fetchone()
        return None if row is None else {"created": row[0], "updated": row[1]}

    def create_property(self, object_type: str, prop: PropertyDef) -> bool:
        """Add a property (and its column); False when one of that name exists."""
        with self.tx() as db:
            if db.execute("SELECT 1 FROM properties WHERE object_type = ? AND name = ?",
                          (object_type, prop.name)).fetchone():
                return False
            self._insert_property(db, object_type, replace(prop, hubspot_defined=False), self.now_ms())
            db.execute(f"ALTER TABLE {_table(object_type)} ADD COLUMN {q(prop.name)}")
            db.execute(f"ALTER TABLE {_index(object_type)} ADD COLUMN {q(prop.name)}")
        self._load_properties()
        return True

    def update_property(self, object_type: str, prop: PropertyDef) -> None:
        """Replace an existing property's definition (its name and values stay)."""
        options = [{"value": v, "label": lbl} for v, lbl in zip(prop.options, prop.option_labels)]
        with self.tx() as db:
            db.execute("UPDATE properties SET label = ?, type = ?, field_type = ?, group_name = ?, description = ?, "
                       "options = ?, display_order = ?, updated = ? WHERE object_type = ? AND name = ?",
                       (prop.label, prop.type, prop.field_type, prop.group, prop.description, json.dumps(options),
                        prop.display_order, self.now_ms(), object_type, prop.name))
        self._load_properties()

    def groups(self, object_type: str) -> list[tuple[str, str, int]]:
        with self.lock:
            return self.db.execute("SELECT name, label, display_order FROM property_groups WHERE object_type = ? "
                                   "ORDER BY display_order, name", (object_type,)).fetchall()

    def create_group(self, object_type: str, name: str, label: str, display_order: int) -> bool:
        with self.tx() as db:
            if db.execute("SELECT 1 FROM property_groups WHERE object_type = ? AND name = ?",
                          (object_type, name)).fetchone():
                return False
            db.execute("INSERT INTO property_groups VALUES (?, ?, ?, ?)", (object_type, name, label, display_order))
        return True

    def update_group(self, object_type: str, name: str, label: str, display_order: int) -> None:
        with self.tx() as db:
            db.execute("UPDATE property_groups SET label = ?, display_order = ? WHERE object_type = ? AND name = ?",
                       (label, display_order, object_type, name))

    def delete_group(self, object_type: str, name: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM property_groups WHERE object_type = ? AND name = ?", (object_type, name))

    # -- reading objects ----------------------------------------------------------------------

    def column(self, object_type: str, name: str) -> str:
        """The SQL expression holding property `name` (virtual ones map to internal columns)."""
        return _virtual(object_type).get(name) or q(name)

    def select_sql(self, object_type: str, names: Sequence[str], source: str | None = None) -> str:
        cols = ", ".join(self.column(object_type, n) for n in names)
        return f"SELECT _id, _created, _updated, _archived{', ' + cols if cols else ''} FROM {source or _table(object_type)}"

    def search_page(self, object_type: str, names: Sequence[str], where: str, params: Sequence[Any],
                    order: str, take: int, after: int) -> tuple[int, list[Any]]:
        """What search finds (call with the lock held): the total and one page of rows. While some
        writes have not reached the index yet, search sees their indexed copies instead of the
        live rows. Each part is asked on its own table, so that it walks that table's indexes: the
        copies are few (a lag window's writes), and one query over the union of the two scanned
        and sorted every row for every page."""
        table, index = _table(object_type), _index(object_type)
        self.db.execute(f"DELETE FROM {index} WHERE _at <= ?", (self.now_ms() - self.search_lag_ms,))
        total = self.db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0]
        page = f" ORDER BY {order} LIMIT ? OFFSET ?"
        # Sorted by id with many matches: walk the ids in order and stop at the page's end. Left
        # to itself, SQLite takes a date range's index (it guesses a two-sided range matches few
        # rows) and sorts every match for each page: a million times over in a full window.
        walk = order.startswith("_id ") and total > SORT_AT_MOST
        live_table = f"{table} INDEXED BY ix_{object_type}_live" if walk else table
        if not self.db.execute(f"SELECT 1 FROM {index} LIMIT 1").fetchone():
            sql = f"{self.select_sql(object_type, names, live_table)} WHERE {where}{page}"
            return total, self.db.execute(sql, (*params, take, after)).fetchall()
        pending = f"_id IN (SELECT _id FROM {index})"
        total -= self.db.execute(f"SELECT COUNT(*) FROM {table} WHERE ({where}) AND {pending}", params).fetchone()[0]
        total += self.db.execute(f"SELECT COUNT(*) FROM {index} WHERE ({where}) AND _absent = 0", params).fetchone()[0]
        cols = ", ".join(self._columns(object_type))
        live = f"SELECT {cols} FROM {live_table} WHERE ({where}) AND NOT {pending}{page}"
        copies = f"SELECT {cols} FROM {index} WHERE ({where}) AND _absent = 0{page}"
        source = f"(SELECT * FROM ({live}) UNION ALL SELECT * FROM ({copies})) AS {table}"
        window = (*params, after + take, 0)
        sql = f"{self.select_sql(object_type, names, source)}{page}"
        return total, self.db.execute(sql, (*window, *window, take, after)).fetchall()

    def index_wait_seconds(self) -> float:
        """How long until the newest write not yet searchable reaches the index (0: none pending)."""
        with self.lock:
            newest = max((self.db.execute(f"SELECT MAX(_at) FROM {_index(t)}").fetchone()[0] or 0)
                         for t in catalog.OBJECT_TYPES)
        return max(0.0, (newest + self.search_lag_ms - self.now_ms()) / 1000 + 0.001) if newest else 0.0

    def _columns(self, object_type: str) -> list[str]:
        return [q(r[1]) for r in self.db.execute(f"PRAGMA table_info({_table(object_type)})")]

    def _before_write(self, db: sqlite3.Connection, object_type: str, object_id: int, at: int,
                      absent: bool = False) -> None:
        """Keep the row as search still sees it: the first write in a lag window copies the row as
        it was; later ones in the window only move `_at` on (the index has neither yet)."""
        index = _index(object_type)
        row = db.execute(f"SELECT _at FROM {index} WHERE _id = ?", (object_id,)).fetchone()
        if row is not None and row[0] > at - self.search_lag_ms:
            db.execute(f"UPDATE {index} SET _at = ? WHERE _id = ?", (at, object_id))
            return
        db.execute(f"DELETE FROM {index} WHERE _id = ?", (object_id,))
        if absent:
            db.execute(f"INSERT INTO {index} (_id, _at, _absent) VALUES (?, ?, 1)", (object_id, at))
            return
        cols = ", ".join(self._columns(object_type))
        db.execute(f"INSERT INTO {index} ({cols}, _at) SELECT {cols}, ? FROM {_table(object_type)} WHERE _id = ?",
                   (at, object_id))

    def to_object(self, object_type: str, names: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
        props = self._props[object_type]
        values = {n: decode(props[n].type, v) for n, v in zip(names, row[4:])}
        return {"id": str(row[0]), "properties": values, "createdAt": _iso(row[1]), "updatedAt": _iso(row[2]),
                "archived": bool(row[3])}

    def known(self, object_type: str, names: Iterable[str] | None) -> list[str]:
        """Requested property names that exist, in order, once each; the defaults when none asked."""
        props = self._props[object_type]
        if not names:
            return list(catalog.DEFAULT_RETURNED[object_type])
        return list(dict.fromkeys(n for n in names if n in props))

    def list_page(self, object_type: str, names: Sequence[str], after: int, limit: int,
                  archived: bool = False) -> tuple[list[dict[str, Any]], int | None]:
        """Objects with id > after, by id; the last id when there may be more."""
        sql = self.select_sql(object_type, names) + " WHERE _id > ? AND _archived = ? ORDER BY _id LIMIT ?"
        with self.lock:
            rows = self.db.execute(sql, (after, int(archived), limit + 1)).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return [self.to_object(object_type, names, r) for r in rows], (rows[-1][0] if more else None)

    def read_many(self, object_type: str, names: Sequence[str], keys: Sequence[str],
                  id_property: str | None = None) -> dict[str, dict[str, Any]]:
        """Objects by id (or by a unique property such as email, case-insensitive), keyed as asked."""
        if id_property and id_property != "hs_object_id":
            where, params = f"{self.column(object_type, id_property)} COLLATE NOCASE", [k for k in keys]
            key_index = 4 + len(names)
            sql = self.select_sql(object_type, [*names, id_property])
        else:
            where, params = "_id", [n for n in map(inputs.object_id, keys) if n is not None]
            key_index = 0
            sql = self.select_sql(object_type, names)
        found: dict[str, dict[str, Any]] = {}
        with self.lock:
            for chunk in _chunks(params, 500):
                marks = ",".join("?" * len(chunk))
                for row in self.db.execute(f"{sql} WHERE {where} IN ({marks}) AND _archived = 0 ORDER BY _id", chunk):
                    key = str(row[key_index])
                    obj = self.to_object(object_type, names, row[: 4 + len(names)])
                    found.setdefault(key.lower() if id_property and id_property != "hs_object_id" else key, obj)
        return found

    def exists(self, object_type: str, ids: Sequence[int]) -> set[int]:
        out: set[int] = set()
        with self.lock:
            for chunk in _chunks(list(ids), 500):
                marks = ",".join("?" * len(chunk))
                out.update(r[0] for r in self.db.execute(
                    f"SELECT _id FROM {_table(object_type)} WHERE _id IN ({marks}) AND _archived = 0", chunk))
        return out

    def history(self, object_type: str, object_id: int, name: str) -> list[dict[str, Any]]:
        """A property's values over time, newest first, as propertiesWithHistory serves them."""
        prop = self._props[object_type][name]
        with self.lock:
            rows = self.db.execute("SELECT value, at, source FROM history WHERE object_type = ? AND object_id = ? "
                                   "AND name = ? ORDER BY rowid DESC", (object_type, object_id, name)).fetchall()
            if not rows:
                cur = self.db.execute(f"SELECT {self.column(object_type, name)}, _created FROM {_table(object_type)} "
                                      "WHERE _id = ?", (object_id,)).fetchone()
                if cur is None or cur[0] is None:
                    return []
                rows = [(decode(prop.type, cur[0]), cur[1], "IMPORT")]
        # No sourceId or updatedByUserId: both optional in ValueWithTimestamp, and not null there.
        return [{"value": v if v is not None else "", "timestamp": _iso(at), "sourceType": src} for v, at, src in rows]

    # -- writing objects ----------------------------------------------------------------------

    def current(self, db: sqlite3.Connection, object_type: str, object_id: int, names: Sequence[str]) -> dict[str, Any]:
        cols = ", ".join(["_created"] + [self.column(object_type, n) for n in names])
        row = db.execute(f"SELECT {cols} FROM {_table(object_type)} WHERE _id = ?", (object_id,)).fetchone()
        return {"_created": row[0], **dict(zip(names, row[1:]))}

    def apply(self, db: sqlite3.Connection, object_type: str, object_id: int, changes: dict[str, Any],
              source: str, at: int) -> bool:
        """Set stored values that differ from the current ones; record their history.
        Returns whether anything changed (the modified date moves only then)."""
        cur = self.current(db, object_type, object_id, list(changes))
        changed = {n: v for n, v in changes.items() if cur[n] != v}
        if not changed:
            return False
        props = self._props[object_type]
        for name, value in changed.items():
            if not db.execute("SELECT 1 FROM history WHERE object_type = ? AND object_id = ? AND name = ? LIMIT 1",
                              (object_type, object_id, name)).fetchone() and cur[name] is not None:
                db.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?)",
                           (object_type, object_id, name, decode(props[name].type, cur[name]), cur["_created"], "IMPORT"))
            db.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?, ?)",
                       (object_type, object_id, name, decode(props[name].type, value), at, source))
        self._before_write(db, object_type, object_id, at)
        sets = ", ".join(f"{q(n)} = ?" for n in changed)
        db.execute(f"UPDATE {_table(object_type)} SET {sets}, _updated = ? WHERE _id = ?",
                   (*changed.values(), at, object_id))
        return True

    def log_write(self, db: sqlite3.Connection, object_type: str, object_id: int, at: int, source: str,
                  properties: dict[str, Any]) -> None:
        db.execute("INSERT INTO writes(object_type, object_id, at, source, properties) VALUES (?, ?, ?, ?, ?)",
                   (object_type, object_id, at, source, json.dumps(properties, ensure_ascii=False)))

    def writes(self, object_type: str, object_id: int, source: str | None) -> list[tuple[int, str, dict[str, Any]]]:
        sql = "SELECT at, source, properties FROM writes WHERE object_type = ? AND object_id = ?"
        params: list[Any] = [object_type, object_id]
        if source:
            sql += " AND source = ?"
            params.append(source)
        with self.lock:
            rows = self.db.execute(sql + " ORDER BY seq", params).fetchall()
        return [(at, src, json.loads(props)) for at, src, props in rows]

    def insert_object(self, db: sqlite3.Connection, object_type: str, object_id: int | None, values: dict[str, Any],
                      created: int) -> int:
        cols = ["_created", "_updated", *map(q, values)]
        params = [created, created, *values.values()]
        if object_id is not None:
            cols.insert(0, "_id")
            params.insert(0, object_id)
        cur = db.execute(f"INSERT INTO {_table(object_type)} ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                          params)
        new_id = int(object_id if object_id is not None else cur.lastrowid)
        self._before_write(db, object_type, new_id, created, absent=True)
        return new_id

    def next_engagement_id(self, db: sqlite3.Connection) -> int:
        value = int(db.execute("SELECT value FROM meta WHERE key = 'next_engagement_id'").fetchone()[0])
        self.set_meta(db, "next_engagement_id", str(value + 1))
        return value

    # -- associations and web events ---------------------------------------------------------

    def associated(self, from_type: str, to_type: str, from_id: int) -> list[int]:
        with self.lock:
            if from_type == "contacts":
                sql = "SELECT object_id FROM associations WHERE contact_id = ? AND object_type = ? ORDER BY object_id"
                return [r[0] for r in self.db.execute(sql, (from_id, to_type))]
            sql = "SELECT contact_id FROM associations WHERE object_id = ? AND object_type = ? ORDER BY contact_id"
            return [r[0] for r in self.db.execute(sql, (from_id, from_type))]

    def web_events(self, contact_id: int | None, event_type: str | None, after: tuple[int, int] | None, limit: int,
                   descending: bool, occurred_after: int | None, occurred_before: int | None) -> list[tuple]:
        where: list[str] = []
        params: list[Any] = []
        if contact_id is not None:
            where.append("contact_id = ?")
            params.append(contact_id)
        if event_type:
            where.append("event_type = ?")
            params.append(event_type)
        if occurred_after is not None:
            where.append("occurred > ?")
            params.append(occurred_after)
        if occurred_before is not None:
            where.append("occurred < ?")
            params.append(occurred_before)
        if after is not None:
            where.append("(occurred, id) < (?, ?)" if descending else "(occurred, id) > (?, ?)")
            params.extend(after)
        order = "DESC" if descending else "ASC"
        sql = (f"SELECT id, contact_id, event_type, occurred, properties FROM web_events WHERE {' AND '.join(where) or '1'} "
               f"ORDER BY occurred {order}, id {order} LIMIT ?")
        with self.lock:
            return self.db.execute(sql, (*params, limit + 1)).fetchall()

    # -- what was received --------------------------------------------------------------------

    def log_request(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.db.execute("INSERT INTO requests(at, method, path, status) VALUES (?, ?, ?, ?)",
                            (self.now_ms(), method, path, status))

    def requests(self) -> list[tuple[str, str, int]]:
        with self.lock:
            return self.db.execute("SELECT method, path, status FROM requests ORDER BY seq").fetchall()

    def request_counts(self) -> list[tuple[str, str, int, int]]:
        with self.lock:
            return self.db.execute("SELECT method, path, status, COUNT(*) FROM requests GROUP BY method, path, status "
                                   "ORDER BY path, method, status").fetchall()


def _table(object_type: str) -> str:
    if object_type not in catalog.OBJECT_TYPES:
        raise KeyError(object_type)
    return f"obj_{object_type}"


def _index(object_type: str) -> str:
    return "idx_" + _table(object_type)[4:]


def _virtual(object_type: str) -> dict[str, str]:
    created, updated = catalog.DATE_PROPERTIES[object_type]
    virtual = {"hs_object_id": "_id", created: "_created", updated: "_updated"}
    if object_type == "companies":
        # `_id` unqualified: associations has no such column, so it is the company's.
        virtual["num_associated_contacts"] = ("(SELECT COUNT(*) FROM associations "
                                              "WHERE object_type = 'companies' AND object_id = _id)")
    return virtual


def _iso(ms: int | None) -> str | None:
    return None if ms is None else iso(int(ms))


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
