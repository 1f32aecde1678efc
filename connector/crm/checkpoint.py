"""Checking a saved checkpoint's shape before a sync trusts it.

A checkpoint is opaque to the store and the loop; each adapter reads its own JSON. One written
by another CRM's sync (before state was keyed by CRM), by an older leadscore or by hand must stop
the run with a clear error instead of a traceback deep in the adapter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from connector.errors import UserError

# Each key's allowed JSON types; None in the tuple allows null.
Shape = Mapping[str, tuple[type | None, ...]]


class CheckpointError(UserError):
    def __init__(self, problem: str) -> None:
        super().__init__(
            f"the checkpoint saved for this portal is not one this CRM's sync writes ({problem}). "
            "Fix: check LEADSCORE_CRM and LEADSCORE_PORTAL name the connection that wrote it; if "
            "they do, delete that portal's row from the state store's checkpoints table (its key "
            "is 'crm:portal', e.g. 'hubspot:default') and run `leadscore sync --full`."
        )


def parse(value: str | Mapping | None, shape: Shape, *, required: bool = False) -> dict:
    """The checkpoint as a dict whose keys are all in `shape` with the types it allows (every
    key present when `required`); CheckpointError naming the first problem otherwise."""
    if value is None or value == "":
        return {}
    data = value
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError:
            raise CheckpointError("it is not JSON") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"a JSON object was expected, found {type(data).__name__}")
    if unknown := sorted(set(data) - set(shape)):
        raise CheckpointError(f"unknown keys {', '.join(unknown)}")
    if required and (missing := sorted(set(shape) - set(data))):
        raise CheckpointError(f"missing keys {', '.join(missing)}")
    for key, item in data.items():
        if not any(item is None if kind is None else _is(item, kind) for kind in shape[key]):
            raise CheckpointError(f"{key!r} is {item!r}")
    return data


def _is(item: object, kind: type) -> bool:
    if kind is int:  # JSON true/false are not positions
        return isinstance(item, int) and not isinstance(item, bool)
    return isinstance(item, kind)
