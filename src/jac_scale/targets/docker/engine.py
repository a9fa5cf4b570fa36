"""One door to the Docker engine: connecting, and turning engine errors into clear messages."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from jac_scale.errors import DeploymentError

if TYPE_CHECKING:
    import docker


#: Seconds one API call may wait: a quiet image build step (the builder's warm-up) takes minutes.
CALL_TIMEOUT = 900
#: Seconds the first ping may take, so an unreachable engine is reported quickly.
PING_TIMEOUT = 15


def connect(docker_host: str | None, *, timeout: int = CALL_TIMEOUT) -> "docker.DockerClient":
    """A client for `docker_host` (default: the Docker environment), checked with a ping."""
    import docker
    from docker.errors import DockerException

    where = docker_host or "the Docker environment (DOCKER_HOST or /var/run/docker.sock)"
    try:
        if docker_host:
            client = docker.DockerClient(base_url=docker_host, timeout=PING_TIMEOUT)
        else:
            client = docker.from_env(timeout=PING_TIMEOUT)
        client.ping()
        client.api.timeout = timeout
    except (DockerException, OSError) as exc:
        raise DeploymentError(
            f"cannot reach the Docker engine at {where}: {short_error(exc)}",
            hint="start the Docker engine (for example: sudo systemctl start docker), or set "
            "[plugins.scale.docker] docker_host / DOCKER_HOST to an engine that runs",
        ) from None
    return client


@contextmanager
def engine_errors(action: str) -> Iterator[None]:
    """Report a Docker API failure during `action` as a DeploymentError, not a traceback."""
    from docker.errors import DockerException

    try:
        yield
    except DockerException as exc:
        raise DeploymentError(f"{action} failed: {short_error(exc)}") from None


def short_error(exc: BaseException) -> str:
    """The engine's own explanation of `exc`, cut to a readable length."""
    explanation = getattr(exc, "explanation", None)
    text = str(explanation or exc)
    return text if len(text) < 400 else text[:400] + "..."
