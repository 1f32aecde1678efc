"""The container files, checked instruction by instruction (no Docker engine runs here; the
build command is `docker build -t leadscore .`, see the README)."""

import json
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def instructions(path=ROOT / "Dockerfile"):
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    result, pending = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        keyword, _, rest = full.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def args(text):
    """Exec-form JSON arrays as lists, shell form split like a shell would."""
    return json.loads(text) if text.startswith("[") else shlex.split(text)


def final_stage():
    steps = instructions()
    start = max(i for i, (k, _) in enumerate(steps) if k == "FROM")
    return steps[start:]


def values(keyword, steps=None):
    return [rest for k, rest in (steps or final_stage()) if k == keyword]


def test_the_image_is_a_slim_python_3_11():
    for base in values("FROM", instructions()):
        assert base.split()[0] == "python:3.11-slim"


def test_dependencies_are_installed_from_the_pinned_set():
    runs = " ".join(values("RUN", instructions()))
    assert 'pip install -c constraints.txt ".${LEADSCORE_EXTRAS}"' in runs
    assert any("constraints.txt" in c for c in values("COPY", instructions()))


def test_the_image_installs_the_base_only_unless_asked_for_extras():
    assert values("ARG", instructions()) == ['LEADSCORE_EXTRAS=""']


def test_compose_builds_the_sandbox_with_its_extra_and_the_worker_without():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    sandbox, worker = compose["services"]["sandbox"], compose["services"]["worker"]
    assert sandbox["build"]["args"]["LEADSCORE_EXTRAS"] == "[sandbox]"
    assert worker["build"] == "." and worker["image"] != sandbox["image"]


def test_the_worker_runs_as_a_non_root_user():
    [user] = values("USER")
    assert user.split(":")[0] not in {"root", "0"}
    assert "useradd" in " ".join(values("RUN"))


def test_healthcheck_probes_healthz_with_python():
    [check] = values("HEALTHCHECK")
    options, _, command = check.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = args(command)
    assert argv[0] == "python" and "/healthz" in argv[-1]


def test_the_data_directory_is_a_volume_the_settings_point_at():
    [volume] = values("VOLUME")
    assert args(volume) == ["/data"]
    env = " ".join(values("ENV"))
    assert "LEADSCORE_DATA_DIR=/data" in env
    assert "LEADSCORE_MODEL_PATH=/app/config/scoring.toml" in env
    assert any(c.split()[-1] == "./config" for c in values("COPY"))


def test_the_default_command_is_leadscore_run():
    [entrypoint], [cmd] = values("ENTRYPOINT"), values("CMD")
    assert args(entrypoint) + args(cmd) == ["leadscore", "run"]


def test_the_endpoint_port_is_exposed():
    assert values("EXPOSE") == ["8080"]
    assert "LEADSCORE_HTTP_PORT=8080" in " ".join(values("ENV"))


@pytest.mark.parametrize("path", [".env", ".venv", ".git", "data/"])
def test_secrets_and_local_state_stay_out_of_the_build_context(path):
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert path in ignored


def test_compose_runs_the_worker_against_the_sandbox():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    sandbox, worker = compose["services"]["sandbox"], compose["services"]["worker"]
    assert sandbox["command"][:2] == ["sandbox", "serve"]
    port = sandbox["command"][sandbox["command"].index("--port") + 1]
    token = sandbox["command"][sandbox["command"].index("--token") + 1]
    assert worker["network_mode"] == "service:sandbox"
    assert worker["environment"]["LEADSCORE_HUBSPOT_URL"] == f"http://127.0.0.1:{port}"
    assert worker["environment"]["LEADSCORE_HUBSPOT_TOKEN"] == token
    assert "command" not in worker  # the image's default: leadscore run
    grace = int(worker["stop_grace_period"].rstrip("s"))
    assert grace > 25  # longer than the default LEADSCORE_SHUTDOWN_TIMEOUT_SECONDS
