"""Errors a user can cause: each carries a one-line message naming the field at fault."""

from __future__ import annotations

from compliance.core.exitcodes import ExitCode


class ComplianceError(Exception):
    """Base class: a one-line, user-facing message and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(ComplianceError):
    """A value is malformed or inconsistent with other values."""


class NotFoundError(ComplianceError):
    """An id (incident, action, evidence, regime, requirement…) does not exist."""


class ConflictError(ComplianceError):
    """The operation would duplicate or contradict what is already recorded."""


class StoreMissingError(ComplianceError):
    """No store exists at the configured location."""


class SchemaVersionError(ComplianceError):
    """The store's schema is older (needs `init`) or newer than this code understands."""


class DefinitionError(ComplianceError):
    """A YAML definition (framework, regime) is invalid; message carries file and line."""


class IntegrityError(ComplianceError):
    """A verification found tampering: the message names the first broken item."""

    exit_code = ExitCode.INTEGRITY
