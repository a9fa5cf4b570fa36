"""Outcome of a deploy, as every target reports it."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DeploymentResult:
    """`success` with the URL the app answers on, or a failure `message` with `details`."""

    success: bool
    service_url: str | None = None
    message: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
