"""The run a line of log or a metric belongs to: run id, portal and phase, kept in context
variables so that every log line and API-call metric inside a run carries them without each
caller passing them along.

Context variables are per thread (and per task): the worker enters `run_context` inside the
job that runs the sync, so the scheduler's threads never mix two runs' values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

run_id_var: ContextVar[str | None] = ContextVar("leadscore_run_id", default=None)
portal_var: ContextVar[str | None] = ContextVar("leadscore_portal", default=None)
phase_var: ContextVar[str | None] = ContextVar("leadscore_phase", default=None)


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


@contextmanager
def run_context(
    *, portal: str | None = None, run_id: str | None = None, phase: str | None = None
) -> Iterator[str | None]:
    """Tag everything logged (and counted) inside the block with this portal, run and phase.

    Values left as None keep what the enclosing context had. Yields the run id in force.
    """
    tokens = []
    for var, value in ((portal_var, portal), (run_id_var, run_id), (phase_var, phase)):
        if value is not None:
            tokens.append((var, var.set(value)))
    try:
        yield run_id_var.get()
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current() -> dict[str, str]:
    """The context's values that are set, by log field name."""
    values = {"run_id": run_id_var.get(), "portal": portal_var.get(), "phase": phase_var.get()}
    return {k: v for k, v in values.items() if v is not None}
