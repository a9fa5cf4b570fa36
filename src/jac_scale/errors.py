"""Error types that the CLI turns into messages and exit codes instead of tracebacks."""


class JacScaleError(Exception):
    """Base of every error Jac-Scale reports to a user; `hint` says how to fix it."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(JacScaleError):
    """The command was called wrongly (bad argument, unknown name)."""

    exit_code = 2


class ConfigError(UsageError):
    """A config file, key or environment variable holds a value that is not allowed."""


class UnknownComponentError(UsageError):
    """A target, provider, registry or logger name that no factory knows."""


class MissingDependencyError(JacScaleError):
    """A known component whose optional dependency (pip extra) is not installed."""


class NotSupportedError(JacScaleError):
    """The chosen target cannot do what was asked (for example, scale the local target)."""


class DeploymentError(JacScaleError):
    """A deploy, destroy, scale or status operation failed."""

    def __init__(
        self, message: str, *, hint: str | None = None, details: dict | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.details = details or {}


class ConfirmationRequired(UsageError):
    """A destructive command was run without --yes and without a terminal to ask on."""
