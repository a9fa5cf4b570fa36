"""Which app to deploy: its folder, its entry file and whether to build an image."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator


class AppConfig(BaseModel):
    """The seed's app description; `code_folder` must exist and hold `file_name`."""

    model_config = ConfigDict(extra="forbid")

    code_folder: str
    file_name: str = "main.jac"
    build: bool = False
    app_name: str | None = None
    testing: bool = False

    @field_validator("code_folder")
    @classmethod
    def _absolute(cls, value: str) -> str:
        return str(Path(value).expanduser().resolve())

    @property
    def app_file(self) -> Path:
        return Path(self.code_folder) / self.file_name
