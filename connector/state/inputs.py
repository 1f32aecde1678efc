"""Kept scoring inputs in the state store: per lead, what the model reads of it and leadscore's
values as the CRM holds them; per portal, what the kept inputs hold and when a full read of the
CRM last kept them all.

The rows are opaque text here (connector/sync/inputs.py encodes them); the store only keeps,
lists and forgets them. `StateStore` mixes this in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connector.state.schema import input_sets, lead_inputs

CHUNK = 500  # ids per IN (...) list: well under SQLite's bound on parameters


@dataclass(frozen=True)
class InputSet:
    """What a portal's kept inputs hold: the `signature` of what the model reads, and when a full
    read last kept every lead's (None: not since the signature was set)."""

    signature: str
    read_at: datetime | None


@dataclass(frozen=True)
class KeptInputs:
    lead_id: str
    inputs: str  # JSON
    written: str  # JSON


class InputsMixin:
    engine: Engine
    key: Callable[[str], str]  # StateStore.key: the stored key of a portal

    def input_set(self, portal: str) -> InputSet | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(input_sets).where(input_sets.c.portal == self.key(portal))).first()
        return None if row is None else InputSet(row.signature, row.read_at)

    def reset_inputs(self, portal: str, signature: str) -> None:
        """Forget every kept input of `portal`: from now on they hold `signature`, and no full
        read has kept them all yet."""
        key = self.key(portal)
        with self.engine.begin() as conn:
            conn.execute(lead_inputs.delete().where(lead_inputs.c.portal == key))
            conn.execute(input_sets.delete().where(input_sets.c.portal == key))
            conn.execute(input_sets.insert().values(portal=key, signature=signature, read_at=None))

    def inputs_read(self, portal: str, signature: str, now: datetime) -> None:
        """A full read of the CRM finished: every lead's inputs (of `signature`) are kept."""
        with self.engine.begin() as conn:
            conn.execute(input_sets.update()
                         .where((input_sets.c.portal == self.key(portal))
                                & (input_sets.c.signature == signature))
                         .values(read_at=now))

    def keep_inputs(self, portal: str, rows: Sequence[KeptInputs]) -> None:
        """Keep (or replace) these leads' inputs and written values, in one transaction."""
        if not rows:
            return
        key = self.key(portal)
        with self.engine.begin() as conn:
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                conn.execute(lead_inputs.delete().where(
                    (lead_inputs.c.portal == key)
                    & lead_inputs.c.lead_id.in_([r.lead_id for r in chunk])))
                conn.execute(lead_inputs.insert(), [
                    {"portal": key, "lead_id": r.lead_id, "inputs": r.inputs, "written": r.written}
                    for r in chunk])

    def forget_inputs(self, portal: str, lead_ids: Sequence[str]) -> None:
        """Leads the CRM no longer has."""
        key = self.key(portal)
        with self.engine.begin() as conn:
            for start in range(0, len(lead_ids), CHUNK):
                conn.execute(lead_inputs.delete().where(
                    (lead_inputs.c.portal == key)
                    & lead_inputs.c.lead_id.in_(list(lead_ids[start : start + CHUNK]))))

    def iter_inputs(self, portal: str, page: int = 1000) -> Iterator[list[KeptInputs]]:
        """Every kept lead of `portal`, in pages ordered by id (keyset: each page one query, so a
        million leads never sit in memory at once)."""
        key = self.key(portal)
        after = ""
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    sa.select(lead_inputs.c.lead_id, lead_inputs.c.inputs, lead_inputs.c.written)
                    .where((lead_inputs.c.portal == key) & (lead_inputs.c.lead_id > after))
                    .order_by(lead_inputs.c.lead_id).limit(page)).all()
            if not rows:
                return
            yield [KeptInputs(r.lead_id, r.inputs, r.written) for r in rows]
            after = rows[-1].lead_id

    def count_inputs(self, portal: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(lead_inputs)
                                .where(lead_inputs.c.portal == self.key(portal))).scalar() or 0
