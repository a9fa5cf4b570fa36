"""Image references: `host[:port]/path/repo:tag` and `...@sha256:...`, split safely."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageReference:
    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, reference: str) -> "ImageReference":
        name, _, digest = reference.partition("@")
        head, slash, last = name.rpartition("/")
        tag = None
        if ":" in last:
            last, tag = last.split(":", 1)
        return cls(f"{head}{slash}{last}", tag, digest or None)

    @property
    def host(self) -> str | None:
        first, slash, _ = self.repository.partition("/")
        if slash and ("." in first or ":" in first or first == "localhost"):
            return first
        return None

    def __str__(self) -> str:
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}" if self.tag else self.repository
