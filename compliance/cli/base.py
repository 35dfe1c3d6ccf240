"""Command classes: library errors become one line on stderr and an ExitCode, never a traceback."""

from __future__ import annotations

import errno
import sys

import click
from sqlalchemy.exc import DBAPIError

from compliance.core.errors import ComplianceError
from compliance.core.exitcodes import ExitCode
from compliance.core.text import check_argument, neutralise


def describe_os_error(exc: OSError) -> str:
    """Returns a one-line description of an OSError (disk full, permission, missing file)."""
    if exc.errno == errno.ENOSPC:
        return f"no space left on device{f' writing {exc.filename}' if exc.filename else ''}: nothing was recorded"
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc.__class__.__name__}{where}"


class ComplianceCommand(click.Command):
    """A command whose library errors exit with a one-line message."""

    failure_code: ExitCode = ExitCode.ERROR

    def _fail(self, ctx: click.Context, message: str, code: int) -> None:
        click.echo(f"error: {neutralise(message, keep_layout=False)}", err=True)
        ctx.exit(code)

    def _check_arguments(self, ctx: click.Context) -> None:
        """Refuses a NUL byte or invalid UTF-8 in any argument before the command runs (TX-1)."""
        for param in self.params:
            value = ctx.params.get(param.name)
            values = value if isinstance(value, (tuple, list)) else (value,)
            for item in values:
                if isinstance(item, str):
                    field = max(param.opts, key=len) if isinstance(param, click.Option) else param.human_readable_name
                    check_argument(item, field=field)

    def invoke(self, ctx: click.Context):
        try:
            self._check_arguments(ctx)
            return super().invoke(ctx)
        except ComplianceError as exc:
            code = exc.exit_code if self.failure_code == ExitCode.ERROR else self.failure_code
            self._fail(ctx, str(exc), code)
        except OSError as exc:
            self._fail(ctx, describe_os_error(exc), self.failure_code)
        except DBAPIError as exc:
            detail = (str(exc.orig) if exc.orig else str(exc)).strip().splitlines() or [type(exc).__name__]
            self._fail(ctx, f"store error: {detail[0]}", self.failure_code)


class CheckCommand(ComplianceCommand):
    """A scheduled check: any failure to run, usage errors included, exits CHECK_UNKNOWN (3)."""

    failure_code = ExitCode.CHECK_UNKNOWN

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = int(ExitCode.CHECK_UNKNOWN)
            raise


class _InertStdout:
    """Standard output through which stored text cannot drive the terminal (control characters neutralised)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(neutralise(text) if isinstance(text, str) else text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class ComplianceGroup(click.Group):
    """A group whose commands and subgroups use ComplianceCommand by default; the root makes stdout inert."""

    command_class = ComplianceCommand
    group_class = type

    def invoke(self, ctx: click.Context):
        if isinstance(sys.stdout, _InertStdout):
            return super().invoke(ctx)
        original = sys.stdout
        sys.stdout = _InertStdout(original)
        try:
            return super().invoke(ctx)
        finally:
            sys.stdout = original
