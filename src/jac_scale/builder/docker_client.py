"""One place that connects to the Docker engine and explains why it could not."""

from typing import Any

from jac_scale.errors import DeploymentError, MissingDependencyError


def docker_client(client: Any = None) -> Any:
    """Return `client`, or a client for the engine in the environment (DOCKER_HOST...)."""
    if client is not None:
        return client
    try:
        import docker
        import docker.errors
    except ModuleNotFoundError:
        raise MissingDependencyError(
            "building images needs the docker Python package, which is not installed",
            hint="pip install 'jac-scale[docker]'",
        ) from None
    try:
        new_client = docker.from_env(timeout=900)  # a quiet build step may take minutes
        new_client.ping()
    except docker.errors.DockerException as exc:
        raise DeploymentError(
            f"cannot reach the Docker engine: {exc}",
            hint="start Docker (dockerd) or set DOCKER_HOST to a running engine",
        ) from None
    return new_client
