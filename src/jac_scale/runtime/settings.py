"""Where the runtime store connects and which database an app uses, from the environment."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/\s]*):[^@/\s]+@")
_DB_INVALID = re.compile(r"[^A-Za-z0-9_-]+")


def mask_uri(uri: str) -> str:
    """Hide the password in a connection string so errors can quote it safely."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:********@", uri)


def mongodb_uri() -> str | None:
    """The store is on only when MONGODB_URI is set (and not blank)."""
    uri = os.environ.get("MONGODB_URI", "").strip()
    return uri or None


def _toml_app_name(folder: Path) -> str | None:
    path = folder / "jac.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    scale = data.get("plugins", {}).get("scale", {})
    for name in (scale.get("app_name"), data.get("project", {}).get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def app_name(base_path: str | None) -> str:
    """Same rule as the deployer: env, [plugins.scale] app_name, [project] name, folder."""
    explicit = os.environ.get("JAC_SCALE_APP_NAME", "").strip()
    if explicit:
        return explicit
    folder = Path(base_path or os.getcwd()).resolve()
    return _toml_app_name(folder) or folder.name or "app"


def database_name(base_path: str | None) -> str:
    """One database per app: JAC_SCALE_MONGODB_DATABASE, else `jac_<app name>`."""
    explicit = os.environ.get("JAC_SCALE_MONGODB_DATABASE", "").strip()
    name = explicit or f"jac_{app_name(base_path)}"
    cleaned = _DB_INVALID.sub("_", name).strip("_") or "jac_app"
    return cleaned[:63]


@dataclass(frozen=True)
class StoreSettings:
    """Connection settings for one app's store."""

    uri: str
    database: str
    connect_timeout_s: float = 10.0
    retry_attempts: int = 3
    attempt_timeout_ms: int = 2000

    @classmethod
    def from_env(cls, base_path: str | None) -> StoreSettings | None:
        uri = mongodb_uri()
        if uri is None:
            return None
        return cls(
            uri=uri,
            database=database_name(base_path),
            connect_timeout_s=float(os.environ.get("JAC_SCALE_MONGODB_CONNECT_TIMEOUT", "10")),
            retry_attempts=max(1, int(os.environ.get("JAC_SCALE_MONGODB_RETRIES", "3"))),
        )
