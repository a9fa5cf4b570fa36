"""The contract of a registry that images are built for and pushed to."""

from abc import ABC, abstractmethod
from typing import Any


class ImageRegistry(ABC):
    """Builds a Jac app into an image, pushes it, and names it for a target to pull."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config: dict[str, Any] = dict(config or {})

    @abstractmethod
    def build_image(self, code_folder: str, image_name: str | None = None) -> str:
        """Build the app in `code_folder`; returns the image reference that was built."""

    @abstractmethod
    def push_image(self, image_name: str) -> None:
        """Push a built image to this registry."""

    @abstractmethod
    def get_image_url(self, image_name: str) -> str:
        """The reference a target pulls (by digest when known)."""
