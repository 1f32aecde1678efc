"""Command modules; each exposes `register(app)` and is listed in MODULES once."""

from __future__ import annotations

import importlib

import typer

MODULES: list[str] = ["scoring", "sandbox", "sync", "backtest", "compare", "setup", "salesforce", "worker"]


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        importlib.import_module(f"connector.commands.{name}").register(app)
