"""[plugins.scale.kubernetes] -> KubernetesConfig: precedence, and bad input as clear errors."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jac_scale.config_loader import get_scale_config
from jac_scale.errors import ConfigError

KEYS = ["namespace", "service_type", "replicas", "node_port", "cpu_request", "min_replicas"]


def _write(folder: Path, body: str) -> Path:
    (folder / "app.jac").write_text("with entry { print(1); }\n")
    (folder / "jac.toml").write_text('[project]\nname = "todo"\n\n' + body)
    return folder / "app.jac"


def test_toml_env_and_overrides(tmp_path: Path) -> None:
    app = _write(
        tmp_path,
        '[plugins.scale.kubernetes]\nnamespace = "from-toml"\nreplicas = 2\n'
        '[plugins.scale.secrets]\nTOKEN = "t0ken-value"\n',
    )
    config = get_scale_config(app, environ={"JAC_SCALE_KUBERNETES__NAMESPACE": "from-env"})
    k8s = config.get_kubernetes_config()
    assert (k8s.app_name, k8s.namespace, k8s.replicas) == ("todo", "from-env", 2)
    assert k8s.secrets["TOKEN"].get_secret_value() == "t0ken-value"
    assert "t0ken-value" not in repr(k8s)


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('service_type = "Nodeport"', "service_type"),
        ("node_port = 80", "node_port"),
        ('namespace = "Bad_NS"', "namespace"),
        ("min_replicas = 5\nmax_replicas = 2", "min_replicas"),
        ("replicaz = 2", "did you mean 'replicas'"),
        ('ingress_tls_secret = "x"', "ingress_host"),
        ('cpu_request = "lots"', "cpu_request"),
        ('app_name = "' + "a" * 41 + '"', "at most 40"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, line: str, needle: str) -> None:
    app = _write(tmp_path, f"[plugins.scale.kubernetes]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        get_scale_config(app, environ={}).get_kubernetes_config()
    assert needle in str(caught.value)
    assert caught.value.exit_code == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.sampled_from(KEYS), value=st.text(max_size=12))
def test_any_text_is_accepted_or_a_config_error(tmp_path: Path, key: str, value: str) -> None:
    app = _write(tmp_path, "")
    environ = {f"JAC_SCALE_KUBERNETES__{key.upper()}": value}
    try:
        config = get_scale_config(app, environ=environ).get_kubernetes_config()
    except ConfigError as exc:
        assert key in exc.message.lower()
    else:
        assert config.app_name == "todo"
