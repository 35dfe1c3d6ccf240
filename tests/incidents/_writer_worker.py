"""A separate process running `compliance` write commands in a loop (incident update --tag, action add, timeline add).

Prints one line per command that did not succeed (exit code and stderr); the test asserts there are none.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main() -> None:
    url, evidence_dir, mode, count, go = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
    from click.testing import CliRunner

    from compliance.cli import cli

    runner = CliRunner()
    me = f"w{os.getpid()}"
    env = {"COMPLIANCE_DB": url, "COMPLIANCE_EVIDENCE": evidence_dir, "COMPLIANCE_ACTOR": me, "COMPLIANCE_TIMEZONE": None}
    commands = {
        "tag": lambda i: ["incident", "update", "INC-0001", "--tag", f"{me}-{i}"],
        "action": lambda i: ["action", "add", "INC-0001", "--text", f"follow-up {me}-{i}", "--owner", me,
                             "--due", "2026-04-01"],
        "timeline": lambda i: ["timeline", "add", "INC-0001", "--at", "2026-03-01T12:00:00Z", "--kind", "other",
                               "--text", f"note {me}-{i}"],
    }
    chosen = list(commands) if mode == "mixed" else [mode]
    (go.parent / f"ready-{os.getpid()}").touch()
    while not go.exists():  # start together
        time.sleep(0.01)
    for i in range(count):
        args = commands[chosen[i % len(chosen)]](i)
        result = runner.invoke(cli, args, env=env)
        if result.exit_code != 0 or result.exception is not None and not isinstance(result.exception, SystemExit):
            print(f"{' '.join(args[:2])} exit {result.exit_code}: {result.stderr.strip() or result.exception!r}", flush=True)


if __name__ == "__main__":
    main()
