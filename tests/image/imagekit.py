"""Helpers of the image suite: names, CI settings, a progress recorder, a throwaway CA."""

import datetime
import os
from pathlib import Path

#: Per session, so that two test runs on one engine never delete each other's images.
PREFIX = f"jac-scale-test-image-{os.getpid()}-"
CI_ENV = Path(os.environ.get("JAC_SCALE_CI_STATE", "/tmp/jac-scale-ci")) / "env"


def ci_settings() -> dict[str, str]:
    """Settings written by scripts/services.sh, overridable by the environment."""
    values: dict[str, str] = {}
    if CI_ENV.is_file():
        for line in CI_ENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                values[key] = value
    for key in list(values):
        values[key] = os.environ.get(key, values[key])
    values.setdefault(
        "JAC_SCALE_TEST_BASE_IMAGE",
        os.environ.get("JAC_SCALE_TEST_BASE_IMAGE", "jac-scale-test/base:trixie"),
    )
    return values


class Recorder:
    """A progress reporter that remembers every message (tests check what users would see)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def update(self, message: str) -> None:
        self.messages.append(message)

    def text(self) -> str:
        return "\n".join(self.messages)


def make_ca_bundle(common_name: str) -> bytes:
    """A fresh self-signed CA certificate in PEM form (unique per test run)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def tiny_context(text: str) -> bytes:
    """A build context (tar) for a few-byte image: fast to push to a fresh registry."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in (
            ("Dockerfile", b"FROM scratch\nCOPY hello.txt /hello.txt\n"),
            ("hello.txt", text.encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def local_images(client: object, contains: str) -> dict[str, str]:
    """tag -> image id for local tags containing `contains` (one API call: no races)."""
    found: dict[str, str] = {}
    for summary in client.api.images():  # type: ignore[attr-defined]
        for tag in summary.get("RepoTags") or []:
            if contains in tag:
                found[tag] = summary["Id"]
    return found
