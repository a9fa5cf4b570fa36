"""Google Artifact Registry / Container Registry: an OAuth access token from google-auth."""

from typing import Any

from jac_scale.errors import ConfigError, DeploymentError
from jac_scale.providers.registry.base import ContainerRegistry
from jac_scale.providers.registry.oci_registry import clean_url
from jac_scale.utilities.redaction import register_secret

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
#: The user name Google's registries expect with an access token.
TOKEN_USER = "oauth2accesstoken"


class GCRRegistry(ContainerRegistry):
    """Config: `url` (e.g. us-docker.pkg.dev/PROJECT/REPO or gcr.io/PROJECT) or `project`;
    `credentials_file` (service-account JSON) else Application Default Credentials."""

    label = "Google registry"

    def __init__(self, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self._credentials: Any = None
        self._project: str | None = None

    def credentials(self) -> Any:
        """google-auth credentials with the cloud-platform scope (loaded once)."""
        if self._credentials is not None:
            return self._credentials
        import google.auth
        import google.auth.exceptions

        try:
            if self.settings.credentials_file:
                from google.oauth2 import service_account

                credentials = service_account.Credentials.from_service_account_file(
                    self.settings.credentials_file, scopes=SCOPES
                )
                project = credentials.project_id
            else:
                credentials, project = google.auth.default(scopes=SCOPES)
        except (google.auth.exceptions.DefaultCredentialsError, OSError, ValueError) as exc:
            raise DeploymentError(
                f"no Google Cloud credentials: {exc}",
                hint="run `gcloud auth application-default login`, or set credentials_file in "
                "[plugins.scale.registry] to a service-account JSON file",
            ) from None
        self._credentials, self._project = credentials, project
        return credentials

    def access_token(self) -> str:
        """A fresh OAuth access token (refreshed through google-auth's token endpoint)."""
        import google.auth.exceptions
        from google.auth.transport.requests import Request

        credentials = self.credentials()
        if not credentials.valid:
            try:
                credentials.refresh(Request())
            except google.auth.exceptions.GoogleAuthError as exc:
                raise DeploymentError(
                    f"could not get a Google access token: {exc}",
                    hint="check that the credentials are valid and not revoked",
                ) from None
        token = str(credentials.token)
        register_secret(token)
        return token

    def host(self) -> str:
        if self.settings.url:
            return clean_url(self.settings.url)
        project = self.settings.project or (self.credentials() and self._project)
        if not project:
            raise ConfigError(
                "[plugins.scale.registry] url is not set and no Google Cloud project is known",
                hint='set url = "REGION-docker.pkg.dev/PROJECT/REPOSITORY" (Artifact Registry)'
                ' or project = "PROJECT" (gcr.io)',
            )
        return f"gcr.io/{project}"

    def auth_config(self) -> dict[str, str] | None:
        return {
            "username": TOKEN_USER,
            "password": self.access_token(),
            "serveraddress": self.server_address(),
        }
