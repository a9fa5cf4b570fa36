"""jac.toml + .env + environment -> typed config, with errors that name file, key and rule.

Precedence: command-line flag > environment (`JAC_SCALE_<TABLE>__<KEY>`) > `.env` beside the
app > `jac.toml` `[plugins.scale]` > defaults. Unknown keys are errors only inside the tables
Jac-Scale defines; tables that belong to the app's runtime (`server`, `jwt`, ...) are left alone.
"""

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from jac_scale.errors import ConfigError
from jac_scale.naming import clean_app_name
from jac_scale.utilities.redaction import redact

ENV_PREFIX = "JAC_SCALE_"
#: Scalars allowed directly under [plugins.scale].
TOP_LEVEL_KEYS = ("app_name", "target")
#: Tables that reach the app on every target (environment variables, secrets, database URLs).
SHARED_TABLES = ("environment", "secrets", "database")
#: Keys of [plugins.scale.database] that Jac-Scale honours; the rest belong to the runtime.
DATABASE_KEYS = ("mongodb_uri", "redis_url")

M = TypeVar("M", bound=BaseModel)


def parse_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `export`, comments and surrounding quotes allowed."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.replace("_", "").isalnum():
            raise ConfigError(
                f"{path}:{number}: expected KEY=VALUE, got {raw.strip()!r}",
                hint="each line of .env is NAME=value; lines starting with # are comments",
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


@dataclass
class ScaleConfig:
    """Merged `[plugins.scale]` settings for one app, and typed views per target."""

    app_folder: Path
    app_file: Path | None
    data: dict[str, Any]
    sources: dict[tuple[str, ...], str] = field(default_factory=dict)
    toml_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    project_name: str | None = None

    # -- app-level values -------------------------------------------------
    @property
    def app_name(self) -> str:
        raw = self.data.get("app_name") or self.project_name or self.app_folder.name
        try:
            return clean_app_name(str(raw))
        except ConfigError as exc:
            raise ConfigError(
                f"{self._where(('app_name',))}: {exc.message}", hint=exc.hint
            ) from None

    @property
    def target(self) -> str:
        return str(self.data.get("target") or "local")

    @property
    def state_dir(self) -> Path:
        return self.app_folder / ".jac-scale"

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return dict(value) if isinstance(value, dict) else {}

    # -- typed views --------------------------------------------------------
    def runtime_settings(self) -> dict[str, Any]:
        """Environment, secrets and database URLs that every target passes to the app."""
        settings: dict[str, Any] = {
            "environment": {k: str(v) for k, v in self.table("environment").items()},
            "secrets": {k: str(v) for k, v in self.table("secrets").items()},
        }
        database = self.table("database")
        for key, env_name in (("mongodb_uri", "MONGODB_URI"), ("redis_url", "REDIS_URL")):
            value = database.get(key) or self.env.get(env_name)
            if value:
                settings[key] = str(value)
        return settings

    def build_model(self, model: type[M], table: str, **extra: Any) -> M:
        """Validate one sub-table with `model`, reporting the file and key of each error."""
        values: dict[str, Any] = {}
        fields = model.model_fields
        if "app_name" in fields:
            values["app_name"] = self.app_name
        for key, value in self.runtime_settings().items():
            if key in fields:
                values[key] = value
        values.update(self.table(table))
        values.update({k: v for k, v in extra.items() if v is not None})
        try:
            return model.model_validate(values)
        except ValidationError as exc:
            raise self._explain(exc, table, model) from None

    def get_target_config(self, target: str, **overrides: Any) -> BaseModel:
        """The typed config of any registered target, from `[plugins.scale.<target>]`."""
        from jac_scale.factories.deployment_factory import TARGETS

        target_class = TARGETS.load(target)
        return self.build_model(target_class.config_class, target, **overrides)

    def get_local_config(self, **overrides: Any) -> BaseModel:
        from jac_scale.targets.local.local_config import LocalConfig

        overrides.setdefault("state_dir", str(self.state_dir))
        return self.build_model(LocalConfig, "local", **overrides)

    def get_docker_config(self, **overrides: Any) -> BaseModel:
        return self.get_target_config("docker", **overrides)

    def get_kubernetes_config(self, **overrides: Any) -> BaseModel:
        return self.get_target_config("kubernetes", **overrides)

    def get_build_config(self, **overrides: Any) -> BaseModel:
        from jac_scale.builder.build_config import BuildConfig

        return self.build_model(BuildConfig, "build", **overrides)

    def get_registry_config(self, **overrides: Any) -> dict[str, Any]:
        registry = self.table("registry")
        registry.update({k: v for k, v in overrides.items() if v is not None})
        return registry

    # -- error reporting ----------------------------------------------------
    def _where(self, key: tuple[str, ...]) -> str:
        source = self.sources.get(key)
        if source:
            return source
        if self.toml_path is not None:
            return (
                f"{self.toml_path} [plugins.scale{'.' + key[0] if len(key) > 1 else ''}] {key[-1]}"
            )
        return f"[plugins.scale] {'.'.join(key)}"

    def _explain(self, exc: ValidationError, table: str, model: type[BaseModel]) -> ConfigError:
        lines: list[str] = []
        known = sorted(model.model_fields)
        for error in exc.errors():
            loc = tuple(str(p) for p in error["loc"])
            key = (table, *loc) if loc else (table,)
            where = self._where(key[:2]) if loc else f"[plugins.scale.{table}]"
            if error["type"] == "extra_forbidden":
                close = difflib.get_close_matches(loc[-1], known, n=1)
                suggestion = f" (did you mean {close[0]!r}?)" if close else ""
                lines.append(f"{where}: unknown key{suggestion}; known keys: {', '.join(known)}")
                continue
            if not loc or isinstance(error.get("input"), dict):
                shown = ""  # a whole table: may hold secrets, never echo it
            elif "secret" in ".".join(loc) or "password" in ".".join(loc):
                shown = " = '********'"
            else:
                shown = f" = {redact(error.get('input'))!r}"
            rule = error["msg"]
            description = (
                model.model_fields[loc[0]].description
                if loc and loc[0] in model.model_fields
                else None
            )
            allowed = f" (allowed: {description})" if description else ""
            lines.append(f"{where}{shown}: {rule}{allowed}")
        return ConfigError(
            "invalid configuration:\n  " + "\n  ".join(lines),
            hint="fix the value in jac.toml or the environment variable named above",
        )


def _env_overrides(
    env: Mapping[str, str], data: dict[str, Any], sources: dict[tuple[str, ...], str], origin: str
) -> None:
    """Apply `JAC_SCALE_KEY` and `JAC_SCALE_TABLE__KEY` variables onto `data`."""
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        if len(path) == 1:
            if path[0] not in TOP_LEVEL_KEYS:
                continue  # the tool's and the runtime's own switches (JAC_SCALE_DEBUG, ...)
            data[path[0]] = value
            sources[(path[0],)] = f"{origin} {name}"
        elif len(path) == 2:
            table = data.setdefault(path[0], {})
            if not isinstance(table, dict):
                raise ConfigError(f"{origin} {name}: [plugins.scale] {path[0]} is not a table")
            table[path[1]] = value
            sources[(path[0], path[1])] = f"{origin} {name}"
        else:
            raise ConfigError(
                f"{origin} {name}: too many '__' separators",
                hint="use JAC_SCALE_<KEY> or JAC_SCALE_<TABLE>__<KEY>",
            )


def _check_top_level(data: dict[str, Any], where: str) -> None:
    for table in SHARED_TABLES:
        if table in data and not isinstance(data[table], dict):
            raise ConfigError(f"{where} [plugins.scale] {table}: must be a table")
    for key, value in data.items():
        if isinstance(value, dict):
            continue
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1)
            raise ConfigError(
                f"{where} [plugins.scale] {key}: unknown key"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; known keys: {', '.join(TOP_LEVEL_KEYS)} and sub-tables",
            )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: malformed TOML: {exc}", hint="check the line and column named above"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None


def get_scale_config(
    app_path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> ScaleConfig:
    """Load the config of the app at `app_path` (a .jac file or its folder; default: cwd)."""
    path = Path(app_path or ".").expanduser().resolve()
    app_file = path if path.suffix == ".jac" else None
    folder = path.parent if app_file else path
    environ = dict(os.environ if environ is None else environ)

    toml_path = folder / "jac.toml"
    document = _read_toml(toml_path) if toml_path.is_file() else {}
    plugins = document.get("plugins", {})
    scale = plugins.get("scale", {}) if isinstance(plugins, dict) else {}
    if not isinstance(scale, dict):
        raise ConfigError(f"{toml_path}: [plugins.scale] must be a table")
    data: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v for k, v in scale.items()}
    _check_top_level(data, str(toml_path))
    project = document.get("project", {})
    project_name = project.get("name") if isinstance(project, dict) else None

    sources: dict[tuple[str, ...], str] = {}
    dotenv_path = folder / ".env"
    dotenv = parse_dotenv(dotenv_path) if dotenv_path.is_file() else {}
    _env_overrides(dotenv, data, sources, str(dotenv_path))
    _env_overrides(environ, data, sources, "environment variable")
    _check_top_level(data, "environment")

    merged_env = {**dotenv, **environ}
    return ScaleConfig(
        app_folder=folder,
        app_file=app_file,
        data=data,
        sources=sources,
        toml_path=toml_path if toml_path.is_file() else None,
        env=merged_env,
        project_name=str(project_name) if project_name else None,
    )
