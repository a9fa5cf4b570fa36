"""The jac-scale CLI through real subprocesses: every command, JSON output and exit codes."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from testkit import free_port, post_json

from jac_scale import __version__

pytestmark = pytest.mark.slow
JAC_SCALE = [sys.executable, "-m", "jac_scale.cli"]


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*JAC_SCALE, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_clean_error(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert "\nerror: " in "\n" + done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"jac-scale {__version__}"
    help_text = run("--help").stdout
    for command in ("deploy", "status", "url", "logs", "scale", "destroy", "render", "targets"):
        assert command in help_text


def test_targets_lists_every_component_with_availability() -> None:
    done = run("targets", "--output", "json")
    assert done.returncode == 0, done.stderr
    rows = {(row["kind"], row["name"]): row for row in json.loads(done.stdout)}
    assert rows[("target", "local")]["available"] is True
    for key in [
        ("target", "kubernetes"),
        ("database", "kubernetes_mongo"),
        ("registry", "ecr"),
        ("logger", "standard"),
    ]:
        assert key in rows
    text = run("targets").stdout
    assert "local" in text and "installed: yes" in text


def test_full_lifecycle_through_the_cli(example_app: Path) -> None:
    port = free_port(18500, 19000)
    deployed = run("deploy", str(example_app), "--port", str(port), "--output", "json")
    assert deployed.returncode == 0, deployed.stderr
    result = json.loads(deployed.stdout)
    assert result["success"] is True and result["target"] == "local"
    url = result["service_url"]
    assert url == f"http://127.0.0.1:{port}"
    try:
        assert (
            post_json(f"{url}/function/greet", {"name": "cli"})["data"]["result"] == "Hello, cli!"
        )

        status = json.loads(run("status", str(example_app), "-o", "json").stdout)
        assert status["status"] == "running" and status["ready_replicas"] == 1
        assert "running" in run("status", str(example_app)).stdout

        assert run("url", str(example_app)).stdout.strip() == url
        assert json.loads(run("url", str(example_app), "-o", "json").stdout)["url"] == url

        logs = run("logs", str(example_app), "--tail", "20")
        assert logs.returncode == 0 and "POST /function/greet" in logs.stdout

        assert run("scale", str(example_app), "1").returncode == 0
        assert_clean_error(run("scale", str(example_app), "3"), 1, "exactly one process")
        assert run("scale", str(example_app), "--", "-1").returncode == 2

        assert_clean_error(run("render", str(example_app)), 1, "cannot render")

        # no terminal and no --yes: refuse, delete nothing
        assert_clean_error(run("destroy", str(example_app)), 2, "--yes")
        assert post_json(f"{url}/function/greet", {"name": "still"})["ok"] is True
    finally:
        destroyed = run("destroy", str(example_app), "--yes", "--output", "json")
    assert destroyed.returncode == 0, destroyed.stderr
    assert json.loads(destroyed.stdout)["destroyed"] is True
    assert json.loads(run("status", str(example_app), "-o", "json").stdout)["status"] == "not_found"
    assert run("url", str(example_app)).returncode == 1
    assert run("destroy", str(example_app), "--yes").returncode == 0  # idempotent


def test_bad_config_exits_2_with_a_message(example_app: Path) -> None:
    (example_app.parent / "jac.toml").write_text("[plugins.scale.local]\nport = 0\n")
    assert_clean_error(run("deploy", str(example_app)), 2, "[plugins.scale.local] port", "1-65535")


def test_bad_usage_exits_2(tmp_path: Path, example_app: Path) -> None:
    assert_clean_error(run("deploy", str(tmp_path / "missing.jac")), 2, "no such file")
    assert_clean_error(
        run("deploy", str(example_app.parent / "jac.toml")), 2, "expected a .jac file"
    )
    assert_clean_error(
        run("deploy", str(example_app), "--target", "mars"), 2, "unknown target", "kubernetes"
    )
    assert run("deploy").returncode == 2
    assert run("deploy", str(example_app), "--port", "http").returncode == 2


def test_deploy_failure_exits_1_with_log_lines(tmp_path: Path) -> None:
    app = tmp_path / "crash" / "app.jac"
    app.parent.mkdir()
    app.write_text("import jst_missing_module_for_cli;\n")
    port = free_port(18500, 19000)
    done = run("deploy", str(app), "--port", str(port))
    try:
        assert done.returncode == 1
        assert "deploy failed" in done.stderr and "jst_missing_module_for_cli" in done.stderr
        assert "Traceback (most recent call last)" not in done.stdout
        status = json.loads(run("status", str(app), "-o", "json").stdout)
        assert status["status"] == "failed"
    finally:
        run("destroy", str(app), "--yes")


def test_logs_follow_prints_new_lines(example_app: Path) -> None:
    port = free_port(18500, 19000)
    assert run("deploy", str(example_app), "--port", str(port)).returncode == 0
    follower = subprocess.Popen(
        [*JAC_SCALE, "logs", str(example_app), "--follow", "--tail", "0"],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines: queue.Queue[str] = queue.Queue()
        assert follower.stdout is not None
        reader = threading.Thread(
            target=lambda: [lines.put(line) for line in follower.stdout], daemon=True
        )
        reader.start()
        seen: list[str] = []
        deadline = time.monotonic() + 60
        # keep calling until the follower (which may still be starting) prints a request line
        for _ in range(60):
            if time.monotonic() > deadline:
                break
            post_json(f"http://127.0.0.1:{port}/function/greet", {"name": "follow"})
            try:
                seen.append(lines.get(timeout=1.0))
            except queue.Empty:
                continue
            if "POST /function/greet" in seen[-1]:
                break
        assert any("POST /function/greet" in line for line in seen), seen
    finally:
        follower.kill()
        follower.wait(timeout=30)
        run("destroy", str(example_app), "--yes")


def test_plain_destroy_keeps_the_target_for_later_commands(example_app: Path) -> None:
    port = free_port(18500, 19000)
    deployed = run("deploy", str(example_app), "--port", str(port))
    assert deployed.returncode == 0, deployed.stderr
    # without a terminal, progress is printed as lines, each kind once
    waiting = [line for line in deployed.stderr.splitlines() if line.startswith("waiting for")]
    assert len(waiting) == 1, deployed.stderr
    assert run("destroy", str(example_app), "--yes").returncode == 0
    # the config now names another target; status and destroy --purge still go to where the
    # app ran, so its data is found (and purged) there and nowhere else
    (example_app.parent / "jac.toml").write_text('[plugins.scale]\ntarget = "kubernetes"\n')
    status = json.loads(run("status", str(example_app), "-o", "json").stdout)
    assert (status["target"], status["status"]) == ("local", "not_found")
    assert (example_app.parent / ".jac" / "data").is_dir()
    purged = run("destroy", str(example_app), "--purge", "--yes", "-o", "json")
    assert purged.returncode == 0, purged.stderr
    assert json.loads(purged.stdout)["target"] == "local"
    assert not (example_app.parent / ".jac" / "data").exists()


def test_tool_switches_are_not_config_keys(example_app: Path) -> None:
    env = {"JAC_SCALE_DEBUG": "1", "JAC_SCALE_LOG_LEVEL": "debug", "JAC_SCALE_MONGODB_X": "y"}
    done = run("status", str(example_app), "-o", "json", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "not_found"
