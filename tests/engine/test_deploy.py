"""deploy/: the compose file and the Kubernetes example hold together and only set what the app reads.

No Docker or Kubernetes here: these check the files' structure (YAML), that the load balancer sends a browser
to the replicas compose defines and keeps it there (sticky sessions), that Ray's ports are never published,
and that every ``LOGITLAB_*`` / ``RAY_*`` setting they give is one the code or Ray actually reads.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

yaml = pytest.importorskip("yaml", reason="PyYAML comes with Ray (requirements-cluster.txt)")
DEPLOY = ROOT / "deploy"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def k8s() -> list[dict]:
    return [doc for doc in yaml.safe_load_all((DEPLOY / "k8s" / "logitlab.yaml").read_text()) if doc]


def code_settings() -> set[str]:
    names: set[str] = set()
    for folder in ("engine", "ui", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"\"(LOGITLAB_[A-Z_]+|LOGIT_LAB_[A-Z_]+)\"", path.read_text()))
    return names


def test_compose_has_the_parts_of_a_school_deployment():
    services = compose()["services"]
    assert {"ray-head", "ray-worker", "app-1", "app-2", "postgres", "balancer"} <= set(services)
    for name in ("app-1", "app-2"):
        env = services[name]["environment"]
        assert env["LOGITLAB_RAY_ADDRESS"] == "ray://ray-head:10001"
        assert (
            env["LOGITLAB_ROOMS_URL"].startswith("postgresql+psycopg://")
            and "@postgres:5432/" in env["LOGITLAB_ROOMS_URL"]
        )
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"balancer"}  # Ray's ports (and PostgreSQL's) stay on the compose network
    assert "--num-cpus 0" in services["ray-head"]["command"]  # the head keeps the registry; workers train


def test_the_load_balancer_keeps_a_browser_on_its_replica():
    routing = yaml.safe_load((DEPLOY / "traefik.yml").read_text())["http"]["services"]["logitlab"]["loadBalancer"]
    assert routing["sticky"]["cookie"]["name"]
    servers = {server["url"] for server in routing["servers"]}
    assert servers == {f"http://{name}:8501" for name in ("app-1", "app-2")}
    ingress = next(doc for doc in k8s() if doc["kind"] == "Ingress")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"


def test_kubernetes_has_the_same_parts():
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in k8s()}
    assert {("Deployment", "ray-head"), ("Deployment", "ray-worker"), ("Deployment", "app")} <= kinds
    assert {("StatefulSet", "postgres"), ("Ingress", "logitlab"), ("NetworkPolicy", "ray-private")} <= kinds
    app = next(doc for doc in k8s() if doc["kind"] == "Deployment" and doc["metadata"]["name"] == "app")
    assert app["spec"]["replicas"] == 2
    env = {e["name"]: e.get("value") for e in app["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["LOGITLAB_RAY_ADDRESS"] == "ray://ray-head:10001"
    services = {doc["metadata"]["name"]: doc for doc in k8s() if doc["kind"] == "Service"}
    assert all(service["spec"].get("type", "ClusterIP") == "ClusterIP" for service in services.values())


def test_deploy_files_only_set_what_is_read():
    text = "\n".join(
        p.read_text() for p in [DEPLOY / "compose.yaml", DEPLOY / "k8s" / "logitlab.yaml", DEPLOY / "Dockerfile"]
    )
    given = set(re.findall(r"\b(LOGITLAB_[A-Z_]+|LOGIT_LAB_[A-Z_]+)\b", text))
    unknown = given - code_settings()
    assert not unknown, f"settings in deploy/ that no code reads: {sorted(unknown)}"
    ray_settings = set(re.findall(r"\b(RAY_[A-Z_]+)\b", text))
    assert ray_settings <= {"RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S"}
