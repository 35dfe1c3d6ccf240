"""Walks the command tree: used to keep README's command reference complete (and to regenerate it)."""

from __future__ import annotations

from collections.abc import Iterator

import click


def iter_commands(group: click.Group, prefix: str = "compliance") -> Iterator[tuple[str, click.Command]]:
    """Yields ('compliance incident open', command) for every leaf command, depth first, sorted (lazy ones loaded)."""
    ctx = click.Context(group, info_name=prefix)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from iter_commands(command, path)
        else:
            yield path, command


def render_reference(group: click.Group) -> str:
    """Returns the Markdown command reference: one line per command with its short help."""
    lines = []
    for path, command in iter_commands(group):
        lines.append(f"- `{path}`: {command.get_short_help_str(limit=200)}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - developer tool: python -m compliance.cli.reference
    from compliance.cli import cli

    print(render_reference(cli))
