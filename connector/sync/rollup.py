"""The contacts' scores an account pass rolls up (connector/sync/accounts.py), kept off the heap.

A full pass scores every contact before its accounts, and each account's engagement comes from
its contacts' scores, so the pass needs every contact's name and engagement score until its end:
about 250 bytes a contact as Python objects (a quarter of a gigabyte at a million contacts). They
are kept instead in a private temporary SQLite database of this process (its pages cached in
memory up to a small bound, the rest in a temporary file SQLite deletes when it is closed), so the
sync's memory stays flat with the portal's size.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from connector.crm.base import ContactScore

BUFFER = 1000  # scores inserted together
CHUNK = 500  # ids per IN (...) list
CACHE_KB = 8192  # the temporary database's page cache


class ContactScores:
    """Contact id → its `ContactScore`, for one pass; `close()` deletes them."""

    def __init__(self) -> None:
        # "": a temporary database of this connection only, on disk once it outgrows the cache.
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KB}")
        self._db.execute("CREATE TABLE scores (id TEXT PRIMARY KEY, name TEXT, engagement INT) WITHOUT ROWID")
        self._pending: list[tuple[str, str, int | None]] = []

    def add(self, contact_id: str, score: ContactScore) -> None:
        """Keep a contact's score (the latest wins when a contact is scored twice)."""
        self._pending.append((contact_id, score.name, score.engagement))
        if len(self._pending) >= BUFFER:
            self._flush()

    def get_many(self, contact_ids: Iterable[str]) -> dict[str, ContactScore]:
        """The kept scores of these contacts (those never added are left out)."""
        self._flush()
        ids = list(dict.fromkeys(contact_ids))
        found: dict[str, ContactScore] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = self._db.execute(
                f"SELECT id, name, engagement FROM scores WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update({cid: ContactScore(name, engagement) for cid, name, engagement in rows})
        return found

    def close(self) -> None:
        self._pending = []
        self._db.close()

    def _flush(self) -> None:
        if self._pending:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?)", self._pending)
            self._db.execute("COMMIT")
            self._pending = []
