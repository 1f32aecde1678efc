"""A real PostgreSQL server for the tests, from pip (pgserver ships the server's binaries).

One server per test session, a fresh database per test. PostgreSQL refuses to run as root:
run as root (CI), pgserver starts it as a system user of its own (`pgserver`, created with
useradd on first use) and opens the directories on the paths to its data directory and its
binaries (in .venv) to that user (group and others may read and traverse them).
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server():
    """The server, its data directory outside pytest's temporary tree: that tree is private to
    its owner (0700, rechecked by pytest), and a root run's server runs as another user."""
    with warnings.catch_warnings():  # platformdirs: no XDG_RUNTIME_DIR in CI, /tmp is used
        warnings.simplefilter("ignore")
        import pgserver

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata = Path(tempfile.mkdtemp(prefix="leadscore-pg-"))
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """The SQLAlchemy URL of a new, empty database on the session's server."""
    name = f"leadscore_test_{next(_numbers)}"
    admin = sa.create_engine(_psycopg(postgres_server.get_uri()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield _psycopg(postgres_server.get_uri(name))
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def _psycopg(uri: str) -> str:
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request, tmp_path):
    """A state store's URL on each backend: the SQLite file of the default, and PostgreSQL."""
    if request.param == "sqlite":
        from connector.state import default_url

        return default_url(tmp_path / "data")
    return request.getfixturevalue("postgres_url")
