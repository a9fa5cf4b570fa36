"""One app, deployed once for the module, taken through the Docker target's whole life.

Real engine, real containers, real HTTP through nginx's port on 127.0.0.1. The tests run in
file order and build on each other (deploy, scale, update under load, failed update,
destroy and redeploy, purge), so the slow part (image build, first start) happens once.
"""

import json
import selectors
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from dockerkit import BASE_IMAGE, JAC_SCALE, Load, call, labelled

from jac_scale import operations
from jac_scale.abstractions.models.resource_status import ResourceStatus

pytestmark = pytest.mark.docker


def _ctx(app: Path, **kwargs: Any) -> operations.AppContext:
    return operations.open_app(app, target="docker", **kwargs)


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [JAC_SCALE, *args], capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def _passwords(app: Path, name: str) -> list[str]:
    state = json.loads((app.parent / ".jac-scale" / "docker" / f"{name}.json").read_text())
    return list(state["credentials"].values())


@pytest.fixture(scope="module")
def stack(app_factory, docker_client) -> dict[str, Any]:
    app, name, port = app_factory(mongodb_enabled=True, redis_enabled=True, replicas=1)
    result = operations.deploy(_ctx(app))
    assert result["success"], result
    foreign = docker_client.containers.run(
        BASE_IMAGE,
        ["sleep", "900"],
        name=f"{name}-app-foreign",
        labels={"app.kubernetes.io/instance": name},
        detach=True,
    )
    yield {"app": app, "name": name, "port": port, "url": result["service_url"], "foreign": foreign}
    foreign.remove(force=True)


def test_walker_answers_through_the_published_port(stack, docker_client) -> None:
    assert stack["url"] == f"http://127.0.0.1:{stack['port']}"
    reports = call(stack["url"], "AddTodo", {"title": "kept across destroy"}, kind="walker")
    assert reports[0]["title"] == "kept across destroy"
    published = {
        c.name: c.attrs["HostConfig"]["PortBindings"]
        for c in labelled(docker_client, "containers", stack["name"])
    }
    assert published.pop(f"{stack['name']}-lb") == {
        "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(stack["port"])}]
    }
    assert not any(published.values()), f"only nginx may publish a port: {published}"


def test_app_reaches_redis_and_mongodb(stack) -> None:
    first = call(stack["url"], "redis_ping")
    assert call(stack["url"], "redis_ping") == first + 1
    count = call(stack["url"], "mongo_ping")
    assert count >= 1
    assert call(stack["url"], "mongo_ping") == count + 1


def test_credentials_stay_private(stack) -> None:
    app = stack["app"]
    state_file = app.parent / ".jac-scale" / "docker" / f"{stack['name']}.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state_file.parent.stat().st_mode) == 0o700
    passwords = _passwords(app, stack["name"])
    assert len(passwords) == 2
    shown = "".join(
        r.stdout + r.stderr
        for r in (
            _cli("status", str(app), "-o", "json"),
            _cli("render", str(app), "--target", "docker"),
            _cli("logs", str(app)),
            _cli("deploy", str(app), "-o", "json"),
        )
    )
    for password in passwords:
        assert password not in shown
    revealed = _cli("render", str(app), "--target", "docker", "--show-secrets").stdout
    assert all(p in revealed for p in passwords)


def test_unchanged_deploy_changes_nothing(stack, docker_client) -> None:
    before = {c.id for c in labelled(docker_client, "containers", stack["name"])}
    result = operations.deploy(_ctx(stack["app"]))
    assert result["success"] and result["details"]["changed"] is False
    assert {c.id for c in labelled(docker_client, "containers", stack["name"])} == before


def test_status_reports_replicas_and_databases(stack) -> None:
    data = json.loads(_cli("status", str(stack["app"]), "-o", "json").stdout)
    assert data["status"] == "running"
    assert (data["replicas"], data["ready_replicas"]) == (1, 1)
    assert data["details"]["containers"][0]["state"] == "running"
    assert set(data["details"]["databases"]) == {"mongodb", "redis"}
    assert all(d["state"] == "running" for d in data["details"]["databases"].values())


def test_replicas_are_told_their_app_name(stack, docker_client) -> None:
    # The runtime store names the app's MongoDB database after JAC_SCALE_APP_NAME.
    replicas = [
        c
        for c in labelled(docker_client, "containers", stack["name"])
        if c.labels.get("app.kubernetes.io/component") == "app"
    ]
    assert replicas
    for replica in replicas:
        assert f"JAC_SCALE_APP_NAME={stack['name']}" in replica.attrs["Config"]["Env"]


def test_scale_to_three_spreads_requests_then_back_to_one(stack) -> None:
    message = operations.scale(_ctx(stack["app"]), 3)["message"]
    assert "3" in message
    hosts: set[str] = set()
    for _ in range(60):
        hosts.add(call(stack["url"], "hostname"))
        if len(hosts) == 3:
            break
    assert len(hosts) == 3, hosts
    status = operations.status(_ctx(stack["app"]))
    assert (status["replicas"], status["ready_replicas"]) == (3, 3)
    again = operations.deploy(_ctx(stack["app"]))  # config still says 1: scale's 3 survives
    assert again["details"]["changed"] is False, again
    assert operations.status(_ctx(stack["app"]))["replicas"] == 3

    operations.scale(_ctx(stack["app"]), 1)
    status = operations.status(_ctx(stack["app"]))
    assert (status["replicas"], status["ready_replicas"]) == (1, 1)
    assert len({call(stack["url"], "hostname") for _ in range(6)}) == 1


def test_logs_come_from_the_replicas(stack) -> None:
    call(stack["url"], "greet", {"name": "logs"})
    lines = _cli("logs", str(stack["app"]), "--tail", "50").stdout.splitlines()
    assert any("/function/greet" in line for line in lines), lines[-10:]
    assert all(line.startswith(f"{stack['name']}-app-") for line in lines if line.strip())


def test_logs_follow_streams_new_lines(stack) -> None:
    follower = subprocess.Popen(
        [JAC_SCALE, "logs", str(stack["app"]), "--follow", "--tail", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    seen: list[str] = []
    try:
        selector = selectors.DefaultSelector()
        selector.register(follower.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + 90
        next_call = 0.0
        while time.monotonic() < deadline and not any("/function/greet" in x for x in seen):
            if time.monotonic() >= next_call:  # until the follower has attached and shows one
                call(stack["url"], "greet", {"name": "follow"})
                next_call = time.monotonic() + 2
            if selector.select(timeout=0.5):
                seen.append(follower.stdout.readline())
    finally:
        follower.terminate()
        follower.wait(timeout=30)
    assert any("/function/greet" in line for line in seen), seen


def test_code_change_under_load_drops_no_request(stack) -> None:
    app = stack["app"]
    app.write_text(app.read_text().replace('f"Hello, {name}!"', 'f"Howdy, {name}!"'))
    with Load(stack["url"]) as load:
        result = operations.deploy(_ctx(app))
        for _ in range(20):  # keep the stream going a little past the switch
            call(stack["url"], "hostname")
    assert result["success"] and result["details"]["changed"], result
    assert load.failures == [], load.failures[:5]
    assert load.ok > 0
    assert call(stack["url"], "greet", {"name": "you"}) == "Howdy, you!"


def test_version_that_crashes_keeps_the_old_one_serving(stack, docker_client) -> None:
    app = stack["app"]
    before = {c.id for c in labelled(docker_client, "containers", stack["name"])}
    toml = app.parent / "jac.toml"
    original = toml.read_text()
    toml.write_text(original + '\n[plugins.scale.environment]\nJAC_SCALE_EXAMPLE_CRASH = "1"\n')
    try:
        with Load(stack["url"], max_seconds=300) as load:
            result = _cli("deploy", str(app), check=False)
    finally:
        toml.write_text(original)
    assert result.returncode == 1
    assert "did not become healthy" in result.stderr
    assert "example app asked to crash at start" in result.stderr
    assert "Traceback" not in result.stderr
    assert load.failures == [] and load.ok > 0
    assert call(stack["url"], "greet", {"name": "still"}) == "Howdy, still!"
    assert {c.id for c in labelled(docker_client, "containers", stack["name"])} == before


def test_destroy_keeps_data_and_touches_nothing_else(stack, docker_client) -> None:
    name = stack["name"]
    pings = call(stack["url"], "redis_ping")
    _cli("destroy", str(stack["app"]), "--yes")
    assert labelled(docker_client, "containers", name) == []
    assert labelled(docker_client, "networks", name) == []
    volumes = {v.name for v in labelled(docker_client, "volumes", name)}
    assert {f"{name}-data-0", f"{name}-mongodb-data", f"{name}-redis-data"} <= volumes
    stack["foreign"].reload()
    assert stack["foreign"].status == "running"
    _cli("destroy", str(stack["app"]), "--yes")  # safe to repeat

    result = operations.deploy(_ctx(stack["app"]))
    assert result["success"], result
    titles = [r["title"] for r in call(stack["url"], "ListTodos", kind="walker")]
    assert "kept across destroy" in titles
    assert call(stack["url"], "redis_ping") == pings + 1


def test_destroy_with_purge_removes_the_volumes(stack, docker_client) -> None:
    name = stack["name"]
    _cli("destroy", str(stack["app"]), "--yes", "--purge")
    assert labelled(docker_client, "containers", name) == []
    assert labelled(docker_client, "volumes", name) == []
    assert not (stack["app"].parent / ".jac-scale" / "docker" / f"{name}.json").exists()
    status = operations.status(_ctx(stack["app"]))
    assert status["status"] == ResourceStatus.NOT_FOUND.value
    stack["foreign"].reload()
    assert stack["foreign"].status == "running"
