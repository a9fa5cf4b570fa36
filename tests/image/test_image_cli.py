"""`jac-scale build` bad input: clear messages, exit codes, no tracebacks, nothing built."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from testkit import copy_example


def run_build(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jac_scale.cli", "build", *args],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def test_build_help_lists_the_options() -> None:
    result = run_build("--help")
    assert result.returncode == 0
    for option in ("--base-image", "--registry", "--push", "--output"):
        assert option in result.stdout


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_build(str(tmp_path / "nope.jac"))
    assert result.returncode == 2
    assert "no such .jac file" in result.stderr and "Traceback" not in result.stderr


def test_unknown_build_key_names_the_file_and_key(tmp_path: Path) -> None:
    app = copy_example(tmp_path / "todo")
    toml = app.parent / "jac.toml"
    toml.write_text(toml.read_text() + "\n[plugins.scale.build]\nbase_imag = 'x'\n")
    result = run_build(str(app))
    assert result.returncode == 2
    assert "base_imag" in result.stderr and "did you mean 'base_image'" in result.stderr
    assert "Traceback" not in result.stderr


def test_push_without_registry_and_unknown_registry(tmp_path: Path) -> None:
    app = copy_example(tmp_path / "todo")
    pushed = run_build(str(app), "--push")
    assert pushed.returncode == 2 and "--push needs a registry" in pushed.stderr
    unknown = run_build(str(app), "--registry", "quay-like")
    assert unknown.returncode == 2 and "unknown registry 'quay-like'" in unknown.stderr


@pytest.mark.docker
def test_absent_base_image_fails_cleanly(tmp_path: Path) -> None:
    app = copy_example(tmp_path / "todo")
    result = run_build(
        str(app),
        "--base-image",
        "jac-scale-test-image-absent:never",
        env={"JAC_SCALE_BUILD__PULL_BASE": "false"},
    )
    assert result.returncode == 1
    assert "jac-scale-test-image-absent:never is not present locally" in result.stderr
    assert "Traceback" not in result.stderr
