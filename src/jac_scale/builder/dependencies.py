"""Which Python packages an app's image needs: jaclang, jac-scale's runtime, the app's own."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from jac_scale.builder.build_config import BuildConfig
from jac_scale.errors import ConfigError, MissingDependencyError

RUNTIME_EXTRA = "runtime"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9_,.\- ]+\])?")


def installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        raise MissingDependencyError(
            f"{distribution} is not installed here, so its version for the image is unknown",
            hint=f"pip install {distribution}, or set [plugins.scale.build] jaclang_version",
        ) from None


def runtime_requirements() -> list[str]:
    """jac-scale's own dependencies plus its `runtime` extra (pymongo, redis)."""
    requirements: list[str] = []
    for requirement in metadata.requires("jac-scale") or []:
        spec, _, marker = requirement.partition(";")
        if not marker.strip() or re.search(rf"extra\s*==\s*['\"]{RUNTIME_EXTRA}['\"]", marker):
            requirements.append(spec.strip())
    return [r for r in requirements if not r.lower().startswith("jaclang")]


def _constraint(name: str, raw: str) -> str:
    """jac.toml's version strings (`"1.2"`, `">=1"`, `"^1.2"`, `"*"`) -> a pip requirement."""
    raw = raw.strip()
    if raw in ("", "*"):
        return name
    if raw.startswith("^"):
        parts = raw[1:].split(".")
        if not parts[0].isdigit():
            return f"{name}{raw[1:]}"
        upper = f"{int(parts[0]) + 1}.0.0"
        return f"{name}>={raw[1:]},<{upper}"
    if raw[0].isdigit():
        return f"{name}=={raw}"
    return f"{name}{raw}"


def app_requirements(app_folder: Path) -> list[str]:
    """`[dependencies]` of the app's jac.toml and the lines of its requirements.txt."""
    found: list[str] = []
    toml_path = app_folder / "jac.toml"
    if toml_path.is_file():
        try:
            document = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{toml_path}: malformed TOML: {exc}") from None
        dependencies = document.get("dependencies", {})
        if isinstance(dependencies, dict):
            for name, value in dependencies.items():
                if isinstance(value, str):  # tables hold git/npm dependencies: not pip's
                    found.append(_constraint(name, value))
    requirements_txt = app_folder / "requirements.txt"
    if requirements_txt.is_file():
        lines = requirements_txt.read_text(encoding="utf-8").splitlines()
        for number, raw in enumerate(lines, start=1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("-") or not _NAME.match(line):
                raise ConfigError(
                    f"{requirements_txt}:{number}: {raw.strip()!r} is not supported in an image "
                    "build (only plain requirements such as 'requests>=2')",
                    hint="remove pip options and URLs; the build installs from a wheelhouse",
                )
            found.append(line)
    return found


def image_requirements(config: BuildConfig, app_folder: Path) -> list[str]:
    """Everything the wheelhouse must hold, sorted and without duplicates."""
    jaclang = config.jaclang_version or installed_version("jaclang")
    wanted = [f"jaclang=={jaclang}"]
    if config.include_runtime:
        wanted += runtime_requirements()
    wanted += app_requirements(app_folder)
    wanted += list(config.requirements)
    return sorted(dict.fromkeys(w.strip() for w in wanted if w.strip()))
