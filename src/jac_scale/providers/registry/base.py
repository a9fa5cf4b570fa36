"""What every Docker-engine registry shares: build through ImageBuilder, push with retries.

Subclasses say where images go (`qualify`) and which credentials to send (`auth_config`).
"""

import contextlib
import re
import time
from pathlib import Path
from typing import Any

from jac_scale.abstractions.image_registry import ImageRegistry
from jac_scale.abstractions.logger import Logger, NullLogger
from jac_scale.abstractions.progress import NullProgress, Progress
from jac_scale.errors import DeploymentError, JacScaleError, UsageError
from jac_scale.providers.registry.reference import ImageReference
from jac_scale.providers.registry.settings import RegistrySettings, load_settings
from jac_scale.utilities.redaction import redact_text

_AUTH_ERRORS = re.compile(
    r"unauthorized|authentication required|incorrect username or password|denied|\b401\b|"
    r"no basic auth credentials",
    re.I,
)
_DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")


class PushRejected(Exception):
    """The registry answered and said no (credentials, permissions): retrying cannot help."""


class PushFailed(Exception):
    """The push broke on the way (connection refused, timeout, 5xx): worth a bounded retry."""


class ContainerRegistry(ImageRegistry):
    """An OCI registry reached through the local Docker engine."""

    #: Name used in messages ("Docker Hub", "registry at 127.0.0.1:5000").
    label = "registry"

    def __init__(
        self,
        config: dict[str, Any] | None = None,
        *,
        docker_client: Any = None,
        progress: Progress | None = None,
        logger: Logger | None = None,
    ) -> None:
        super().__init__(config)
        self.settings: RegistrySettings = load_settings(self.config)
        self._client = docker_client
        self.progress: Progress = progress or NullProgress()
        self.logger: Logger = logger or NullLogger()
        self._digests: dict[str, str] = {}
        self.last_build_report: Any = None
        #: Pins the jac-scale wheel put into images (see ImageBuilder).
        self.runtime_wheel: Path | None = None

    # -- what subclasses define ------------------------------------------------
    def host(self) -> str:
        """`host[:port][/path]` that repositories are qualified with."""
        raise NotImplementedError

    def auth_config(self) -> dict[str, str] | None:
        """Credentials for the engine; None lets Docker use the user's own config."""
        settings = self.settings
        if settings.username and settings.password is not None:
            return {
                "username": settings.username,
                "password": settings.password.get_secret_value(),
                "serveraddress": self.server_address(),
            }
        return None

    def server_address(self) -> str:
        return self.host().split("/", 1)[0]

    def prepare_push(self, reference: ImageReference) -> None:
        """Hook run before pushing (ECR creates the repository)."""

    # -- shared behaviour -----------------------------------------------------
    @property
    def client(self) -> Any:
        from jac_scale.builder.docker_client import docker_client

        self._client = docker_client(self._client)
        return self._client

    def qualify(self, image_name: str) -> str:
        """`todo` -> `<host>/todo`; names already under this registry stay as they are."""
        host = self.host()
        if image_name.startswith(host + "/"):
            return image_name
        if ImageReference.parse(image_name).host:  # under another registry: move it here
            image_name = image_name.split("/", 1)[1]
        return f"{host}/{image_name}"

    def build_image(
        self, code_folder: str, image_name: str | None = None, *, file_name: str | None = None
    ) -> str:
        """Build the app with the shared ImageBuilder; returns `<registry>/<repo>:<tag>`."""
        from jac_scale.builder.build_config import BuildConfig
        from jac_scale.builder.image_builder import ImageBuilder

        folder = Path(code_folder).expanduser().resolve()
        if self.settings.build is not None:
            build_config = BuildConfig.from_dict(self.settings.build)
        else:
            from jac_scale.config_loader import get_scale_config

            build_config = get_scale_config(folder).get_build_config()
        repository = ImageReference.parse(
            image_name or self.settings.image_name or build_config.repository
        ).repository
        app_file = file_name or self.settings.file_name or find_app_file(folder)
        builder = ImageBuilder(
            build_config,
            docker_client=self.client,
            progress=self.progress,
            logger=self.logger,
            runtime_wheel=self.runtime_wheel,
        )
        reference = builder.build(str(folder), app_file, self.qualify(repository))
        self.last_build_report = builder.last_report
        return reference

    def push_image(self, image_name: str) -> None:
        """Push with progress; bounded retries on transient failures; clear errors."""
        reference, tagged_here = self._local_reference(image_name)
        try:
            self._push_with_retries(reference)
        except BaseException:
            if tagged_here:  # leave no half-applied tag behind
                self._untag(reference)
            raise

    def _push_with_retries(self, reference: ImageReference) -> None:
        self.prepare_push(reference)
        attempts = self.settings.push_retries
        last_error = ""
        for attempt in range(1, attempts + 1):
            try:
                digest = self._push_once(reference)
            except PushRejected as exc:
                user = self.settings.username or "the configured user"
                raise DeploymentError(
                    f"{self.label} {self.server_address()} rejected the push of {reference} "
                    f"for {user}: {redact_text(str(exc))}",
                    hint="check the registry username and password ([plugins.scale.registry] or "
                    "JAC_SCALE_REGISTRY__USERNAME / JAC_SCALE_REGISTRY__PASSWORD) and that the "
                    "user may push to this repository",
                ) from None
            except PushFailed as exc:
                last_error = redact_text(str(exc))
                if attempt < attempts:
                    wait = self.settings.retry_wait * attempt
                    self.progress.update(
                        f"push of {reference} failed ({last_error[:80]}); retry {attempt}/"
                        f"{attempts - 1} in {wait:g}s"
                    )
                    self.logger.warn("push failed, retrying", {"image": str(reference)})
                    time.sleep(wait)
                continue
            if digest:
                self._digests[str(reference)] = digest
            self.logger.info("image pushed", {"image": str(reference), "digest": digest})
            return
        raise DeploymentError(
            f"could not push {reference} to {self.label} {self.server_address()} after "
            f"{attempts} attempts: {last_error}",
            hint=f"check that the registry at {self.server_address()} is running and reachable "
            "from the Docker engine",
        )

    def get_image_url(self, image_name: str) -> str:
        """`<repo>@sha256:...` when the digest is known (pushed or pulled), else the tag."""
        reference = ImageReference.parse(self.qualify(image_name))
        if reference.digest:
            return str(reference)
        digest = self._digests.get(str(reference)) or self._repo_digest(reference)
        if digest:
            return f"{reference.repository}@{digest}"
        return str(reference)

    # -- internals ----------------------------------------------------------------
    def _untag(self, reference: ImageReference) -> None:
        import docker.errors

        with contextlib.suppress(docker.errors.APIError):
            self.client.images.remove(str(reference), noprune=True)

    def _local_reference(self, image_name: str) -> tuple[ImageReference, bool]:
        """Make sure the image is tagged under this registry: (reference, tagged now)."""
        import docker.errors

        qualified = ImageReference.parse(self.qualify(image_name))
        if qualified.tag is None:
            raise UsageError(
                f"{image_name}: push needs a tagged image (name:tag)",
                hint="pass the reference that build_image returned",
            )
        try:
            self.client.images.get(str(qualified))
            return qualified, False
        except docker.errors.ImageNotFound:
            pass
        try:
            self.client.images.get(image_name).tag(qualified.repository, qualified.tag)
        except docker.errors.ImageNotFound:
            raise DeploymentError(
                f"no local image {image_name} to push", hint="build it first"
            ) from None
        return qualified, True

    def _push_once(self, reference: ImageReference) -> str | None:
        import docker.errors
        import requests

        digest: str | None = None
        layers: dict[str, str] = {}
        self.progress.update(f"pushing {reference}")
        try:
            for chunk in self.client.api.push(
                reference.repository,
                tag=reference.tag,
                stream=True,
                decode=True,
                auth_config=self.auth_config(),
            ):
                error = chunk.get("errorDetail", {}).get("message") or chunk.get("error")
                if error:
                    if _AUTH_ERRORS.search(str(error)):
                        raise PushRejected(error)
                    raise PushFailed(error)
                aux = chunk.get("aux") or {}
                digest = aux.get("Digest") or digest
                status = str(chunk.get("status", ""))
                found = _DIGEST.search(status)
                if found:
                    digest = found.group(1)
                if chunk.get("id") and status:
                    layers[chunk["id"]] = status
                    done = sum(
                        1 for s in layers.values() if s in ("Pushed", "Layer already exists")
                    )
                    self.progress.update(
                        f"pushing {reference}: {done}/{len(layers)} layers ({status.lower()})"
                    )
        except docker.errors.APIError as exc:
            message = str(exc.explanation or exc)
            if _AUTH_ERRORS.search(message):
                raise PushRejected(message) from None
            raise PushFailed(message) from None
        except requests.exceptions.RequestException as exc:
            raise PushFailed(f"lost the Docker engine during the push: {exc}") from None
        return digest

    def _repo_digest(self, reference: ImageReference) -> str | None:
        import docker.errors

        try:
            image = self.client.images.get(str(reference))
        except (docker.errors.DockerException, JacScaleError):  # no image, or no engine
            return None
        for entry in image.attrs.get("RepoDigests") or []:
            repository, _, digest = entry.partition("@")
            if repository == reference.repository:
                return digest
        return None


def find_app_file(folder: Path) -> str:
    """The app's .jac file when none is named: the only one, else app.jac or main.jac."""
    candidates = sorted(p.name for p in folder.glob("*.jac"))
    if len(candidates) == 1:
        return candidates[0]
    for name in ("app.jac", "main.jac"):
        if name in candidates:
            return name
    raise UsageError(
        f"cannot tell which .jac file in {folder} is the app"
        + (f" (found {', '.join(candidates)})" if candidates else " (none found)"),
        hint="set file_name in [plugins.scale.registry] or pass file_name=",
    )
