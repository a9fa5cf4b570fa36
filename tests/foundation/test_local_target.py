"""The local target end to end: real `jac start` processes and real HTTP on 127.0.0.1."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit import EXAMPLE_APP, copy_example, free_port, post_json

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.models import ResourceStatus
from jac_scale.errors import DeploymentError, NotSupportedError
from jac_scale.factories.deployment_factory import DeploymentTargetFactory
from jac_scale.targets.local import process_control
from jac_scale.targets.local.local_target import LocalTarget

pytestmark = pytest.mark.slow
PORTS = (18000, 18500)


def make_target(app_file: Path, **config: object) -> LocalTarget:
    settings = {"app_name": "todo", "port": free_port(*PORTS), "startup_timeout": 240, **config}
    settings.setdefault("state_dir", str(app_file.parent / ".jac-scale"))
    target = DeploymentTargetFactory.create("local", settings)
    assert isinstance(target, LocalTarget)
    return target


def app_config(app_file: Path) -> AppConfig:
    return AppConfig(code_folder=str(app_file.parent), file_name=app_file.name)


def pid_alive(pid: int) -> bool:
    return process_control.process_start_time(pid) is not None and process_control.is_ours(
        pid, None
    )


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalTarget, Path, str]]:
    app_file = copy_example(tmp_path_factory.mktemp("local") / "todo")
    target = make_target(app_file)
    result = target.deploy(app_config(app_file))
    assert result.success, result
    try:
        yield target, app_file, result.service_url or ""
    finally:
        target.destroy("todo")


def test_walker_and_function_answer(deployed: tuple[LocalTarget, Path, str]) -> None:
    _, _, url = deployed
    added = post_json(f"{url}/walker/AddTodo", {"title": "buy milk"})
    assert added["ok"] is True
    assert added["data"]["reports"][0]["title"] == "buy milk"
    listed = post_json(f"{url}/walker/ListTodos", {})
    assert "buy milk" in [item["title"] for item in listed["data"]["reports"]]
    greeting = post_json(f"{url}/function/greet", {"name": "Ada"})
    assert greeting["data"]["result"] == "Hello, Ada!"


def test_status_url_and_scale(deployed: tuple[LocalTarget, Path, str]) -> None:
    target, _, url = deployed
    status = target.get_status("todo")
    assert status.status is ResourceStatus.RUNNING
    assert (status.replicas, status.ready_replicas) == (1, 1)
    assert target.get_service_url("todo") == url
    target.scale("todo", 1)
    with pytest.raises(NotSupportedError, match="exactly one process") as caught:
        target.scale("todo", 3)
    assert "docker" in (caught.value.hint or "")


def test_unchanged_redeploy_keeps_the_process(deployed: tuple[LocalTarget, Path, str]) -> None:
    target, app_file, _ = deployed
    before = target.get_status("todo").details["pid"]
    result = target.deploy(app_config(app_file))
    assert result.success and result.details["changed"] is False
    assert result.details["pid"] == before


def test_code_change_is_served_after_redeploy(deployed: tuple[LocalTarget, Path, str]) -> None:
    target, app_file, url = deployed
    old_pid = target.get_status("todo").details["pid"]
    source = app_file.read_text()
    app_file.write_text(source.replace('f"Hello, {name}!"', 'f"Howdy, {name}!"'))
    result = target.deploy(app_config(app_file))
    assert result.success and result.details["changed"] is True
    assert result.details["pid"] != old_pid
    assert not pid_alive(old_pid)
    assert post_json(f"{url}/function/greet", {"name": "Ada"})["data"]["result"] == "Howdy, Ada!"
    # the graph written before the restart is still there (.jac/data is kept)
    listed = post_json(f"{url}/walker/ListTodos", {})
    assert "buy milk" in [item["title"] for item in listed["data"]["reports"]]


def test_logs_show_requests(deployed: tuple[LocalTarget, Path, str]) -> None:
    target, _, _ = deployed
    lines = list(target.logs("todo", tail=50))
    assert any("POST /function/greet" in line for line in lines)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("walker:pub Broken {\n    can go with Root entry {\n        report 1\n}\n", "rror"),
        (
            "import jst_module_that_does_not_exist;\n\ndef:pub f() -> int { return 1; }\n",
            "jst_module_that_does_not_exist",
        ),
    ],
    ids=["compile-error", "crash-at-start"],
)
def test_failing_app_is_reported_and_nothing_keeps_running(
    tmp_path: Path, source: str, expected: str
) -> None:
    app_file = tmp_path / "broken" / "app.jac"
    app_file.parent.mkdir()
    app_file.write_text(source)
    target = make_target(app_file, app_name="broken")
    port = target.config.port
    result = target.deploy(app_config(app_file))
    assert not result.success
    assert "exited with code" in (result.message or "")
    assert any(expected in line for line in result.details["log_tail"]), result.details
    status = target.get_status("broken")
    assert status.status is ResourceStatus.FAILED
    assert expected in (status.message or "")
    assert not pid_alive(status.details["pid"])
    assert process_control.port_is_free(port)
    assert target.get_service_url("broken") is None
    target.destroy("broken")
    assert target.get_status("broken").status is ResourceStatus.NOT_FOUND


def test_port_already_taken_is_a_clear_error(example_app: Path) -> None:
    target = make_target(example_app)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", target.config.port))
        blocker.listen()
        with pytest.raises(DeploymentError, match=f"port {target.config.port} is already in use"):
            target.deploy(app_config(example_app))
    assert target.get_status("todo").status is ResourceStatus.NOT_FOUND


def test_destroy_frees_port_keeps_data_and_is_repeatable(example_app: Path) -> None:
    target = make_target(
        example_app, environment={"JST_MARK": "1"}, secrets={"JST_SECRET": "s3cr3t-local"}
    )
    result = target.deploy(app_config(example_app))
    assert result.success, result
    pid = result.details["pid"]
    # configured environment and secrets reach the app's process
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert b"JST_MARK=1" in environ
    assert b"JST_SECRET=s3cr3t-local" in environ
    post_json(f"{result.service_url}/walker/AddTodo", {"title": "keep me"})
    target.destroy("todo")
    assert not pid_alive(pid)
    assert process_control.port_is_free(target.config.port)
    assert target.get_status("todo").status is ResourceStatus.NOT_FOUND
    assert (example_app.parent / ".jac" / "data").is_dir()
    target.destroy("todo")  # safe to repeat
    target.destroy("todo", purge=True)
    assert not (example_app.parent / ".jac" / "data").exists()


def test_mongodb_uri_from_config_reaches_the_app(example_app: Path) -> None:
    """With MONGODB_URI the app uses the runtime store; an unreachable one fails clearly."""
    target = make_target(example_app, mongodb_uri="mongodb://jst:pw-local-9@127.0.0.1:1/x")
    result = target.deploy(app_config(example_app))
    try:
        assert not result.success
        tail = "\n".join(result.details["log_tail"])
        assert "cannot reach MongoDB at mongodb://jst:********@127.0.0.1:1/x" in tail
        assert "pw-local-9" not in tail
        assert target.get_status("todo").status is ResourceStatus.FAILED
        assert process_control.port_is_free(target.config.port)
    finally:
        target.destroy("todo")


def test_seed_basic_deployment_example_runs(example_app: Path) -> None:
    port = free_port(*PORTS)
    env = {**os.environ, "JAC_SCALE_LOCAL__PORT": str(port)}
    script = EXAMPLE_APP.parent / "basic_deployment.py"
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=example_app.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[:2] == ["True", f"http://127.0.0.1:{port}"]
        # the process outlives the script that deployed it
        time.sleep(0.5)
        assert post_json(f"http://127.0.0.1:{port}/function/greet", {"name": "x"})["ok"] is True
    finally:
        target = make_target(example_app, port=port)
        target.destroy("todo")
    assert process_control.port_is_free(port)


def test_config_secrets_are_masked_in_everything_printed(tmp_path: Path) -> None:
    from jac_scale.utilities.redaction import redact_text

    make_target(tmp_path / "app.jac", secrets={"JST_TOKEN": "tok-local-masked-42"})
    assert "tok-local-masked-42" not in redact_text("the app printed tok-local-masked-42")


def test_purge_without_state_and_custom_state_dir_deletes_nothing(tmp_path: Path) -> None:
    data = tmp_path / ".jac" / "data"
    data.mkdir(parents=True)
    target = make_target(tmp_path / "x" / "app.jac", state_dir=str(tmp_path / "x" / "state"))
    target.destroy("todo", purge=True)
    assert data.is_dir()
