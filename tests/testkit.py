"""Helpers shared by every suite: example app copies, free ports, HTTP calls on 127.0.0.1."""

import json
import shutil
import urllib.request
from pathlib import Path
from typing import Any

from jac_scale.utilities.ports import port_is_free

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_APP = REPO / "examples" / "todo"


def free_port(start: int, stop: int) -> int:
    """First port in [start, stop) that nothing listens on (0.0.0.0 and 127.0.0.1)."""
    for port in range(start, stop):
        if port_is_free(port):
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
