"""Helpers shared by every suite: example app copies, free ports, HTTP calls on 127.0.0.1."""

import json
import shutil
import socket
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_APP = REPO / "examples" / "todo"


def free_port(start: int, stop: int) -> int:
    """First port in [start, stop) that nothing listens on (0.0.0.0 and 127.0.0.1)."""
    for port in range(start, stop):
        ok = True
        for host in ("0.0.0.0", "127.0.0.1"):
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind((host, port))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
    raise RuntimeError(f"no free port in {start}-{stop}")


def post_json(url: str, body: dict[str, Any] | None = None, timeout: float = 30) -> Any:
    """POST a JSON body to a 127.0.0.1 URL and decode the JSON reply."""
    assert url.startswith("http://127.0.0.1:"), url
    request = urllib.request.Request(
        url,
        data=json.dumps(body or {}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read())


def copy_example(destination: Path) -> Path:
    """A private copy of the example app (without local state), returned as its .jac file."""
    shutil.copytree(
        EXAMPLE_APP, destination, ignore=shutil.ignore_patterns(".jac", ".jac-scale", "__pycache__")
    )
    return destination / "app.jac"
