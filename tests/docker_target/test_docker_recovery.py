"""Deploys that fail half-way leave a state the next deploy can build on.

The failure is real: the base image has no command, so the engine refuses to run it as the
load balancer, after the databases and the new replicas already exist.
"""

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from dockerkit import BASE_IMAGE, call, labelled
from testkit import free_port

from jac_scale import operations
from jac_scale.errors import DeploymentError

pytestmark = pytest.mark.docker


def _ctx(app: Path) -> operations.AppContext:
    return operations.open_app(app, target="docker")


def _edit_config(app: Path, **settings: str) -> None:
    """Rewrite `key = value` lines of the docker table (values already TOML)."""
    toml = app.parent / "jac.toml"
    text = toml.read_text()
    for key, value in settings.items():
        text, count = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.MULTILINE)
        assert count == 1, key
    toml.write_text(text)


def _state(app: Path, name: str) -> Path:
    return app.parent / ".jac-scale" / "docker" / f"{name}.json"


def test_interrupted_first_deploy_keeps_the_database_password(
    app_factory, docker_client, standin_images
) -> None:
    app, name, _ = app_factory(mongodb_enabled=True, lb_image=BASE_IMAGE)
    with pytest.raises(DeploymentError):
        operations.deploy(_ctx(app))
    assert labelled(docker_client, "containers", name) == []
    assert f"{name}-mongodb-data" in {v.name for v in labelled(docker_client, "volumes", name)}
    state_file = _state(app, name)
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state_file.parent.stat().st_mode) == 0o700
    password = json.loads(state_file.read_text())["credentials"]["mongodb_password"]

    _edit_config(app, lb_image=json.dumps(standin_images["nginx"]))
    result = operations.deploy(_ctx(app))
    assert result["success"], result
    assert call(result["service_url"], "mongo_ping") == 1
    assert json.loads(state_file.read_text())["credentials"]["mongodb_password"] == password


@pytest.fixture(scope="module")
def served(app_factory) -> dict[str, Any]:
    app, name, port = app_factory(replicas=1)
    toml = app.parent / "jac.toml"
    toml.write_text(toml.read_text() + '[plugins.scale.environment]\nJST_RELEASE = "1"\n')
    result = operations.deploy(_ctx(app))
    assert result["success"], result
    return {"app": app, "name": name, "port": port, "url": result["service_url"]}


def _bad_recreate(served: dict[str, Any], release: str, port: int) -> None:
    """A changed version whose new load balancer cannot start."""
    _edit_config(served["app"], lb_image=json.dumps(BASE_IMAGE), port=str(port))
    _edit_config(served["app"], JST_RELEASE=json.dumps(release))


def _lb_state(docker_client, name: str) -> tuple[str, Any]:
    lb = docker_client.containers.get(f"{name}-lb")
    return lb.status, lb.attrs["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"]


def test_failed_load_balancer_on_a_new_port_keeps_the_old_one_serving(
    served, docker_client
) -> None:
    name = served["name"]
    before = {c.id for c in labelled(docker_client, "containers", name)}
    new_port = free_port(served["port"] + 1, 21000)
    _bad_recreate(served, "2", new_port)
    with pytest.raises(DeploymentError) as caught:
        operations.deploy(_ctx(served["app"]))
    message = str(caught.value)
    assert f"the new replicas of {name} were removed" in message, message
    assert "previous version and its load balancer were left as they were" in message
    assert {c.id for c in labelled(docker_client, "containers", name)} == before
    assert _lb_state(docker_client, name) == ("running", str(served["port"]))
    assert call(served["url"], "greet", {"name": "still"}) == "Hello, still!"
    status = operations.status(_ctx(served["app"]))
    assert (status["status"], status["replicas"]) == ("running", 1)


def test_failed_load_balancer_after_a_stop_restores_what_was_there(served, docker_client) -> None:
    name = served["name"]
    docker_client.containers.get(f"{name}-lb").stop(timeout=5)
    before = {c.id for c in labelled(docker_client, "containers", name)}
    _bad_recreate(served, "3", served["port"])
    with pytest.raises(DeploymentError, match="were removed"):
        operations.deploy(_ctx(served["app"]))
    assert {c.id for c in labelled(docker_client, "containers", name)} == before
    assert _lb_state(docker_client, name) == ("exited", str(served["port"]))


def test_a_good_load_balancer_replaces_the_stopped_one(
    served, docker_client, standin_images
) -> None:
    _edit_config(served["app"], lb_image=json.dumps(standin_images["nginx"]))
    result = operations.deploy(_ctx(served["app"]))
    assert result["success"] and result["details"]["changed"], result
    assert call(served["url"], "greet", {"name": "back"}) == "Hello, back!"
    lbs = labelled(docker_client, "containers", served["name"])
    assert sorted(c.name for c in lbs if c.name.endswith(("-lb", "-lb-previous"))) == [
        f"{served['name']}-lb"
    ]
