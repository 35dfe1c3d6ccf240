"""The `compliance` command: each command group lives in its own module and only parses, calls and prints."""

from __future__ import annotations

import click

from compliance import __version__
from compliance.cli.base import ComplianceGroup


@click.group(cls=ComplianceGroup)
@click.version_option(__version__, prog_name="compliance")
def cli() -> None:
    """Compliance evidence and audit reporting around security incidents.

    Log incidents, timelines, post-mortems and action items; keep evidence with a
    tamper-evident chain of custody; compute breach-notification deadlines; assess
    incidents against ISO/IEC 27001, SOC 2, NIST SP 800-61r3 and GDPR; produce
    verifiable PDF audit packs.
    """


def _register() -> None:
    from compliance.cli import (
        action,
        controls,
        custody,
        db,
        deadlines,
        decision,
        demo,
        evidence,
        incident,
        init,
        metrics,
        notify,
        postmortem,
        programme,
        report,
        timeline,
    )

    for module in (init, incident, timeline, action, postmortem, evidence, custody, db,
                   deadlines, notify, decision, programme, controls, metrics, report, demo):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="compliance")
