"""MongoDB as a container beside the app, with a root user and a named volume."""

from typing import ClassVar

from jac_scale.targets.docker import naming
from jac_scale.targets.docker.database_container import DockerDatabaseProvider

DEFAULT_USER = "jac"


class DockerMongoProvider(DockerDatabaseProvider):
    """The official image's variables create the root user on the volume's first start."""

    env_var = "MONGODB_URI"
    component: ClassVar[str] = naming.MONGODB
    port: ClassVar[int] = 27017
    data_path: ClassVar[str] = "/data/db"
    credentials_in_volume: ClassVar[bool] = True

    @property
    def user(self) -> str:
        return str(self.config.get("user") or DEFAULT_USER)

    def environment(self) -> dict[str, str]:
        return {
            "MONGO_INITDB_ROOT_USERNAME": self.user,
            "MONGO_INITDB_ROOT_PASSWORD": self.password,
        }

    def get_connection_string(self) -> str:
        # SCRAM-SHA-256 named outright: MongoDB >= 4.0 creates the root user with it, and
        # wire-compatible servers that do not advertise mechanisms need it spelled out.
        return (
            f"mongodb://{self.user}:{self.password}@{self.container_name}:{self.port}/"
            "?authSource=admin&authMechanism=SCRAM-SHA-256"
        )
