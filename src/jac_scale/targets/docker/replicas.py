"""App replica containers: how they are started, probed and judged healthy.

Probes run inside each replica (`docker exec`), so nothing but nginx is published and the
host never connects to a container's own address.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jac_scale.targets.docker import naming
from jac_scale.utilities.redaction import redact_text

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

LOG_TAIL_LINES = 20
_SECOND = 1_000_000_000


def probe_command(port: int, path: str) -> list[str]:
    """Exit 0 when the app answers 2xx/3xx on `path`; any Python in the image will do."""
    code = (
        "import sys, urllib.request\n"
        "try:\n"
        f"    urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=3)\n"
        "except Exception:\n"
        "    sys.exit(1)\n"
    )
    return ["python3", "-c", code]


@dataclass
class ReplicaSpec:
    """Everything a replica container needs; one per slot and version."""

    app_name: str
    version: str
    slot: int
    image: str
    network: str
    workdir: str
    file_name: str
    container_port: int
    health_check_path: str
    environment: dict[str, str]
    command: list[str] | None = None
    #: The image's user; a new data volume is handed to it so a non-root app can write.
    user: str = ""

    @property
    def name(self) -> str:
        return naming.replica_name(self.app_name, self.version, self.slot)


def create_replica(client: "docker.DockerClient", spec: ReplicaSpec) -> "Container":
    """Create and start one replica; its `.jac/data` lives on the slot's own named volume."""
    from docker.types import Healthcheck

    volume = naming.data_volume(spec.app_name, spec.slot)
    data_path = f"{spec.workdir.rstrip('/')}/.jac/data"
    slot_labels = naming.labels(spec.app_name, "data", **{naming.SLOT: str(spec.slot)})
    if _ensure_volume(client, volume, slot_labels) and spec.user not in ("", "0", "root", "0:0"):
        _give_volume_to(client, spec, volume)
    command = spec.command or [
        "jac",
        "start",
        spec.file_name,
        "--port",
        str(spec.container_port),
    ]
    container = client.containers.create(
        spec.image,
        command=command,
        name=spec.name,
        hostname=spec.name,
        environment=spec.environment,
        labels=naming.labels(
            spec.app_name,
            naming.APP,
            **{naming.VERSION: spec.version, naming.SLOT: str(spec.slot)},
        ),
        network=spec.network,
        volumes={volume: {"bind": data_path, "mode": "rw"}},
        working_dir=spec.workdir,
        restart_policy={"Name": "unless-stopped"},
        # docker-init as PID 1 passes SIGTERM on: jac as PID 1 would ignore it for 10 s.
        init=True,
        stdin_open=False,
        healthcheck=Healthcheck(
            test=["CMD", *probe_command(spec.container_port, spec.health_check_path)],
            interval=10 * _SECOND,
            timeout=5 * _SECOND,
            retries=3,
            start_period=300 * _SECOND,
        ),
        detach=True,
    )
    container.start()
    return container


def _ensure_volume(client: "docker.DockerClient", name: str, labels: dict[str, str]) -> bool:
    """Create the volume unless it exists; True when it was created now."""
    from docker.errors import NotFound

    try:
        client.volumes.get(name)
    except NotFound:
        client.volumes.create(name=name, labels=labels)
        return True
    return False


def _give_volume_to(client: "docker.DockerClient", spec: ReplicaSpec, volume: str) -> None:
    """A new named volume is owned by root; chown it once, as root, to the image's user."""
    client.containers.run(
        spec.image,
        [spec.user, "/jac-data"],
        entrypoint=["chown"],
        user="0:0",
        volumes={volume: {"bind": "/jac-data", "mode": "rw"}},
        labels=naming.labels(spec.app_name, "volume-init"),
        network_mode="none",
        remove=True,
    )


def answers(container: "Container", port: int, path: str) -> bool:
    """True when the replica answers its health path now."""
    from docker.errors import APIError

    try:
        return container.exec_run(probe_command(port, path)).exit_code == 0
    except APIError:
        return False


def crashed(container: "Container") -> str | None:
    """Why the replica is not going to become healthy, or None while it still may."""
    container.reload()
    state = container.attrs.get("State", {})
    if state.get("Status") in ("exited", "dead") or container.attrs.get("RestartCount", 0) > 0:
        return f"{container.name} exited with code {state.get('ExitCode')}"
    return None


def wait_healthy(
    containers: list["Container"],
    port: int,
    path: str,
    timeout: float,
    interval: float,
    report: Callable[[str], None],
) -> str | None:
    """Wait until every container answers; None on success, else the reason it failed."""
    started = time.monotonic()
    pending = list(containers)
    while pending:
        for container in list(pending):
            reason = crashed(container)
            if reason:
                return reason
            if answers(container, port, path):
                pending.remove(container)
        if not pending:
            return None
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            names = ", ".join(c.name for c in pending)
            return f"{names} did not answer on {path} within {timeout:.0f}s"
        report(
            f"waiting for {len(pending)} of {len(containers)} replicas to answer {path} "
            f"({elapsed:.0f}s)"
        )
        time.sleep(interval)
    return None


def log_tail(container: "Container", lines: int = LOG_TAIL_LINES) -> list[str]:
    """The container's last lines, secrets masked, each prefixed with its name."""
    from docker.errors import DockerException

    try:
        raw = container.logs(tail=lines, stdout=True, stderr=True).decode(errors="replace")
    except DockerException:
        return []
    return [f"{container.name}: {redact_text(line)}" for line in raw.splitlines() if line.strip()]
