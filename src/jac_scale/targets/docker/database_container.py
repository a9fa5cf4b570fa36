"""What MongoDB and Redis containers share: one container, one named volume, one password.

The provider finds its container by name and labels, keeps it across deploys (recreating it
only when the image changes) and never deletes its volume unless asked to purge.
"""

import hashlib
import io
import tarfile
import time
from typing import TYPE_CHECKING, Any, ClassVar

from jac_scale.abstractions.database_provider import DatabaseProvider
from jac_scale.errors import DeploymentError
from jac_scale.targets.docker import naming
from jac_scale.targets.docker.engine import connect, engine_errors
from jac_scale.utilities.redaction import register_secret

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

#: Salted hash of the password a database container or volume was created with.
SECRET_LABEL = "jac-scale.io/credentials"


class DockerDatabaseProvider(DatabaseProvider):
    """Config keys: app_name, image, network, password; optional docker_host, user."""

    component: ClassVar[str] = ""
    port: ClassVar[int] = 0
    data_path: ClassVar[str] = "/data"

    def __init__(self, target: Any = None, config: dict[str, Any] | None = None) -> None:
        super().__init__(target, config)
        self._client: docker.DockerClient | None = getattr(target, "client", None)
        register_secret(self.config.get("password"))

    # -- helpers --------------------------------------------------------------
    @property
    def client(self) -> "docker.DockerClient":
        if self._client is None:
            self._client = connect(self.config.get("docker_host"))
        return self._client

    @property
    def app_name(self) -> str:
        return str(self.config.get("app_name") or "jac-app")

    @property
    def container_name(self) -> str:
        return naming.db_container(self.app_name, self.component)

    @property
    def volume_name(self) -> str:
        return naming.db_volume(self.app_name, self.component)

    @property
    def password(self) -> str:
        password = self.config.get("password")
        if not password:
            raise DeploymentError(f"no password was given to the {self.component} provider")
        return str(password)

    def labels(self) -> dict[str, str]:
        return naming.labels(self.app_name, self.component)

    def find(self) -> "Container | None":
        from docker.errors import NotFound

        try:
            container = self.client.containers.get(self.container_name)
        except NotFound:
            return None
        if container.labels.get(naming.INSTANCE) != self.app_name:
            raise DeploymentError(
                f"a container named {self.container_name} exists but was not made by jac-scale "
                f"for {self.app_name}",
                hint=f"rename or remove it (docker rm {self.container_name}), or change app_name",
            )
        return container

    # -- what each database says differently ------------------------------------
    def command(self) -> list[str] | None:
        return None

    def environment(self) -> dict[str, str]:
        return {}

    def files(self) -> dict[str, str]:
        """Files put into the container before it starts (path under / -> text)."""
        return {}

    # -- the seed's interface --------------------------------------------------
    def deploy(self, config: dict[str, Any]) -> dict[str, Any]:
        self.config.update(config or {})
        image = str(self.config["image"])
        with engine_errors(f"starting {self.container_name}"):
            existing = self.find()
            stale = existing is not None and (
                existing.attrs["Config"]["Image"] != image
                or existing.labels.get(SECRET_LABEL) != self.secret_fingerprint()
            )
            if existing is not None and stale:
                existing.remove(force=True)
                existing = None
            if existing is None:
                self._ensure_volume()
                existing = self._create(image)
            if existing.status != "running":
                existing.start()
        return {
            "container": self.container_name,
            "image": image,
            "volume": self.volume_name,
            "host": self.container_name,
            "port": self.port,
        }

    def secret_fingerprint(self) -> str:
        """Tells whether a container or volume was made with this password, without holding it."""
        salted = f"jac-scale:{self.app_name}:{self.component}:{self.password}".encode()
        return hashlib.sha256(salted).hexdigest()[:16]

    #: Whether the data volume itself holds the credentials (MongoDB's users do; Redis's not).
    credentials_in_volume: ClassVar[bool] = False

    def _ensure_volume(self) -> None:
        from docker.errors import NotFound

        try:
            volume = self.client.volumes.get(self.volume_name)
        except NotFound:
            labels = {**self.labels(), SECRET_LABEL: self.secret_fingerprint()}
            self.client.volumes.create(name=self.volume_name, labels=labels)
            return
        made_with = (volume.attrs.get("Labels") or {}).get(SECRET_LABEL)
        if self.credentials_in_volume and made_with not in (None, self.secret_fingerprint()):
            raise DeploymentError(
                f"the {self.component} volume {self.volume_name} was created with other "
                "credentials than the ones in this app's state file",
                hint="restore <app folder>/.jac-scale/docker/ from a backup, or run "
                "jac-scale destroy --purge to start with an empty database",
            )

    def _create(self, image: str) -> "Container":
        container = self.client.containers.create(
            image,
            command=self.command(),
            name=self.container_name,
            hostname=self.container_name,
            environment=self.environment(),
            labels={**self.labels(), SECRET_LABEL: self.secret_fingerprint()},
            network=str(self.config["network"]),
            volumes={self.volume_name: {"bind": self.data_path, "mode": "rw"}},
            restart_policy={"Name": "unless-stopped"},
            detach=True,
        )
        files = self.files()
        if files:
            container.put_archive("/", _tar(files))
        return container

    def is_available(self) -> bool:
        """The container runs and something accepts connections on the database port."""
        from docker.errors import DockerException

        try:
            container = self.find()
            if container is None or container.status != "running":
                return False
            probe = f"exec 3<>/dev/tcp/127.0.0.1/{self.port}"
            return container.exec_run(["bash", "-c", probe]).exit_code == 0
        except DockerException:
            return False

    def wait_available(self, timeout: float, interval: float = 0.5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_available():
                return True
            time.sleep(interval)
        return False

    def status(self) -> dict[str, Any]:
        container = self.find()
        return {
            "container": self.container_name,
            "state": container.status if container else "absent",
            "image": container.attrs["Config"]["Image"] if container else None,
            "volume": self.volume_name,
        }

    def cleanup(self, *, purge: bool = False) -> None:
        from docker.errors import NotFound

        with engine_errors(f"removing {self.container_name}"):
            container = self.find()
            if container is not None:
                container.remove(force=True)
            if purge:
                try:
                    volume = self.client.volumes.get(self.volume_name)
                except NotFound:
                    return
                if volume.attrs.get("Labels", {}).get(naming.INSTANCE) == self.app_name:
                    volume.remove(force=True)


def _tar(files: dict[str, str]) -> bytes:
    """Owner 999 (the official images' database user) and mode 0600: passwords inside."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        made: set[str] = set()
        for path, text in files.items():
            parts = path.strip("/").split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in made:
                    info = tarfile.TarInfo(folder)
                    info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, 0o755, 999, 999
                    tar.addfile(info)
                    made.add(folder)
            data = text.encode()
            info = tarfile.TarInfo("/".join(parts))
            info.size, info.mode, info.uid, info.gid = len(data), 0o600, 999, 999
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
