"""End to end through `jac`: start --scale, call a walker, status, refuse, destroy; plain start.

Real `jac` processes and real HTTP on 127.0.0.1; every process a test starts is stopped by it.
"""

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from jac_runner import JAC, jac, jac_in_terminal, plugins_env
from testkit import free_port, post_json

from jac_scale.targets.local.process_control import port_is_free

pytestmark = pytest.mark.slow


@pytest.fixture
def deployed_app(example_app: Path) -> Iterator[Path]:
    """The example app; whatever a test deployed of it is destroyed afterwards."""
    yield example_app
    subprocess.run(
        [sys.executable, "-m", "jac_scale.cli", "destroy", str(example_app), "--yes"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )


def todos(url: str) -> list[str]:
    reply = post_json(f"{url}/walker/ListTodos", {})
    return [item["title"] for item in reply["data"]["reports"]]


def test_start_scale_status_refuse_and_destroy(deployed_app: Path) -> None:
    folder = deployed_app.parent
    port = free_port(19000, 19500)

    started = jac("start", "app.jac", "--scale", "--target", "local", "-p", str(port), cwd=folder)
    assert started.returncode == 0, (started.stdout, started.stderr)
    match = re.search(r"^url: (\S+)$", started.stdout, re.MULTILINE)
    assert match, started.stdout
    url = match.group(1)
    assert url == f"http://127.0.0.1:{port}"
    # `jac start --scale` returned: the app runs in the background, not in that process.
    added = post_json(f"{url}/walker/AddTodo", {"title": "ship it"})
    assert added["data"]["reports"][0]["title"] == "ship it"
    assert todos(url) == ["ship it"]

    status = jac("status", "app.jac", "--output", "json", cwd=folder)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["status"] == "running"
    assert "running 1/1 ready" in jac("status", "app.jac", cwd=folder).stdout
    assert jac("url", "app.jac", cwd=folder).stdout.strip() == url
    assert any(
        "Jac API Server" in line for line in jac("logs", "app.jac", cwd=folder).stdout.splitlines()
    )

    # The local target runs one process: asking for more is a clear error, nothing changes.
    refused_scale = jac("scale", "app.jac", "3", cwd=folder)
    assert refused_scale.returncode == 1 and "exactly one process" in refused_scale.stderr

    # No terminal and no --yes: refuse, delete nothing.
    refused = jac("destroy", "app.jac", cwd=folder)
    assert refused.returncode == 2, refused.stderr
    assert "refusing" in refused.stderr and "--yes" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert todos(url) == ["ship it"]
    assert json.loads(jac("status", "app.jac", "-o", "json", cwd=folder).stdout)["status"] == (
        "running"
    )

    # On a terminal it asks; answering no deletes nothing either.
    code, said = jac_in_terminal("destroy", "app.jac", cwd=folder, answer="n")
    assert code == 1 and "Destroy todo on local?" in said and "nothing was deleted" in said
    assert todos(url) == ["ship it"]

    # Unchanged app: a second --scale changes nothing and prints the same URL.
    again = jac("start", "app.jac", "--scale", "-p", str(port), cwd=folder)
    assert again.returncode == 0 and f"url: {url}" in again.stdout, again.stderr
    assert "unchanged" in again.stdout

    destroyed = jac("destroy", "app.jac", "--yes", "--output", "json", cwd=folder)
    assert destroyed.returncode == 0, destroyed.stderr
    assert json.loads(destroyed.stdout)["destroyed"] is True
    gone = json.loads(jac("status", "app.jac", "-o", "json", cwd=folder).stdout)
    assert gone["status"] == "not_found"
    assert port_is_free(port)
    # Data is kept unless --purge.
    assert (folder / ".jac" / "data").is_dir()


def wait_until_serving(process: subprocess.Popen[bytes], port: int, limit: float = 240) -> None:
    """Poll GET / until it answers; fail early if the process exits."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, f"jac start exited with {process.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"jac start did not answer on port {port} within {limit}s")


def test_plain_start_still_serves_in_the_foreground(example_app: Path, tmp_path: Path) -> None:
    folder = example_app.parent
    port = free_port(19000, 19500)
    log = (tmp_path / "start.log").open("wb")
    process = subprocess.Popen(
        [JAC, "start", "app.jac", "--port", str(port)],
        cwd=folder,
        env=plugins_env(),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(process, port)
        url = f"http://127.0.0.1:{port}"
        assert post_json(f"{url}/walker/AddTodo", {"title": "foreground"})["data"]["reports"]
        assert todos(url) == ["foreground"]
        assert (
            post_json(f"{url}/function/greet", {"name": "jac"})["data"]["result"] == "Hello, jac!"
        )
        assert process.poll() is None  # still in the foreground, serving
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()
    assert "Jac API Server running" in (tmp_path / "start.log").read_text(errors="replace")
    # The plugin did nothing: no deployment state was written.
    assert not (folder / ".jac-scale").exists()
    assert port_is_free(port)
