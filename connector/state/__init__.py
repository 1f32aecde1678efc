"""The worker's state: checkpoints, failed records, run history, own-write markers (per portal)."""

from connector.state.store import (
    FailedRecord,
    RecordOutcome,
    RunRecord,
    RunStats,
    StateStore,
    default_url,
)

__all__ = ["FailedRecord", "RecordOutcome", "RunRecord", "RunStats", "StateStore", "default_url"]
