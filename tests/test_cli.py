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


def test_an_unknown_option_is_a_usage_error_without_a_traceback():
    import subprocess

    done = subprocess.run([sys.executable, "-m", "connector", "validate", "--no-such-option"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "No such option" in done.stderr and "--no-such-option" in done.stderr
    assert "Traceback" not in done.stderr
