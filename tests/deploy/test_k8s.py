"""The Kubernetes manifests under deploy/k8s: parsed, and checked against the worker they run."""

import re
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from connector.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
# Settings that carry credentials: the SecretStr ones, and the state URL (it holds a password).
SECRET_SETTINGS = {
    ENV_PREFIX + name.upper() for name, field in Settings.model_fields.items()
    if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
} | {ENV_PREFIX + "STATE_URL"}


def _docs():
    return [doc for path in sorted(K8S.glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def _one(kind):
    [doc] = [d for d in _docs() if d["kind"] == kind]
    return doc


def _pod_specs():
    return {"Deployment": _one("Deployment")["spec"]["template"]["spec"],
            "CronJob": _one("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]}


def _image_uid() -> int:
    return int(re.search(r"^USER (\d+)", (ROOT / "Dockerfile").read_text(), re.M).group(1))


def test_the_manifests_hold_the_worker_its_budget_and_the_one_shot_alternative():
    assert sorted(d["kind"] for d in _docs()) == [
        "ConfigMap", "CronJob", "Deployment", "PodDisruptionBudget", "Service"]


def test_the_deployment_probes_healthz_for_liveness_and_readyz_for_readiness_on_its_port():
    deployment = _one("Deployment")
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports[container["livenessProbe"]["httpGet"]["port"]] == Settings.model_fields["http_port"].default
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["readinessProbe"]["httpGet"]["port"] == "http"
    assert deployment["spec"]["replicas"] > 1


@pytest.mark.parametrize("kind", ["Deployment", "CronJob"])
def test_pods_run_as_the_images_non_root_user_without_privilege_escalation(kind):
    spec = _pod_specs()[kind]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == _image_uid() != 0
    for container in spec["containers"]:
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("kind", ["Deployment", "CronJob"])
def test_the_token_and_the_state_url_come_from_secrets(kind):
    [container] = _pod_specs()[kind]["containers"]
    env = {e["name"]: e for e in container.get("env", [])}
    assert env[ENV_PREFIX + "STATE_URL"]["valueFrom"]["secretKeyRef"]["name"]
    assert any("secretRef" in source for source in container["envFrom"])  # the CRM credentials
    for name in SECRET_SETTINGS & set(env):
        assert "value" not in env[name] and "secretKeyRef" in env[name]["valueFrom"], name


def test_no_secret_value_is_written_in_any_manifest():
    assert not [d for d in _docs() if d["kind"] == "Secret"]
    config = _one("ConfigMap")["data"]
    assert not SECRET_SETTINGS & set(config)
    assert not [k for k in config if re.search(r"TOKEN|SECRET|PASSWORD|KEY", k)]
    text = "\n".join(p.read_text() for p in K8S.glob("*.yaml"))
    assert not re.search(r"pat-[a-z]{2}\d-|postgres(ql)?(\+\w+)?://\S*:\S*@", text)


def test_every_configmap_key_is_a_setting_of_the_worker():
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert set(_one("ConfigMap")["data"]) <= known


def test_the_grace_period_outlasts_the_workers_shutdown_timeout():
    timeout = float(_one("ConfigMap")["data"][ENV_PREFIX + "SHUTDOWN_TIMEOUT_SECONDS"])
    for spec in _pod_specs().values():
        assert spec["terminationGracePeriodSeconds"] > timeout


def test_the_budget_covers_the_deployments_pods():
    selector = _one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]
    labels = _one("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    assert _one("PodDisruptionBudget")["spec"]["maxUnavailable"] == 1


def test_the_cronjob_runs_one_sync_never_two_at_once():
    cron = _one("CronJob")["spec"]
    [container] = cron["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["sync", "--once"]
    assert cron["concurrencyPolicy"] == "Forbid"


@pytest.mark.parametrize("kind", ["Deployment", "CronJob"])
def test_memory_is_requested_and_limited(kind):
    for container in _pod_specs()[kind]["containers"]:
        resources = container["resources"]
        assert resources["requests"]["memory"] and resources["requests"]["cpu"]
        assert resources["limits"]["memory"]
