import sys

import pytest
import typer

from connector import cli


def run_main(monkeypatch, command):
    """Run `leadscore probe` with `command` as the probe's body; return the exit code."""

    def register():
        cli.app.command("probe")(lambda: command())
        cli.app.command("other")(lambda: None)  # two commands, so "probe" is a subcommand

    monkeypatch.setattr(cli.app, "registered_commands", [])
    monkeypatch.setattr(cli, "_register", register)
    monkeypatch.setattr(sys, "argv", ["leadscore", "probe"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
        raise SystemExit(0)
    return exit_info.value.code


def test_a_command_exiting_non_zero_makes_the_process_exit_non_zero(monkeypatch):
    def fail():
        raise typer.Exit(3)

    assert run_main(monkeypatch, fail) == 3


def test_a_command_that_returns_normally_exits_zero(monkeypatch):
    assert run_main(monkeypatch, lambda: None) == 0
