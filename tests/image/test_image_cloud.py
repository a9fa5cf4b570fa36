"""Cloud registries without a cloud: ECR through moto, GCR tokens through google-auth against a
token endpoint on 127.0.0.1; and the factory that hands out every registry."""

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from jac_scale.abstractions.image_registry import ImageRegistry
from jac_scale.errors import ConfigError, DeploymentError, UnknownComponentError
from jac_scale.factories.registry_factory import ImageRegistryFactory
from jac_scale.providers.registry.dockerhub import DockerHubRegistry
from jac_scale.providers.registry.ecr import ECRRegistry
from jac_scale.providers.registry.gcr import GCRRegistry
from jac_scale.providers.registry.oci_registry import OCIRegistry
from jac_scale.providers.registry.reference import ImageReference
from jac_scale.utilities.redaction import redact_text

ACCOUNT = "123456789012"
ECR_HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def test_factory_gives_each_registry() -> None:
    expected = {
        "dockerhub": (DockerHubRegistry, {"username": "ada"}),
        "registry": (OCIRegistry, {"url": "127.0.0.1:5000"}),
        "ecr": (ECRRegistry, {"region": "us-east-1"}),
        "gcr": (GCRRegistry, {"url": "us-docker.pkg.dev/p/r"}),
    }
    for name, (cls, config) in expected.items():
        registry = ImageRegistryFactory.create(name, config)
        assert type(registry) is cls and isinstance(registry, ImageRegistry)
    with pytest.raises(UnknownComponentError, match="dockerhub"):
        ImageRegistryFactory.create("quay-like", {})


def test_registry_names_and_urls_without_a_registry() -> None:
    hub = ImageRegistryFactory.create("dockerhub", {"username": "ada"})
    assert hub.qualify("todo:1") == "docker.io/ada/todo:1"
    assert hub.qualify("team/todo:1") == "docker.io/team/todo:1"
    oci = ImageRegistryFactory.create("registry", {"url": "https://reg.example.com/team/"})
    assert oci.qualify("todo:abc") == "reg.example.com/team/todo:abc"
    assert oci.qualify("127.0.0.1:5555/todo:abc") == "reg.example.com/team/todo:abc"
    digest = "sha256:" + "a" * 64
    assert oci.get_image_url(f"todo@{digest}") == f"reg.example.com/team/todo@{digest}"
    with pytest.raises(ConfigError, match="url is not set"):
        ImageRegistryFactory.create("registry", {}).qualify("todo:1")
    with pytest.raises(ConfigError, match="username"):
        ImageRegistryFactory.create("dockerhub", {}).qualify("todo:1")


def test_registry_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match="pasword: unknown key"):
        ImageRegistryFactory.create("registry", {"url": "x", "pasword": "p"})
    with pytest.raises(ConfigError, match="push_retries"):
        ImageRegistryFactory.create("registry", {"url": "x", "push_retries": 0})


def test_password_from_environment_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAC_SCALE_REGISTRY__USERNAME", "robot")
    monkeypatch.setenv("JAC_SCALE_REGISTRY__PASSWORD", "env-secret-value-42")
    registry = ImageRegistryFactory.create("registry", {"url": "127.0.0.1:5000"})
    assert registry.auth_config() == {
        "username": "robot",
        "password": "env-secret-value-42",
        "serveraddress": "127.0.0.1:5000",
    }
    assert "env-secret-value-42" not in repr(registry.settings)
    assert "env-secret-value-42" not in redact_text("login env-secret-value-42 failed")


def test_ecr_login_and_image_url(aws: None) -> None:
    import boto3

    registry = ImageRegistryFactory.create("ecr", {"region": "us-east-1"})
    login = registry.login()
    assert login["username"] == "AWS"
    assert login["password"] == f"{ACCOUNT}-auth-token"
    assert login["serveraddress"] == ECR_HOST
    assert registry.auth_config() == login
    assert login["password"] not in redact_text(f"token {login['password']}")

    reference = registry.qualify("todo:abc123")
    assert reference == f"{ECR_HOST}/todo:abc123"
    assert registry.get_image_url(reference) == reference  # not pushed: by tag

    registry.prepare_push(ImageReference.parse(reference))  # creates the repository
    ecr = boto3.client("ecr", region_name="us-east-1")
    names = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    assert names == ["todo"]
    registry.prepare_push(ImageReference.parse(reference))  # idempotent

    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "x", "size": 1, "digest": "sha256:" + "1" * 64},
            "layers": [],
        }
    )
    pushed = ecr.put_image(repositoryName="todo", imageManifest=manifest, imageTag="abc123")
    digest = pushed["image"]["imageId"]["imageDigest"]
    assert registry.get_image_url(reference) == f"{ECR_HOST}/todo@{digest}"


def test_ecr_account_and_url_settings(aws: None) -> None:
    registry = ImageRegistryFactory.create("ecr", {"region": "eu-west-1", "account_id": "999"})
    assert registry.host() == "999.dkr.ecr.eu-west-1.amazonaws.com"
    custom = ImageRegistryFactory.create("ecr", {"url": "https://mirror.example.com/"})
    assert custom.host() == "mirror.example.com"


def test_ecr_without_credentials_or_region_is_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ConfigError, match="region"):
        ImageRegistryFactory.create("ecr", {}).host()
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    registry = ImageRegistryFactory.create("ecr", {"region": "us-east-1"})
    with pytest.raises(DeploymentError, match="no AWS credentials") as caught:
        registry.login()
    assert "AWS_ACCESS_KEY_ID" in (caught.value.hint or "")


class _TokenEndpoint(BaseHTTPRequestHandler):
    """Google's OAuth token endpoint, reduced to what google-auth's JWT grant needs."""

    requests: ClassVar[list[dict[str, list[str]]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        type(self).requests.append(form)
        body = json.dumps(
            {"access_token": "ya29.local-test-token", "expires_in": 3600, "token_type": "Bearer"}
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def token_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    _TokenEndpoint.requests = []
    server = HTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _service_account(tmp_path: Path, token_uri: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "demo-project",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "builder@demo-project.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return path


def test_gcr_token_from_google_auth(tmp_path: Path, token_server: str) -> None:
    credentials_file = _service_account(tmp_path, token_server)
    registry = ImageRegistryFactory.create(
        "gcr",
        {"url": "us-docker.pkg.dev/demo-project/apps", "credentials_file": str(credentials_file)},
    )
    auth = registry.auth_config()
    assert auth == {
        "username": "oauth2accesstoken",
        "password": "ya29.local-test-token",
        "serveraddress": "us-docker.pkg.dev",
    }
    assert "ya29.local-test-token" not in redact_text("token ya29.local-test-token")
    grant = _TokenEndpoint.requests[0]
    assert grant["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assert grant["assertion"][0].count(".") == 2  # a signed JWT
    registry.auth_config()  # token still valid: no second request
    assert len(_TokenEndpoint.requests) == 1
    assert registry.qualify("todo:1") == "us-docker.pkg.dev/demo-project/apps/todo:1"

    by_project = ImageRegistryFactory.create("gcr", {"credentials_file": str(credentials_file)})
    assert by_project.host() == "gcr.io/demo-project"


def test_gcr_without_credentials_is_clear(tmp_path: Path) -> None:
    registry = ImageRegistryFactory.create(
        "gcr", {"url": "gcr.io/p", "credentials_file": str(tmp_path / "missing.json")}
    )
    with pytest.raises(DeploymentError, match="no Google Cloud credentials") as caught:
        registry.auth_config()
    assert "credentials_file" in (caught.value.hint or "")
