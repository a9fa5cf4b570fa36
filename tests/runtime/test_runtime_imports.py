"""The runtime plugin ships in every app image: it may import only jaclang and its drivers."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import jaclang
before = set(sys.modules)
from jac_scale.runtime import http_guard, mongo_memory, plugin, user_manager
new = set(sys.modules) - before
deployer = ("pydantic", "typer", "rich", "docker", "kubernetes", "tenacity", "boto3", "yaml")
bad = [m for m in new if m.split(".")[0] in deployer]
bad += [m for m in new if m.startswith("jac_scale.") and not m.startswith("jac_scale.runtime")]
print(sorted(bad))
"""


def test_runtime_imports_nothing_of_the_deployer() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_plugin_is_registered_under_the_jac_entry_point_group() -> None:
    from importlib.metadata import entry_points

    found = {ep.name: ep.value for ep in entry_points(group="jac")}
    assert found.get("scale_runtime") == "jac_scale.runtime.plugin:JacScaleRuntime"
