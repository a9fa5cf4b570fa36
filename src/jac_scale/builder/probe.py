"""Asks the base image which Python it has, so the wheelhouse matches it (not the host)."""

import contextlib
import json
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jac_scale.errors import ConfigError, DeploymentError

#: Printed as one JSON line by the base image's python3.
_PROBE = (
    "import json,platform,sys,importlib.util as u;"
    "print(json.dumps({'version':'%d.%d'%sys.version_info[:2],"
    "'machine':platform.machine(),'libc':platform.libc_ver(),"
    "'venv':u.find_spec('venv') is not None,"
    "'ensurepip':u.find_spec('ensurepip') is not None}))"
)


@dataclass(frozen=True)
class PythonInfo:
    """What the wheelhouse must fit: version, CPU, C library; and whether venv works."""

    version: str
    machine: str
    libc: str
    libc_version: str
    has_venv: bool

    @property
    def abi(self) -> str:
        return "cp" + self.version.replace(".", "")

    def platforms(self) -> list[str]:
        """pip `--platform` tags; pip adds the older manylinux tags itself."""
        machine = self.machine
        if self.libc == "glibc":
            minor = int(self.libc_version.partition(".")[2] or 17)
            tags = [f"manylinux_2_{m}_{machine}" for m in range(minor, 4, -1)]
            legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
            tags += [f"{name}_{machine}" for m, name in legacy.items() if minor >= m]
        elif self.libc == "musl":
            tags = [f"musllinux_1_{m}_{machine}" for m in (2, 1, 0)]
        else:
            raise DeploymentError(
                f"the base image's C library ({self.libc or 'unknown'}) is not supported",
                hint="use a glibc or musl based image with python3, e.g. python:3.12-slim",
            )
        return [*tags, f"linux_{machine}"]


def _parse(output: str, image: str) -> PythonInfo:
    try:
        data: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
        libc_name, libc_version = data["libc"]
        return PythonInfo(
            version=str(data["version"]),
            machine=str(data["machine"]),
            libc=str(libc_name or "musl"),
            libc_version=str(libc_version or ""),
            has_venv=bool(data["venv"]),
        )
    except (ValueError, KeyError, IndexError, TypeError):
        raise DeploymentError(
            f"could not read the Python version of base image {image}: {output[-300:]!r}",
            hint="the base image needs a working python3 on its PATH",
        ) from None


def probe_python(client: Any, image: str, image_id: str, cache_dir: Path) -> PythonInfo:
    """Run `python3` in the base image once per image id; later calls read the cache."""
    import docker.errors

    cache_file = cache_dir / "probes" / f"{image_id.replace(':', '_')}.json"
    if cache_file.is_file():
        try:
            return PythonInfo(**json.loads(cache_file.read_text()))
        except (ValueError, TypeError):
            cache_file.unlink(missing_ok=True)
    container = None
    try:
        container = client.containers.create(
            image, ["python3", "-c", _PROBE], entrypoint="", network_disabled=True
        )
        container.start()
        status = container.wait(timeout=120).get("StatusCode", 1)
        raw = container.logs(stdout=True, stderr=True)
    except docker.errors.DockerException as exc:
        explanation = getattr(exc, "explanation", None) or str(exc)
        raise DeploymentError(
            f"base image {image} has no working python3: {explanation}",
            hint="use an image with python3 >= 3.12 on its PATH, e.g. python:3.12-slim",
        ) from None
    finally:
        if container is not None:
            with contextlib.suppress(docker.errors.DockerException):
                container.remove(force=True)
    if status != 0:
        raise DeploymentError(
            f"base image {image} has no working python3: {raw.decode(errors='replace')[-300:]}",
            hint="use an image with python3 >= 3.12 on its PATH, e.g. python:3.12-slim",
        )
    info = _parse(raw.decode(errors="replace"), image)
    check_version(info.version, image)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps(asdict(info)))
    return info


def check_version(version: str, image: str) -> None:
    """jaclang needs Python >= 3.12: say so before anything is downloaded."""
    major, _, minor = version.partition(".")
    if (int(major), int(minor or 0)) < (3, 12):
        raise ConfigError(
            f"base image {image} has Python {version}, but jaclang needs Python >= 3.12",
            hint="set [plugins.scale.build] base_image to an image with Python >= 3.12, "
            "e.g. python:3.12-slim",
        )


def assumed_python(version: str) -> PythonInfo:
    """When `python_version` is configured: a glibc Linux image on this CPU."""
    machine = {"arm64": "aarch64", "amd64": "x86_64"}.get(platform.machine(), platform.machine())
    return PythonInfo(version, machine, "glibc", "2.28", True)
