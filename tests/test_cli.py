import json
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


def _commands():
    """(words, click command) for every command of the app, groups included."""
    from typer.main import get_command

    cli._register()
    found, pending = [], [([], get_command(cli.app))]
    while pending:
        words, command = pending.pop()
        found.append((words, command))
        pending.extend((words + [name], sub) for name, sub in getattr(command, "commands", {}).items())
    return found


def test_version_prints_the_installed_version_and_exits_zero():
    from importlib.metadata import version

    from typer.testing import CliRunner

    result = CliRunner().invoke(cli.app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"leadscore {version('leadscore')}"


def test_dash_h_is_help_for_the_app_and_for_a_command():
    from typer.testing import CliRunner

    cli._register()
    assert "Usage: leadscore [OPTIONS] COMMAND" in CliRunner().invoke(cli.app, ["-h"]).output
    assert "Usage: leadscore sync [OPTIONS]" in CliRunner().invoke(cli.app, ["sync", "-h"]).output


def test_no_help_shows_a_type_for_a_flag():
    from typer.testing import CliRunner

    for words, _command in _commands():
        output = CliRunner().invoke(cli.app, [*words, "--help"], env={"COLUMNS": "200"}).output
        assert "Usage:" in output and "<bool>" not in output, words


def test_every_option_says_what_leaving_it_out_means():
    unsaid = [(words, param.opts) for words, command in _commands() for param in command.params
              if not getattr(param, "is_flag", False) and not param.required and param.default is None
              and not isinstance(param.show_default, str) and "default" not in (param.help or "")]
    assert unsaid == []


def test_sandbox_serve_help_shows_the_settings_defaults():
    from typer.testing import CliRunner

    cli._register()
    output = CliRunner().invoke(cli.app, ["sandbox", "serve", "--help"], env={"COLUMNS": "200"}).output
    assert "[default: (LEADSCORE_SANDBOX_PORT, else 8765)]" in output
    assert "[default: (LEADSCORE_SANDBOX_CONTACTS, else 5000)]" in output


def test_every_command_warns_about_a_misspelt_variable_from_the_env_file(tmp_path, monkeypatch, capsys):
    env = tmp_path / "worker.env"
    env.write_text("LEADSCORE_HUBSPOT_RATE_LIMT_PER_10S=100\n")
    monkeypatch.setenv("LEADSCORE_LOG_FORMAT", "text")
    monkeypatch.setattr(sys, "argv", ["leadscore", "--env-file", str(env), "validate"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
        raise SystemExit(0)
    assert exit_info.value.code == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "LEADSCORE_HUBSPOT_RATE_LIMT_PER_10S is not a setting; did you mean LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S?" in err


def test_sync_of_a_portal_not_listed_names_the_listed_ones(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    monkeypatch.chdir(tmp_path)
    cli._register()
    result = CliRunner().invoke(cli.app, ["sync", "--portal", "initech"], env={"LEADSCORE_PORTALS": "acme,globex"})
    assert result.exit_code != 0
    assert "--portal initech: no such portal (these are: acme, globex)" in str(result.exception)


def test_an_unexpected_error_is_logged_with_its_traceback_redacted(monkeypatch, capsys):
    token = "Zx81-Qw7f#kLm2@90a~Tq"
    monkeypatch.setenv("LEADSCORE_HUBSPOT_TOKEN", token)
    monkeypatch.setenv("LEADSCORE_LOG_FORMAT", "json")

    def crash():
        raise RuntimeError(f"request failed with header Bearer {token}")

    assert run_main(monkeypatch, crash) == 1
    err = capsys.readouterr().err
    [line] = [json.loads(text) for text in err.splitlines()]
    assert line["level"] == "CRITICAL" and "RuntimeError" in line["exception"]
    assert "Traceback (most recent call last)" in line["exception"]
    assert token not in err and "kLm2" not in err
