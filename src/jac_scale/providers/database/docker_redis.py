"""Redis as a container beside the app, with a password and a named volume."""

from typing import ClassVar

from jac_scale.targets.docker import naming
from jac_scale.targets.docker.database_container import DockerDatabaseProvider

CONF_PATH = "/jac-scale/redis.conf"


class DockerRedisProvider(DockerDatabaseProvider):
    """Runs `redis-server <conf>` as the official image does; the password stays in the conf."""

    env_var = "REDIS_URL"
    component: ClassVar[str] = naming.REDIS
    port: ClassVar[int] = 6379
    data_path: ClassVar[str] = "/data"

    def command(self) -> list[str]:
        return ["redis-server", CONF_PATH]

    def files(self) -> dict[str, str]:
        # Passed as a file, not arguments, so `docker ps` and `ps` never show the password.
        return {
            CONF_PATH: f"requirepass {self.password}\nappendonly yes\ndir {self.data_path}\n"
            f"port {self.port}\nbind 0.0.0.0\nprotected-mode no\n"
        }

    def get_connection_string(self) -> str:
        return f"redis://:{self.password}@{self.container_name}:{self.port}/0"
