"""Run inside `docker build`: start the app once so jaclang compiles it into the image.

The first `jac start` of an app compiles it (10-25 s); doing that at build time makes the
container's first start fast. Any data the start created is removed again, so no state is
baked into the image. A start that crashes fails the build (the app is broken); a start that
is merely slow only warns.
"""

import argparse
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return 200 <= response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (OSError, ValueError):
        return False


def warm(file_name: str, port: int, timeout: float) -> int:
    """Start `jac start`, wait (bounded) for an answer, stop it; 0 unless it crashed."""
    log_path = Path("/tmp/jac-scale-warmup.log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["jac", "start", file_name, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        code = 0
        try:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    code = process.returncode or 1
                    break
                if _answers(port):
                    print(f"jac-scale warmup: {file_name} compiled and answered", flush=True)
                    break
                time.sleep(0.5)
            else:
                print(f"jac-scale warmup: no answer within {timeout:g}s; continuing", flush=True)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    shutil.rmtree(Path(".jac") / "data", ignore_errors=True)
    if code:
        sys.stdout.write(log_path.read_text(errors="replace")[-4000:])
        print(f"jac-scale warmup: `jac start {file_name}` exited with {code}", flush=True)
    log_path.unlink(missing_ok=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file_name")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    return warm(args.file_name, args.port, args.timeout)


if __name__ == "__main__":
    raise SystemExit(main())
