"""nginx in front of the replicas: its config, and a graceful switch between replica sets.

A switch writes the new server block, checks it with `nginx -t`, reloads (nginx starts new
workers and lets the old ones finish their requests), then waits for the old workers to exit.
Only after that may the old replicas stop: `jac start` serves one request at a time and nginx
never retries a POST elsewhere, so stopping earlier would fail requests in flight.
"""

import io
import tarfile
import time
from typing import TYPE_CHECKING

from jac_scale.errors import DeploymentError

if TYPE_CHECKING:
    from docker.models.containers import Container

CONF_DIR = "/etc/nginx/conf.d"
#: Replaces the stock server of the official image, so ours is the only one on port 80.
CONF_FILE = "default.conf"
LISTEN_PORT = 80

# Built from two literals so this script's own command line never matches the pattern.
_WORKER_PIDS = (
    'w="nginx: wor""ker process"; for d in /proc/[0-9]*; do '
    'c=$(tr "\\0" " " < "$d/cmdline" 2>/dev/null); '
    'case "$c" in "$w"*) echo "${d#/proc/}";; esac; done'
)


def render_conf(app_name: str, upstreams: list[str], container_port: int) -> str:
    """The server block for `upstreams` (container names on the app's private network)."""
    header = f"# Written by jac-scale for {app_name}; replaced on every deploy and scale.\n"
    if not upstreams:
        return header + (
            f"server {{\n    listen {LISTEN_PORT};\n"
            '    location / {\n        return 503 "no replicas are running\\n";\n    }\n}\n'
        )
    servers = "".join(f"    server {name}:{container_port};\n" for name in upstreams)
    return header + (
        f"upstream jac_app {{\n{servers}}}\n"
        "server {\n"
        f"    listen {LISTEN_PORT};\n"
        "    client_max_body_size 64m;\n"
        "    location / {\n"
        "        proxy_pass http://jac_app;\n"
        "        proxy_http_version 1.1;\n"
        '        proxy_set_header Connection "";\n'
        "        proxy_set_header Host $host;\n"
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "        proxy_set_header X-Forwarded-Proto $scheme;\n"
        "        proxy_read_timeout 300s;\n"
        "    }\n"
        "}\n"
    )


def _tar_one(name: str, text: str) -> bytes:
    data = text.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_conf(container: "Container", text: str) -> None:
    """Put the server block into the container (created or running; works on remote engines)."""
    if not container.put_archive(CONF_DIR, _tar_one(CONF_FILE, text)):
        raise DeploymentError(f"could not write {CONF_DIR}/{CONF_FILE} into {container.name}")


def _exec(container: "Container", argv: list[str]) -> tuple[int, str]:
    result = container.exec_run(argv, stdout=True, stderr=True)
    return result.exit_code, result.output.decode(errors="replace")


def worker_pids(container: "Container") -> set[str]:
    code, output = _exec(container, ["sh", "-c", _WORKER_PIDS])
    return set(output.split()) if code == 0 else set()


def switch(container: "Container", text: str, drain_timeout: float) -> bool:
    """Load `text` without dropping a request; True when the old workers finished in time."""
    write_conf(container, text)
    code, output = _exec(container, ["nginx", "-t"])
    if code != 0:
        raise DeploymentError(
            f"nginx rejected the new configuration in {container.name}: {output.strip()}",
            hint="the replicas were left as they were; check the names in the config above",
        )
    old = worker_pids(container)
    code, output = _exec(container, ["nginx", "-s", "reload"])
    if code != 0:
        raise DeploymentError(f"nginx reload failed in {container.name}: {output.strip()}")
    deadline = time.monotonic() + drain_timeout
    while time.monotonic() < deadline:
        if not (old & worker_pids(container)):
            return True
        time.sleep(0.2)
    return False
