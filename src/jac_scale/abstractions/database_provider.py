"""The contract of a database that a target provisions beside the app."""

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jac_scale.abstractions.deployment_target import DeploymentTarget


class DatabaseProvider(ABC):
    """Deploys one database for an app and tells the app how to reach it."""

    #: Environment variable through which the app receives the connection string.
    env_var: str = ""

    def __init__(
        self, target: "DeploymentTarget | None" = None, config: dict[str, Any] | None = None
    ) -> None:
        self.target = target
        self.config: dict[str, Any] = dict(config or {})

    @abstractmethod
    def deploy(self, config: dict[str, Any]) -> dict[str, Any]:
        """Create or update the database; returns what was made (names, ports, volumes)."""

    @abstractmethod
    def get_connection_string(self) -> str:
        """The URI the app uses; contains credentials, so never print it unredacted."""

    @abstractmethod
    def is_available(self) -> bool:
        """True when the database accepts connections."""

    @abstractmethod
    def cleanup(self, *, purge: bool = False) -> None:
        """Remove the database; its data volume is kept unless `purge`."""
