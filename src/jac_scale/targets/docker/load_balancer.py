"""The nginx container: created once per app, publishing the only port the app has."""

import contextlib
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from jac_scale.errors import DeploymentError
from jac_scale.targets.docker import naming, nginx
from jac_scale.targets.docker.docker_config import DockerConfig
from jac_scale.targets.docker.replicas import log_tail

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

#: Seconds a new nginx gets to answer on its published port.
START_TIMEOUT = 60.0


def published(lb: "Container") -> tuple[str, int] | None:
    """(host address, port) nginx is published on, from its port bindings."""
    bindings = (lb.attrs.get("HostConfig", {}).get("PortBindings") or {}).get(
        f"{nginx.LISTEN_PORT}/tcp"
    )
    if not bindings:
        return None
    return bindings[0].get("HostIp") or "0.0.0.0", int(bindings[0]["HostPort"])


def service_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


def create(
    client: "docker.DockerClient", config: DockerConfig, conf: str, *, any_answer: bool
) -> "Container":
    """Create nginx with `conf`, publish bind_address:port, and wait until it answers."""
    from docker.errors import APIError, DockerException

    app_name = config.app_name
    lb = client.containers.create(
        config.lb_image,
        name=naming.lb_name(app_name),
        labels=naming.labels(app_name, naming.LB),
        network=naming.network_name(app_name),
        ports={f"{nginx.LISTEN_PORT}/tcp": (config.bind_address, config.port)},
        restart_policy={"Name": "unless-stopped"},
        detach=True,
    )
    try:
        nginx.write_conf(lb, conf)
        try:
            lb.start()
        except APIError as exc:
            raise DeploymentError(
                f"the load balancer could not publish {config.bind_address}:{config.port}: "
                f"{exc.explanation or exc}",
                hint="choose another port with [plugins.scale.docker] port",
            ) from None
        url = service_url(config.bind_address, config.port) + config.health_check_path
        if not _answers(lb, url, any_answer):
            tail = log_tail(lb)
            raise DeploymentError(
                f"the load balancer did not answer on {url}; last log lines:\n" + "\n".join(tail),
                hint="check that lb_image is an nginx image that reads /etc/nginx/conf.d/",
            )
    except BaseException:
        with contextlib.suppress(DockerException):
            lb.remove(force=True)  # never leave a half-made load balancer behind
        raise
    return lb


def _answers(lb: "Container", url: str, any_answer: bool) -> bool:
    """Until nginx answers below 500 (with no replicas, its 503 will do); False if it dies."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        lb.reload()
        if lb.status in ("exited", "dead"):
            return False
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status < 500:
                    return True
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or any_answer:
                return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False
