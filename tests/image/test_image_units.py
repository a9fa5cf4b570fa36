"""The builder's pure parts: config, Dockerfile text, dependencies, references, probes."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jac_scale.builder.build_config import BuildConfig
from jac_scale.builder.context import app_files, ignore_rules
from jac_scale.builder.dependencies import app_requirements, image_requirements
from jac_scale.builder.dockerfile import DockerfileSpec, render_dockerfile
from jac_scale.builder.image_builder import from_images, strip_tag
from jac_scale.builder.probe import PythonInfo, _parse, check_version
from jac_scale.config_loader import get_scale_config
from jac_scale.errors import ConfigError, DeploymentError
from jac_scale.providers.registry.reference import ImageReference


def spec(**changes: object) -> DockerfileSpec:
    values: dict[str, object] = {
        "base_image": "python:3.12-slim",
        "python_version": "3.12",
        "has_venv": True,
        "file_name": "app.jac",
        "container_port": 8080,
        "user_id": 10001,
        "pip_wheel": "pip-26.0-py3-none-any.whl",
        "self_wheel": "jac_scale-0.3.0-py3-none-any.whl",
        "with_ca": True,
        "warmup": True,
        "warmup_timeout": 60.0,
    }
    values.update(changes)
    return DockerfileSpec(**values)  # type: ignore[arg-type]


def final_stage(text: str) -> list[str]:
    lines = text.splitlines()
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last_from:]


def test_dockerfile_orders_layers_and_keeps_the_ca_in_the_build_stage() -> None:
    text = render_dockerfile(spec())
    final = final_stage(text)
    assert final[0] == "FROM python:3.12-slim"
    assert "COPY ca/extra-ca.pem" in text
    assert not any("ca/" in line or "extra-ca" in line or "PIP_CERT" in line for line in final)
    order = [
        next(i for i, line in enumerate(final) if line.startswith(prefix))
        for prefix in (
            "COPY --from=jac-deps",
            "COPY --from=jac-runtime",
            "COPY --chown",
            "USER 10001",
        )
    ]
    assert order == sorted(order)
    assert "--no-index" in text and "pip install" in text
    assert final[-3:] == [
        "EXPOSE 8080",
        "ENTRYPOINT []",
        'CMD ["jac", "start", "app.jac", "--port", "8080"]',
    ]
    assert final[1] == "USER root"  # base images that switch users still build
    assert any("useradd --uid 10001" in line for line in final)


def test_dockerfile_without_venv_support_installs_to_a_target_folder() -> None:
    text = render_dockerfile(spec(has_venv=False, with_ca=False))
    assert "-m venv" not in text
    assert "--target /opt/jac-venv/site" in text
    assert "PYTHONPATH=/opt/jac-venv/site" in text
    assert "ca/" not in text


def test_dockerfile_without_runtime_skips_its_stage() -> None:
    text = render_dockerfile(spec(self_wheel=None, warmup=False))
    assert "jac-runtime" not in text and "warmup" not in text


def test_build_config_from_jac_toml_with_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "app.jac").write_text("")
    (tmp_path / "jac.toml").write_text(
        '[project]\nname = "shop"\n[plugins.scale.build]\n'
        'base_image = "b:1"\ncontainer_port = 9000\n'
    )
    config = get_scale_config(tmp_path / "app.jac").get_build_config()
    assert isinstance(config, BuildConfig)
    assert (config.base_image, config.container_port, config.repository) == ("b:1", 9000, "shop")
    overridden = get_scale_config(tmp_path / "app.jac").get_build_config(base_image="c:2")
    assert overridden.base_image == "c:2"

    (tmp_path / "jac.toml").write_text("[plugins.scale.build]\nbase_imag = 'x'\n")
    with pytest.raises(ConfigError, match="did you mean 'base_image'"):
        get_scale_config(tmp_path / "app.jac").get_build_config()
    (tmp_path / "jac.toml").write_text("[plugins.scale.build]\ncontainer_port = 70000\n")
    with pytest.raises(ConfigError, match="container_port"):
        get_scale_config(tmp_path / "app.jac").get_build_config()


def test_default_base_image_and_names() -> None:
    config = BuildConfig()
    assert config.base_image == "python:3.12-slim"
    assert config.extra_ca_bundle is None and config.container_port == 8000
    with pytest.raises(ValueError, match="repository"):
        BuildConfig(image_name="Team/App")


def test_app_requirements_from_jac_toml_and_requirements_txt(tmp_path: Path) -> None:
    (tmp_path / "jac.toml").write_text(
        '[dependencies]\nrequests = ">=2.31"\nrich = "13.7.1"\nhttpx = "^0.27"\nattrs = "*"\n'
        '[dependencies.npm]\nreact = "^18"\n'
    )
    (tmp_path / "requirements.txt").write_text("# comment\nidna>=3  # trailing\n\n")
    found = app_requirements(tmp_path)
    assert found == ["requests>=2.31", "rich==13.7.1", "httpx>=0.27,<1.0.0", "attrs", "idna>=3"]
    everything = image_requirements(BuildConfig(requirements=["six"]), tmp_path)
    assert any(r.startswith("jaclang==") for r in everything)
    assert {"six", "idna>=3"} <= set(everything)
    assert any(r.startswith("pymongo") for r in everything)  # the runtime extra
    assert any(r.startswith("redis") for r in everything)
    assert not any(
        r.startswith("pymongo")
        for r in image_requirements(BuildConfig(include_runtime=False), tmp_path)
    )


def test_unsupported_requirement_lines_are_errors(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests\n--index-url https://x\n")
    with pytest.raises(ConfigError, match=r"requirements.txt:2"):
        app_requirements(tmp_path)


def test_ignore_rules_combine_defaults_and_dockerignore(tmp_path: Path) -> None:
    for name in ("app.jac", ".env", "notes/secret.txt", "notes/keep.md", "big.bin", ".git/HEAD"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / ".dockerignore").write_text("# mine\n*.bin\nnotes/secret.txt\n!keep\n")
    names = {
        p.relative_to(tmp_path).as_posix() for p in app_files(tmp_path, ignore_rules(tmp_path))
    }
    assert names == {"app.jac", "notes/keep.md"}


def test_platform_tags_follow_the_probed_python() -> None:
    info = _parse(
        '{"version":"3.13","machine":"x86_64","libc":["glibc","2.41"],'
        '"venv":true,"ensurepip":false}',
        "img",
    )
    assert (info.version, info.abi, info.has_venv) == ("3.13", "cp313", True)
    tags = info.platforms()
    assert tags[0] == "manylinux_2_41_x86_64"
    assert "manylinux2014_x86_64" in tags and tags[-1] == "linux_x86_64"
    musl = PythonInfo("3.12", "aarch64", "musl", "", True).platforms()
    assert musl[0] == "musllinux_1_2_aarch64"
    with pytest.raises(DeploymentError, match="python3"):
        _parse("sh: python3: not found", "img")
    with pytest.raises(ConfigError, match=r">= 3\.12"):
        check_version("3.11", "debian:bookworm")


@given(
    host=st.sampled_from(["", "127.0.0.1:5000/", "ghcr.io/", "localhost/"]),
    path=st.from_regex(r"[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,2}", fullmatch=True),
    tag=st.one_of(st.none(), st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)),
)
def test_image_reference_round_trips(host: str, path: str, tag: str | None) -> None:
    text = f"{host}{path}" + (f":{tag}" if tag else "")
    reference = ImageReference.parse(text)
    assert str(reference) == text
    assert reference.tag == tag
    assert reference.host == (host.rstrip("/") or None)


def test_tags_given_with_the_image_name_are_dropped() -> None:
    assert strip_tag("todo:latest") == "todo"
    assert strip_tag("127.0.0.1:5000/team/todo:v1") == "127.0.0.1:5000/team/todo"
    assert strip_tag("127.0.0.1:5000/todo") == "127.0.0.1:5000/todo"
    assert strip_tag("todo@sha256:" + "0" * 64) == "todo"


def test_from_images_skips_stages_and_scratch() -> None:
    text = (
        "FROM --platform=linux/amd64 python:3.12-slim AS build\nRUN x\n"
        "FROM build AS test\nFROM scratch\nfrom debian:trixie\nCOPY --from=build / /\n"
    )
    assert from_images(text) == ["python:3.12-slim", "debian:trixie"]


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
)


@given(
    st.dictionaries(
        st.sampled_from([*BuildConfig.model_fields, "bse_image", "port"]), _VALUES, max_size=5
    )
)
def test_any_build_table_is_valid_or_a_config_error(table: dict[str, object]) -> None:
    from jac_scale.config_loader import ScaleConfig

    scale = ScaleConfig(app_folder=Path("/nonexistent/app"), app_file=None, data={"build": table})
    try:
        config = scale.get_build_config()
    except ConfigError as exc:
        assert "[plugins.scale.build]" in str(exc) or "build" in str(exc)
    else:
        assert isinstance(config, BuildConfig)
