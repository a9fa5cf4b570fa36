"""Data models shared by every target."""

from jac_scale.abstractions.models.deployment_result import DeploymentResult
from jac_scale.abstractions.models.resource_status import ResourceStatus, ResourceStatusInfo

__all__ = ["DeploymentResult", "ResourceStatus", "ResourceStatusInfo"]
