"""One fully worked personal-data breach recorded through the CLI: the store the ledger and pack-verify tests share."""

from __future__ import annotations

import json

from compliance.core.exitcodes import ExitCode

DELAY = "Scope of affected records could not be established until the forensic image was analysed."


def record_worked_breach(cli_run, tmp_path) -> dict:
    """Deadline settings (org time zone), an incident (GDPR), two timeline entries, audit trail, action, evidence
    with custody (transferred, sealed), a late filing with its delay reason and a waiver; returns the evidence as
    `evidence add --json` printed it."""
    def ok(*args):
        result = cli_run(list(args))
        assert result.exit_code == ExitCode.OK, result.output
        return result

    ok("deadlines", "settings", "--org-timezone", "Europe/Berlin")
    ok("incident", "open", "--title", "Customer export readable from a storage bucket", "--severity", "sev2",
       "--started-at", "2026-03-01T08:00:00Z", "--detected-at", "2026-03-01T11:00:00Z",
       "--aware-at", "2026-03-03T11:00:00Z", "--personal-data", "--data-subjects", "1200", "--regime", "gdpr")
    ok("timeline", "add", "INC-0001", "--at", "2026-03-01T08:00:00Z", "--kind", "trigger",
       "--text", "Bucket policy changed to public", "--actor", "deploy pipeline")
    ok("timeline", "add", "INC-0001", "--at", "2026-03-01T11:00:00Z", "--kind", "detection",
       "--text", "CSPM alert on public bucket", "--actor", "on-call SRE")
    ok("incident", "update", "INC-0001", "--status", "resolved", "--resolved-at", "2026-03-01T12:30:00Z")
    ok("action", "add", "INC-0001", "--text", "Block public bucket policies", "--owner", "Sam Lee",
       "--due", "2026-04-01")
    log = tmp_path / "access-log.json"
    log.write_bytes(b'{"bucket": "exports", "reads": 42}\n')
    added = json.loads(ok("evidence", "add", "INC-0001", str(log), "--collected-by", "Dana Ruiz",
                          "--collected-at", "2026-03-01T13:00:00Z", "--json").stdout)
    ok("custody", "transfer", added["id"], "--from", "Dana Ruiz", "--to", "Forensics Ltd",
       "--reason", "log analysis", "--at", "2026-03-02T09:00:00Z")
    ok("custody", "record", added["id"], "--action", "sealed", "--actor", "Forensics Ltd", "--reason", "legal hold",
       "--at", "2026-03-02T10:00:00Z")
    ok("notify", "record", "INC-0001", "--regime", "gdpr", "--stage", "authority_notification",
       "--at", "2026-03-07T10:00:00Z", "--recipient", "BfDI portal", "--delay-reason", DELAY)
    ok("notify", "waive", "INC-0001", "--regime", "gdpr", "--stage", "data_subject_notification",
       "--reason", "Data was encrypted at rest; Art. 34(3)(a)", "--decided-by", "DPO",
       "--at", "2026-03-08T10:00:00Z")
    return added
