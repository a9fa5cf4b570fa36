"""App names become DNS-1123 labels so that every target accepts them as object names."""

import re

from jac_scale.errors import ConfigError

_INVALID = re.compile(r"[^a-z0-9-]+")


def clean_app_name(raw: str) -> str:
    """Lower-case, invalid runs to '-', trimmed to 63 characters; empty is an error."""
    name = _INVALID.sub("-", raw.strip().lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:63].rstrip("-")
    if not name or not name[0].isalpha():
        name = f"app-{name}".rstrip("-")[:63] if name else ""
    if not name:
        raise ConfigError(
            f"app name {raw!r} has no letters or digits",
            hint="set [plugins.scale] app_name in jac.toml to a name like 'my-app'",
        )
    return name
