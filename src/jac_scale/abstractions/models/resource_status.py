"""Status of a deployed app, as every target reports it."""

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ResourceStatus(StrEnum):
    """Lower-case string values, as the original jac-scale reported them in JSON."""

    RUNNING = "running"
    PENDING = "pending"
    FAILED = "failed"
    STOPPED = "stopped"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


@dataclass
class ResourceStatusInfo:
    """What `get_status` returns: overall status, replica counts and a human message."""

    status: ResourceStatus
    replicas: int = 0
    ready_replicas: int = 0
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data
