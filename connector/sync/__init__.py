"""The CRM-neutral sync loop: read changed leads, score them, write back only what changed."""

from connector.sync.loop import Change, RunHooks, SyncReport, SyncRun, run_sync

__all__ = ["Change", "RunHooks", "SyncReport", "SyncRun", "run_sync"]
