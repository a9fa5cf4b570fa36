"""Config: defaults, jac.toml, .env, environment overrides and clear errors for bad input."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jac_scale.config_loader import get_scale_config, parse_dotenv
from jac_scale.errors import ConfigError
from jac_scale.targets.local.local_config import LocalConfig


def write_app(folder: Path, toml: str | None = None, dotenv: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.jac").write_text('with entry { print("hi"); }\n')
    if toml is not None:
        (folder / "jac.toml").write_text(toml)
    if dotenv is not None:
        (folder / ".env").write_text(dotenv)
    return folder / "app.jac"


def test_defaults_without_jac_toml(tmp_path: Path) -> None:
    app = write_app(tmp_path / "My_Cool App")
    config = get_scale_config(app, environ={})
    assert config.target == "local"
    assert config.app_name == "my-cool-app"
    local = config.get_local_config()
    assert isinstance(local, LocalConfig)
    assert local.port == 8000
    assert local.health_check_path == "/"
    assert local.state_dir == str(app.parent / ".jac-scale")


def test_values_from_jac_toml(tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "a",
        """
[project]
name = "From Project"

[plugins.scale]
target = "local"

[plugins.scale.local]
port = 9123
health_check_path = "/walkers"

[plugins.scale.environment]
GREETING = "hello"

[plugins.scale.secrets]
API_KEY = "s3cr3t-value"

[plugins.scale.database]
mongodb_uri = "mongodb://u:pw@db:27017/x"
pool_size = 4

[plugins.scale.server]
anything = "belongs to the runtime"
""",
    )
    config = get_scale_config(app, environ={})
    assert config.app_name == "from-project"
    local = config.get_local_config()
    assert local.port == 9123
    assert local.health_check_path == "/walkers"
    env = local.app_environment()
    assert env["GREETING"] == "hello"
    assert env["API_KEY"] == "s3cr3t-value"
    assert env["MONGODB_URI"] == "mongodb://u:pw@db:27017/x"
    # secrets stay hidden in the model's printed form
    assert "s3cr3t-value" not in repr(local)


def test_app_name_precedence(tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "folder", '[project]\nname = "proj"\n[plugins.scale]\napp_name = "Explicit"\n'
    )
    assert get_scale_config(app, environ={}).app_name == "explicit"
    app2 = write_app(tmp_path / "folder2", '[project]\nname = "proj"\n')
    assert get_scale_config(app2, environ={}).app_name == "proj"


def test_precedence_flag_env_dotenv_toml(tmp_path: Path) -> None:
    app = write_app(
        tmp_path / "p",
        "[plugins.scale.local]\nport = 9001\nstop_timeout = 3\n",
        "JAC_SCALE_LOCAL__PORT=9002\nJAC_SCALE_LOCAL__STOP_TIMEOUT=4\n",
    )
    config = get_scale_config(app, environ={"JAC_SCALE_LOCAL__PORT": "9003"})
    assert config.get_local_config().port == 9003  # environment beats .env and jac.toml
    assert config.get_local_config().stop_timeout == 4  # .env beats jac.toml
    assert config.get_local_config(port=9004).port == 9004  # flag beats everything
    only_toml = get_scale_config(app.parent, environ={})
    assert only_toml.get_local_config(port=None).port == 9002


def test_environment_sets_target_and_database_urls(tmp_path: Path) -> None:
    app = write_app(tmp_path / "e")
    config = get_scale_config(
        app,
        environ={"JAC_SCALE_TARGET": "docker", "REDIS_URL": "redis://:pw@127.0.0.1:6379/0"},
    )
    assert config.target == "docker"
    assert config.get_local_config().app_environment()["REDIS_URL"].startswith("redis://")


def test_dotenv_parsing(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# comment\nexport A=1\nB=\"two words\"\nC='x'\nD=plain # trailing\n\n")
    assert parse_dotenv(path) == {"A": "1", "B": "two words", "C": "x", "D": "plain"}


BAD_INPUTS: list[tuple[str, str | None, dict[str, str], str]] = [
    ("malformed toml", "[plugins.scale\nport = 1\n", None, {}, "malformed TOML"),
    ("port too large", "[plugins.scale.local]\nport = 70000\n", None, {}, "port"),
    ("port negative", "[plugins.scale.local]\nport = -1\n", None, {}, "greater than or equal to 1"),
    ("port not a number", '[plugins.scale.local]\nport = "http"\n', None, {}, "valid integer"),
    (
        "unknown key in our table",
        "[plugins.scale.local]\nprot = 8000\n",
        None,
        {},
        "did you mean 'port'",
    ),
    (
        "unknown top-level key",
        '[plugins.scale]\ntargt = "local"\n',
        None,
        {},
        "did you mean 'target'",
    ),
    (
        "health path without slash",
        '[plugins.scale.local]\nhealth_check_path = "health"\n',
        None,
        {},
        "health_check_path",
    ),
    (
        "negative timeout",
        "[plugins.scale.local]\nstartup_timeout = -5\n",
        None,
        {},
        "startup_timeout",
    ),
    ("bad env override", None, None, {"JAC_SCALE_LOCAL__PORT": "eighty"}, "JAC_SCALE_LOCAL__PORT"),
    ("env with too many separators", None, None, {"JAC_SCALE_A__B__C": "1"}, "too many"),
    ("bad .env line", None, "this is not a pair\n", {}, ".env:1"),
    ("app name without letters", '[plugins.scale]\napp_name = "___"\n', None, {}, "no letters"),
    (
        "environment not a table",
        '[plugins.scale]\nenvironment = "x"\n',
        None,
        {},
        "must be a table",
    ),
    ("scale not a table", "[plugins]\nscale = 3\n", None, {}, "must be a table"),
]


@pytest.mark.parametrize(
    ("toml", "dotenv", "environ", "expected"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_is_a_clear_error(
    tmp_path: Path, toml: str | None, dotenv: str | None, environ: dict[str, str], expected: str
) -> None:
    app = write_app(tmp_path / "bad", toml, dotenv)
    with pytest.raises(ConfigError) as caught:
        config = get_scale_config(app, environ=environ)
        config.app_name  # noqa: B018 - resolving the name validates it
        config.get_local_config()
    message = str(caught.value)
    assert expected in message
    assert caught.value.exit_code == 2
    # the error names where the value came from
    assert "jac.toml" in message or "environment" in message or ".env" in message


def test_error_names_file_key_and_rule(tmp_path: Path) -> None:
    app = write_app(tmp_path / "where", "[plugins.scale.local]\nport = 0\n")
    with pytest.raises(ConfigError) as caught:
        get_scale_config(app, environ={}).get_local_config()
    message = str(caught.value)
    assert str(app.parent / "jac.toml") in message
    assert "[plugins.scale.local] port" in message
    assert "1-65535" in message


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(port=st.one_of(st.integers(max_value=0), st.integers(min_value=65536)))
def test_any_out_of_range_port_is_rejected(tmp_path: Path, port: int) -> None:
    app = write_app(tmp_path / "prop", f"[plugins.scale.local]\nport = {port}\n")
    with pytest.raises(ConfigError, match="port"):
        get_scale_config(app, environ={}).get_local_config()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(port=st.integers(min_value=1, max_value=65535))
def test_any_valid_port_is_accepted(tmp_path: Path, port: int) -> None:
    app = write_app(tmp_path / "ok")
    config = get_scale_config(app, environ={"JAC_SCALE_LOCAL__PORT": str(port)})
    assert config.get_local_config().port == port


@settings(max_examples=60, deadline=None)
@given(raw=st.text(min_size=1, max_size=80))
def test_app_names_are_dns_labels_or_clear_errors(raw: str) -> None:
    from jac_scale.naming import clean_app_name

    try:
        name = clean_app_name(raw)
    except ConfigError as exc:
        assert "no letters or digits" in exc.message
        return
    assert 1 <= len(name) <= 63
    assert name[0].isalpha() and name[-1].isalnum()
    assert all(c.isdigit() or c == "-" or ("a" <= c <= "z") for c in name)


def test_whole_table_errors_never_echo_secrets(tmp_path: Path) -> None:
    from pydantic import model_validator

    from jac_scale.abstractions.config.base_config import AppRuntimeConfig

    class Picky(AppRuntimeConfig):
        low: int = 1
        high: int = 2

        @model_validator(mode="after")
        def _ordered(self) -> "Picky":
            if self.low > self.high:
                raise ValueError("low must not exceed high")
            return self

    app = write_app(
        tmp_path / "s",
        "[plugins.scale.picky]\nlow = 5\n[plugins.scale.secrets]\nAPI_TOKEN = 'tok-SUPERSECRET'\n",
    )
    with pytest.raises(ConfigError) as caught:
        get_scale_config(app, environ={}).build_model(Picky, "picky")
    assert "low must not exceed high" in str(caught.value)
    assert "tok-SUPERSECRET" not in str(caught.value)
