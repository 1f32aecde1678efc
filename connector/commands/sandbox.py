"""`leadscore sandbox serve|seed|reset|inspect`: run and look into the HubSpot sandbox portal."""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from connector.commands.invocation import settings
from connector.errors import UserError
from connector.extras import require_extra
from connector.settings import ENV_PREFIX, Settings

sandbox_app = typer.Typer(help="A local HubSpot-compatible sandbox portal, seeded with realistic leads.",
                          no_args_is_help=True,
                          callback=lambda: require_extra("sandbox", "sandbox"))
console = Console()


_DATA_DIR = "LEADSCORE_SANDBOX_DATA_DIR, else <LEADSCORE_DATA_DIR>/sandbox"


def _setting(name: str) -> str:
    """What a help line says an option left out means: the setting, else its default."""
    return f"{ENV_PREFIX}{name.upper()}, else {Settings.model_fields[name].default}"


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")


def _data_dir(s: Settings) -> Path:
    return s.sandbox_data_dir or s.data_dir / "sandbox"


def _anchor(value: Optional[str]) -> datetime | None:
    if value is None:
        return None
    try:
        day = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"--anchor {value!r} is not a date; fix: use YYYY-MM-DD.") from None
    return day.replace(tzinfo=day.tzinfo or UTC)


def _seed_with_progress(data_dir: Path, seed: int, contacts: int, anchor: datetime | None):
    from connector.sandbox.hubspot.sandbox import DB_NAME
    from connector.sandbox.hubspot.seeding import seed_portal
    from connector.sandbox.hubspot.store import Store
    from connector.sandbox.seed import default_anchor

    path = data_dir / DB_NAME
    data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    store = Store(path)
    started = time.monotonic()
    with console.status(f"seeding {contacts:,} contacts (seed {seed}) ...") as status:
        seed_portal(store, seed, contacts, anchor or default_anchor(),
                    progress=lambda done: status.update(f"seeding {done:,}/{contacts:,} contacts (seed {seed}) ..."))
    console.print(f"seeded {contacts:,} contacts (seed {seed}) into {path} in {time.monotonic() - started:.1f} s")
    return store


SERVING_FILE = "serving.json"  # in the data dir while a `sandbox serve` serves from it


def _mark_serving(directory: Path, url: str) -> Path:
    import json
    import os

    path = directory / SERVING_FILE
    path.write_text(json.dumps({"pid": os.getpid(), "url": url}))
    return path


def _refuse_if_serving(directory: Path, what: str) -> None:
    """A portal replaced under a running server is not what it serves: it keeps the old file
    open. Refuse, saying what to do; a mark left by a killed server is ignored."""
    import json
    import os

    path = directory / SERVING_FILE
    try:
        mark = json.loads(path.read_text())
        os.kill(int(mark["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return
    raise UserError(
        f"a sandbox is serving from {directory} (pid {mark['pid']}, {mark.get('url')}): {what} now "
        "would leave it serving the old portal. Fix: stop it (Ctrl-C, or kill "
        f"{mark['pid']}), run this again, then start `leadscore sandbox serve` again."
    )


def _existing_store(data_dir: Optional[Path]):
    from connector.sandbox.hubspot.sandbox import DB_NAME
    from connector.sandbox.hubspot.store import Store

    directory = _data_dir(settings(sandbox_data_dir=data_dir))
    if not (directory / DB_NAME).exists():
        raise UserError(f"no sandbox portal in {directory}; fix: run `leadscore sandbox seed` "
                        "(or `leadscore sandbox serve`) first.")
    return directory, Store(directory / DB_NAME)


@sandbox_app.command()
def serve(
    port: Optional[int] = typer.Option(None, "--port", help="Port on 127.0.0.1 (0: a free one).", show_default=_setting("sandbox_port")),
    token: Optional[str] = typer.Option(None, "--token", help="The one token to accept.", show_default="LEADSCORE_SANDBOX_TOKEN, else one generated and kept in the data dir"),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the generated portal.", show_default=_setting("sandbox_seed")),
    contacts: Optional[int] = typer.Option(None, "--contacts", help="Contacts to generate (first start or reset).", show_default=_setting("sandbox_contacts")),
    faults: Optional[str] = typer.Option(None, "--faults", help="Fault profile, e.g. flaky or rate_429=0.1,seed=3.", show_default="LEADSCORE_SANDBOX_FAULTS, else none"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the portal is kept.", show_default=_DATA_DIR),
    anchor: Optional[str] = typer.Option(None, "--anchor", help="End of the generated history (YYYY-MM-DD).", show_default="today"),
) -> None:
    """Serve the sandbox portal until interrupted; prints the URL and the token to use."""
    from connector.sandbox.hubspot.faults import FaultProfile
    from connector.sandbox.hubspot.limits import RateLimits
    from connector.sandbox.hubspot.portal import ALL_SCOPES, Portal
    from connector.sandbox.hubspot.sandbox import new_token, open_store
    from connector.sandbox.hubspot.server import SandboxHTTPServer

    s = settings(sandbox_port=port, sandbox_seed=seed, sandbox_contacts=contacts, sandbox_faults=faults,
                  sandbox_data_dir=data_dir)
    profile = FaultProfile.parse(s.sandbox_faults)
    directory = _data_dir(s)
    store = None
    if not (directory / "hubspot-sandbox.sqlite").exists():
        store = _seed_with_progress(directory, s.sandbox_seed, s.sandbox_contacts, _anchor(anchor))
        store.close()
    store = open_store(directory, seed=s.sandbox_seed, contacts=s.sandbox_contacts)
    chosen = token or (s.sandbox_token.get_secret_value() if s.sandbox_token else None)
    if chosen is None:
        chosen = store.meta("token") or new_token()
        with store.tx() as db:
            store.set_meta(db, "token", chosen)
    limits = RateLimits(s.sandbox_rate_limit_per_10s, s.sandbox_daily_limit, s.sandbox_search_per_second)
    try:
        server = SandboxHTTPServer(Portal(store, {chosen: ALL_SCOPES}, limits, profile), s.sandbox_port)
    except OSError as exc:
        raise UserError(f"cannot serve on 127.0.0.1:{s.sandbox_port}: {exc.strerror}; fix: pass --port 0 or "
                        "another free port.") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    server.start_background()
    serving = _mark_serving(directory, server.url)
    contacts_now = store.db.execute("SELECT COUNT(*) FROM obj_contacts").fetchone()[0]
    print(f"HubSpot sandbox serving {contacts_now:,} contacts (seed {store.meta('seed')}) from {directory}")
    print(f"faults: {'none' if not profile.active else profile.as_dict()}")
    print(f"LEADSCORE_HUBSPOT_URL={server.url}")
    print(f"LEADSCORE_HUBSPOT_TOKEN={chosen}")
    print(f"ready: {server.url}", flush=True)
    stop.wait()
    server.stop()
    serving.unlink(missing_ok=True)
    store.close()
    print("sandbox stopped", flush=True)


@sandbox_app.command("seed")
def seed_command(
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the generated portal.", show_default=_setting("sandbox_seed")),
    contacts: Optional[int] = typer.Option(None, "--contacts", help="How many contacts to generate.", show_default=_setting("sandbox_contacts")),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the portal is kept.", show_default=_DATA_DIR),
    anchor: Optional[str] = typer.Option(None, "--anchor", help="End of the generated history (YYYY-MM-DD).", show_default="today"),
) -> None:
    """Make a fresh portal from a seed (replacing the one in the data dir)."""
    s = settings(sandbox_seed=seed, sandbox_contacts=contacts, sandbox_data_dir=data_dir)
    _refuse_if_serving(_data_dir(s), "seeding a new portal")
    _seed_with_progress(_data_dir(s), s.sandbox_seed, s.sandbox_contacts, _anchor(anchor)).close()


@sandbox_app.command()
def reset(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the portal is kept.", show_default=_DATA_DIR),
) -> None:
    """Put the portal back to its seed: same seed, size and history; every write forgotten."""
    directory, old = _existing_store(data_dir)
    try:
        _refuse_if_serving(directory, "a reset")
    except UserError:
        old.close()
        raise
    seed, contacts, anchor = int(old.meta("seed") or 7), int(old.meta("contacts") or 0), old.meta("anchor")
    old.close()
    _seed_with_progress(directory, seed, contacts, datetime.fromisoformat(anchor) if anchor else None).close()


@sandbox_app.command()
def inspect(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the portal is kept.", show_default=_DATA_DIR),
    contact: Optional[int] = typer.Option(None, "--contact", help="Show every write to this contact.", show_default="every request, by path and status"),
) -> None:
    """What the sandbox received: requests by path and status, or the writes to one contact."""
    from connector.sandbox.hubspot.values import iso

    _directory, store = _existing_store(data_dir)
    try:
        if contact is None:
            table = Table("method", "path", "status", "count", title="requests received")
            for method, path, status, count in store.request_counts():
                table.add_row(method, path, str(status), str(count))
        else:
            table = Table("when", "source", "properties", title=f"writes to contact {contact}")
            for at, source, props in store.writes("contacts", contact, None):
                table.add_row(iso(at), source, ", ".join(f"{k}={v}" for k, v in props.items()))
        console.print(table)
    finally:
        store.close()
