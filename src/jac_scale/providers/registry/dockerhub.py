"""Docker Hub (the seed's registry): images go to docker.io/<namespace>/<repository>."""

from jac_scale.errors import ConfigError
from jac_scale.providers.registry.base import ContainerRegistry

DOCKER_HUB = "docker.io"
#: The address Docker Hub's credentials are stored and sent under.
INDEX_SERVER = "https://index.docker.io/v1/"


class DockerHubRegistry(ContainerRegistry):
    """Config: `username`, `password` (an access token), optional `namespace` (an org)."""

    label = "Docker Hub"

    def host(self) -> str:
        namespace = self.settings.namespace or self.settings.username
        if not namespace:
            raise ConfigError(
                "Docker Hub needs an account: [plugins.scale.registry] username (or namespace) "
                "is not set",
                hint="set username (and password, an access token) in [plugins.scale.registry] "
                "or JAC_SCALE_REGISTRY__USERNAME / JAC_SCALE_REGISTRY__PASSWORD",
            )
        return f"{DOCKER_HUB}/{namespace}"

    def qualify(self, image_name: str) -> str:
        """`todo` -> `docker.io/<user>/todo`; `org/todo` -> `docker.io/org/todo`."""
        if image_name.startswith(DOCKER_HUB + "/"):
            return image_name
        if "/" in image_name.split(":", 1)[0]:
            return f"{DOCKER_HUB}/{image_name}"
        return super().qualify(image_name)

    def server_address(self) -> str:
        return INDEX_SERVER
