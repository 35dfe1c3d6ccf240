"""Reusable option bundles shared by every command (`--json`, `--db`, `--evidence-dir`, `--timezone`)."""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

DEFAULT_DB = "sqlite:///compliance.db"
DEFAULT_EVIDENCE = "evidence"


def json_option(func: Callable) -> Callable:
    """Adds `--json`: print exactly one JSON document on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")(func)


def _known_zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuses an unknown zone up front, even when no naive date-time on this command line needs it."""
    if value:
        from compliance.core.errors import ValidationError
        from compliance.core.timeutil import get_zone

        try:
            get_zone(value)
        except ValidationError as exc:
            raise click.BadParameter(exc.message, ctx=ctx, param=param) from exc
    return value


def timezone_option(func: Callable) -> Callable:
    """Adds `--timezone TZ`: the IANA zone for naive date-times given on this command line."""
    return click.option(
        "--timezone", "tz", envvar="COMPLIANCE_TIMEZONE", default=None, metavar="TZ", callback=_known_zone,
        help="IANA time zone for date-times given without an offset (e.g. Europe/Berlin).",
    )(func)


def controls_dir_option(func: Callable) -> Callable:
    """Adds `--controls-dir DIR` (repeatable; COMPLIANCE_CONTROLS, os.pathsep-separated)."""
    return click.option(
        "--controls-dir", "controls_dirs", multiple=True, metavar="DIR",
        envvar="COMPLIANCE_CONTROLS", type=click.Path(file_okay=False),
        help="Extra folder of framework/regime YAML files, added to the built-in ones.",
    )(func)


def store_options(func: Callable) -> Callable:
    """Adds `--db URL` and `--evidence-dir DIR` (COMPLIANCE_DB / COMPLIANCE_EVIDENCE)."""
    func = click.option(
        "--evidence-dir", envvar="COMPLIANCE_EVIDENCE", default=DEFAULT_EVIDENCE, show_default=True,
        metavar="DIR", help="Evidence folder (content-addressed blobs).",
    )(func)
    func = click.option(
        "--db", "db_url", envvar="COMPLIANCE_DB", default=DEFAULT_DB, show_default=True, metavar="URL",
        help="SQLAlchemy URL of the store (SQLite file or PostgreSQL).",
    )(func)
    return func


def pass_store(func: Callable) -> Callable:
    """Adds the store options and passes an opened, schema-checked `store` to the command."""

    @store_options
    @functools.wraps(func)
    def wrapper(*args: Any, db_url: str, evidence_dir: str, **kwargs: Any):
        from compliance.db.store import open_store

        ctx = click.get_current_context()
        store = open_store(url=db_url, evidence_dir=evidence_dir)
        ctx.call_on_close(store.close)
        return func(*args, store=store, **kwargs)

    return wrapper


def emit_json(value: Any) -> None:
    """Prints `value` as one JSON document."""
    from compliance.core.jsonout import dumps

    click.echo(dumps(value))


def print_table(rows: list[dict[str, Any]], columns: list[str], *, empty: str = "(none)") -> None:
    """Prints rows as an aligned text table with the given columns."""
    if not rows:
        click.echo(empty)
        return
    cells = [[_cell(row.get(col)) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    click.echo("  ".join(col.upper().ljust(w) for col, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    from compliance.core.jsonout import to_jsonable

    value = to_jsonable(value)
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:59] + "…"


def print_fields(fields: list[tuple[str, Any]]) -> None:
    """Prints 'label: value' lines for a single record."""
    width = max((len(label) for label, _ in fields), default=0)
    for label, value in fields:
        click.echo(f"{label.ljust(width)}  {_cell(value) if not isinstance(value, str) else value}")


def env_paths(value: str | None) -> list[str]:
    """Splits an os.pathsep-separated environment value into paths."""
    return [p for p in (value or "").split(os.pathsep) if p]


def default_actor() -> str:
    """Returns who is acting: COMPLIANCE_ACTOR, else the login name."""
    return os.environ.get("COMPLIANCE_ACTOR") or getpass.getuser()


def stderr_is_terminal() -> bool:
    """Tells whether stderr is an interactive terminal (progress is drawn only then)."""
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(label: str, total: int, *, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """Yields a byte-count callback drawing a bar on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or total <= 0 or not stderr_is_terminal():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_eta=True, show_percent=True) as bar:
        yield bar.update


def print_check(result: Any, *, as_json: bool) -> None:
    """Prints a scheduled check's result: its JSON document, or one line per finding and its summary."""
    if as_json:
        emit_json(result.to_dict())
        return
    for line in result.lines:
        click.echo(line)
    if result.summary:
        click.echo(result.summary)
