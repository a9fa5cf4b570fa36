"""Amazon ECR: a short-lived login from boto3's `get_authorization_token`, repo created on push."""

import base64
import os
from functools import cached_property
from typing import Any

from jac_scale.errors import ConfigError, DeploymentError
from jac_scale.providers.registry.base import ContainerRegistry
from jac_scale.providers.registry.oci_registry import clean_url
from jac_scale.providers.registry.reference import ImageReference
from jac_scale.utilities.redaction import register_secret


class ECRRegistry(ContainerRegistry):
    """Config: `region` (or AWS_REGION), optional `account_id`, `url`, `endpoint_url`.

    AWS credentials come from boto3's usual chain (environment, profile, role).
    """

    label = "ECR registry"

    @property
    def region(self) -> str:
        region = (
            self.settings.region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
        )
        if not region:
            raise ConfigError(
                "ECR needs a region: [plugins.scale.registry] region is not set",
                hint='set region = "us-east-1" in [plugins.scale.registry] or AWS_REGION',
            )
        return region

    @cached_property
    def ecr(self) -> Any:
        import boto3

        return boto3.client("ecr", region_name=self.region, endpoint_url=self.settings.endpoint_url)

    def _call(self, what: str, method: str, **kwargs: Any) -> dict[str, Any]:
        """One ECR API call, with AWS's errors turned into ours."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            return getattr(self.ecr, method)(**kwargs)
        except NoCredentialsError:
            raise DeploymentError(
                f"cannot {what}: no AWS credentials found",
                hint="set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a role",
            ) from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise DeploymentError(
                f"cannot {what}: {error.get('Code', 'error')}: {error.get('Message', exc)}",
                hint="check the AWS account, region and IAM permissions for ECR",
            ) from None
        except BotoCoreError as exc:
            raise DeploymentError(f"cannot {what}: {exc}") from None

    @cached_property
    def _login(self) -> tuple[str, str, str]:
        """(username, password, registry host) from a fresh authorization token."""
        data = self._call("get an ECR login token", "get_authorization_token")
        entry = data["authorizationData"][0]
        username, _, password = (
            base64.b64decode(entry["authorizationToken"]).decode().partition(":")
        )
        register_secret(password)
        return username, password, clean_url(entry["proxyEndpoint"])

    def login(self) -> dict[str, str]:
        """The credentials the Docker engine sends to ECR (valid for 12 hours)."""
        username, password, endpoint = self._login
        return {"username": username, "password": password, "serveraddress": endpoint}

    def host(self) -> str:
        if self.settings.url:
            return clean_url(self.settings.url)
        if self.settings.account_id:
            return f"{self.settings.account_id}.dkr.ecr.{self.region}.amazonaws.com"
        return self._login[2]

    def auth_config(self) -> dict[str, str] | None:
        return self.login()

    def repository_name(self, reference: ImageReference) -> str:
        return reference.repository.removeprefix(self.host() + "/")

    def prepare_push(self, reference: ImageReference) -> None:
        """ECR refuses pushes to a repository that does not exist: create it (once)."""
        if not self.settings.create_repository:
            return
        from botocore.exceptions import ClientError

        name = self.repository_name(reference)
        try:
            self.ecr.describe_repositories(repositoryNames=[name])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "RepositoryNotFoundException":
                raise DeploymentError(f"cannot look up ECR repository {name}: {exc}") from None
            self.progress.update(f"creating ECR repository {name}")
            self._call(f"create ECR repository {name}", "create_repository", repositoryName=name)

    def get_image_url(self, image_name: str) -> str:
        """By digest when pushed here or known to ECR; else by tag."""
        url = super().get_image_url(image_name)
        reference = ImageReference.parse(url)
        if reference.digest or not reference.tag:
            return url
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = self.ecr.describe_images(
                repositoryName=self.repository_name(reference),
                imageIds=[{"imageTag": reference.tag}],
            )
        except (ClientError, BotoCoreError):
            return url
        details = found.get("imageDetails") or []
        if details and details[0].get("imageDigest"):
            return f"{reference.repository}@{details[0]['imageDigest']}"
        return url
