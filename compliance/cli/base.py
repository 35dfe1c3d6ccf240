"""Command classes: library errors become one line on stderr and an ExitCode, never a traceback.

Commands are loaded lazily (click's documented LazyGroup pattern): a group names its subcommands as
'module:attribute' and imports a module only when that command is asked for, so `compliance --help`
and each command import only what they need. Nothing here imports the database layer.
"""

from __future__ import annotations

import errno
import importlib
import sys
import time
from collections.abc import Callable

import click

from compliance.core.errors import ComplianceError
from compliance.core.exitcodes import ExitCode
from compliance.core.text import check_argument, neutralise


def describe_os_error(exc: OSError) -> str:
    """Returns a one-line description of an OSError (disk full, permission, missing file)."""
    if exc.errno == errno.ENOSPC:
        return f"no space left on device{f' writing {exc.filename}' if exc.filename else ''}: nothing was recorded"
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc.__class__.__name__}{where}"


def _store_error_types() -> tuple[type[BaseException], ...]:
    """Returns SQLAlchemy's database errors (DBAPIError: operational, data, integrity...) once SQLAlchemy is loaded
    (never imports it)."""
    exc_module = sys.modules.get("sqlalchemy.exc")
    if exc_module is None:
        return ()
    return (exc_module.DBAPIError,)


def describe_store_error(exc: BaseException) -> str:
    """Returns the first line of a database error, without SQLAlchemy's wrapping."""
    orig = getattr(exc, "orig", None)
    detail = str(orig).strip().splitlines()[0] if orig else str(exc).splitlines()[0]
    return f"store error: {detail}"


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
        except BrokenPipeError:
            raise  # the reader went away (`| head`): click silences the streams and exits quietly
        except OSError as exc:
            self._fail(ctx, describe_os_error(exc), self.failure_code)
        except Exception as exc:
            if not isinstance(exc, _store_error_types()):
                raise
            self._fail(ctx, describe_store_error(exc), self.failure_code)


class CheckCommand(ComplianceCommand):
    """A scheduled check: any failure to run, usage errors included, exits CHECK_UNKNOWN (3) with one line.

    The monitoring-plugin contract: 1 and 2 mean the check ran and found something, so a check that
    fails for any other reason (an instant past the calendar, an unreachable store, a bug) must never
    exit 1 (WARNING) with a traceback.
    """

    failure_code = ExitCode.CHECK_UNKNOWN

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except Exception as exc:
            detail = (str(exc).strip().splitlines() or [""])[0]
            self._fail(ctx, f"the check could not run: {exc.__class__.__name__}{': ' + detail if detail else ''}",
                       self.failure_code)

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
    """A group whose commands use ComplianceCommand by default, and whose `lazy` subcommands load on demand;
    the root makes stdout inert (stored control characters are shown escaped).

    `lazy` maps a command name to 'package.module:attribute'; the module is imported the first time
    the command is looked up (to run it, to show its help, or to complete it in a shell).
    """

    command_class = ComplianceCommand
    group_class = type

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self._load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, cmd_name: str) -> click.Command:
        module_name, _, attribute = self.lazy[cmd_name].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
        return command

    def invoke(self, ctx: click.Context):
        if isinstance(sys.stdout, _InertStdout):
            return super().invoke(ctx)
        original = sys.stdout
        sys.stdout = _InertStdout(original)
        try:
            return super().invoke(ctx)
        finally:
            sys.stdout = original


class ProgressBar:
    """'label [#####.....] 12/112 sections' on stderr: only when stderr is a terminal and once the work has taken
    more than `delay` seconds (a quick run prints nothing); silent otherwise. Call it as bar(done, total)."""

    def __init__(self, label: str, *, stream=None, delay: float = 1.0, width: int = 30,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.delay, self.width, self.clock = label, delay, width, clock
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = clock()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0 or (not self.shown and self.clock() - self.started < self.delay):
            return
        self.shown = True
        filled = self.width * min(done, total) // total
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} sections")
        self.stream.flush()

    def close(self) -> None:
        """Ends the bar's line (when one was drawn)."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False
