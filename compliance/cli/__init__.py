"""The `compliance` command: each command group lives in its own module and only parses, calls and prints.

Command modules are imported on demand (see ComplianceGroup), so `compliance --help`, `--version` and
every command load only what they use.
"""

from __future__ import annotations

import os
import sys

import click

from compliance import __version__
from compliance.cli.base import ComplianceGroup

# Command name -> 'module:attribute', imported only when the command is looked up.
COMMANDS = {
    "init": "compliance.cli.init:init_command",
    "incident": "compliance.cli.incident:incident_group",
    "timeline": "compliance.cli.timeline:timeline_group",
    "action": "compliance.cli.action:action_group",
    "actions": "compliance.cli.action:actions_group",
    "postmortem": "compliance.cli.postmortem:postmortem_group",
    "evidence": "compliance.cli.evidence:evidence_group",
    "custody": "compliance.cli.custody:custody_group",
    "verify": "compliance.cli.custody:verify_all_command",
    "db": "compliance.cli.db:db_group",
    "deadlines": "compliance.cli.deadlines:deadlines_group",
    "notify": "compliance.cli.notify:notify_group",
    "decision": "compliance.cli.decision:decision_group",
    "programme": "compliance.cli.programme:programme_group",
    "controls": "compliance.cli.controls:controls_group",
    "metrics": "compliance.cli.metrics:metrics_command",
    "report": "compliance.cli.report:report",
    "demo": "compliance.cli.demo:demo_command",
}


@click.group(cls=ComplianceGroup, lazy=COMMANDS)
@click.version_option(__version__, prog_name="compliance")
def cli() -> None:
    """Compliance evidence and audit reporting around security incidents.

    Log incidents, timelines, post-mortems and action items; keep evidence with a
    tamper-evident chain of custody; compute breach-notification deadlines; assess
    incidents against ISO/IEC 27001, SOC 2, NIST SP 800-61r3 and GDPR; produce
    verifiable PDF audit packs.
    """


def main() -> None:
    """Console-script entry point; output still buffered for a reader that went away is dropped quietly."""
    try:
        cli(prog_name="compliance")
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            # Like a Unix tool whose reader exited (`| head`): no message; later flushes go nowhere.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
