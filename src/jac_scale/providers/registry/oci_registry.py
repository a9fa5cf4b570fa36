"""Any OCI / distribution v2 registry at a URL (Harbor, GHCR, GitLab, a local registry...)."""

from jac_scale.errors import ConfigError
from jac_scale.providers.registry.base import ContainerRegistry


def clean_url(url: str) -> str:
    """`https://host:5000/team/` -> `host:5000/team`."""
    for scheme in ("https://", "http://"):
        url = url.removeprefix(scheme)
    return url.strip().strip("/")


class OCIRegistry(ContainerRegistry):
    """Config: `url` (host[:port][/path]), optional `username` and `password`."""

    label = "registry"

    def host(self) -> str:
        if not self.settings.url or not clean_url(self.settings.url):
            raise ConfigError(
                "[plugins.scale.registry] url is not set; the 'registry' type needs it",
                hint='set url = "registry.example.com" (or host:port) in [plugins.scale.registry]'
                " or JAC_SCALE_REGISTRY__URL",
            )
        return clean_url(self.settings.url)
