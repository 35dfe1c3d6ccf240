"""Command classes: library errors become one line on stderr and an ExitCode, never a traceback."""

from __future__ import annotations

import errno

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from compliance.core.errors import ComplianceError
from compliance.core.exitcodes import ExitCode


def describe_os_error(exc: OSError) -> str:
    """Returns a one-line description of an OSError (disk full, permission, missing file)."""
    if exc.errno == errno.ENOSPC:
        return f"no space left on device{f' writing {exc.filename}' if exc.filename else ''}: nothing was recorded"
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc.__class__.__name__}{where}"


class OneLineUsageError(click.UsageError):
    """A bad option value (e.g. not one of a choice) shown as one line on stderr, like every other error."""

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class ComplianceCommand(click.Command):
    """A command whose library errors exit with a one-line message."""

    failure_code: ExitCode = ExitCode.ERROR

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.BadParameter as exc:
            name = exc.param.opts[0] if exc.param is not None and exc.param.opts else (exc.param_hint or "value")
            error = OneLineUsageError(f"{name}: {exc.message}", ctx=exc.ctx)
            if isinstance(exc.__cause__, ComplianceError):  # the library refused the value: same code as elsewhere
                error.exit_code = int(exc.__cause__.exit_code)
            raise error from None

    def _fail(self, ctx: click.Context, message: str, code: int) -> None:
        click.echo(f"error: {message}", err=True)
        ctx.exit(code)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ComplianceError as exc:
            code = exc.exit_code if self.failure_code == ExitCode.ERROR else self.failure_code
            self._fail(ctx, str(exc), code)
        except OSError as exc:
            self._fail(ctx, describe_os_error(exc), self.failure_code)
        except (OperationalError, ProgrammingError) as exc:
            detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc).splitlines()[0]
            self._fail(ctx, f"store error: {detail}", self.failure_code)


class CheckCommand(ComplianceCommand):
    """A scheduled check: any failure to run, usage errors included, exits CHECK_UNKNOWN (3)."""

    failure_code = ExitCode.CHECK_UNKNOWN

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = int(ExitCode.CHECK_UNKNOWN)
            raise


class ComplianceGroup(click.Group):
    """A group whose commands and subgroups use ComplianceCommand by default."""

    command_class = ComplianceCommand
    group_class = type
