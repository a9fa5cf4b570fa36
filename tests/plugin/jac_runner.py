"""Run the real `jac` command of this virtualenv, with or without the jac-scale plugin."""

import os
import select
import subprocess
import sys
import time
from pathlib import Path

JAC = str(Path(sys.executable).parent / "jac")
#: jaclang's own switch: entry points named here are never loaded (qualified dist:name).
PLUGIN_OFF = "jac-scale:scale"
#: The runtime plugin of the same package, kept out of both sides where imports are compared.
OTHERS_OFF = "jac-scale:scale_runtime"


def plugins_env(plugin: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "JAC_DISABLED_PLUGINS"}
    if not plugin:
        env["JAC_DISABLED_PLUGINS"] = PLUGIN_OFF
    return env


def jac(
    *args: str,
    cwd: Path,
    plugin: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`jac ARGS` with standard input from /dev/null (so never a terminal).

    With `plugin`, every installed plugin loads, as for a user; without, only ours is off.
    """
    return subprocess.run(
        [JAC, *args],
        cwd=cwd,
        env={**plugins_env(plugin), **(env or {})},
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


def jac_in_terminal(
    *args: str, cwd: Path, answer: str, prompt: bytes = b"[y/N]", timeout: float = 120
) -> tuple[int, str]:
    """`jac ARGS` on a pseudo-terminal; types ANSWER once PROMPT appears. (exit code, output)"""
    master, slave = os.openpty()
    process = subprocess.Popen(
        [JAC, *args],
        cwd=cwd,
        env=plugins_env(),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    output = b""
    answered = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if not answered and prompt in output:
                    os.write(master, answer.encode() + b"\n")
                    answered = True
            elif process.poll() is not None:
                break
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        os.close(master)
    assert answered, output.decode(errors="replace")
    return code, output.decode(errors="replace")
