"""Run the real `jac` command of this virtualenv, with or without the jac-scale plugin."""

import os
import subprocess
import sys
from pathlib import Path

JAC = str(Path(sys.executable).parent / "jac")
#: jaclang's own switch: entry points named here are never loaded (qualified dist:name).
PLUGIN_OFF = "jac-scale:scale"
#: The runtime plugin of the same package is kept out of both sides of every comparison.
OTHERS_OFF = "jac-scale:scale_runtime"


def jac(
    *args: str,
    cwd: Path,
    plugin: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`jac ARGS` with standard input from /dev/null (so never a terminal)."""
    disabled = OTHERS_OFF if plugin else f"{OTHERS_OFF},{PLUGIN_OFF}"
    return subprocess.run(
        [JAC, *args],
        cwd=cwd,
        env={**os.environ, "JAC_DISABLED_PLUGINS": disabled, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_clean_error(done: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    """Non-zero exit with our message on stderr, and no traceback anywhere."""
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert "error: " in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr
