"""What the Docker target remembers between commands: credentials and the desired state.

Kept in `<app folder>/.jac-scale/docker/<app>.json`, mode 0600 in a 0700 folder, because it
holds the generated database passwords; nothing else stores them on the host.
"""

import contextlib
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jac_scale.errors import DeploymentError
from jac_scale.utilities.redaction import register_secret


def new_password() -> str:
    """URL-safe, so it can sit in a connection string without escaping."""
    return secrets.token_urlsafe(24)


@dataclass
class DockerState:
    """Credentials (created once), the deployed version and the replica count to keep."""

    app_name: str
    credentials: dict[str, str] = field(default_factory=dict)
    version: str | None = None
    image: str | None = None
    replicas: int | None = None
    config_replicas: int | None = None
    workdir: str | None = None
    file_name: str | None = None
    user: str | None = None

    def credential(self, key: str) -> str:
        """The stored secret `key`, generated on first use and kept for later deploys."""
        if key not in self.credentials:
            self.credentials[key] = new_password()
        return self.credentials[key]


class StateStore:
    """Reads and writes one app's state file, readable by the owner alone."""

    def __init__(self, root: Path) -> None:
        self.root = root / "docker"

    def path(self, app_name: str) -> Path:
        return self.root / f"{app_name}.json"

    def load(self, app_name: str) -> DockerState:
        path = self.path(app_name)
        try:
            state = DockerState(**json.loads(path.read_text()))
        except FileNotFoundError:
            return DockerState(app_name)
        except (ValueError, TypeError) as exc:
            raise DeploymentError(
                f"state file {path} is damaged: {exc}",
                hint=f"run jac-scale destroy --purge, or delete {path} if its data can go",
            ) from None
        for value in state.credentials.values():
            register_secret(value)
        return state

    def save(self, state: DockerState) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        for value in state.credentials.values():
            register_secret(value)
        path = self.path(state.app_name)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(state), handle, indent=2)
        os.chmod(tmp, 0o600)
        tmp.replace(path)

    def drop(self, app_name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(app_name).unlink()
