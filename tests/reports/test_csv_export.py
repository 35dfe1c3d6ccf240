"""Population exports: CSV files from the model the PDF renders, redacted alike, formula-safe, hashed in the manifest."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core.exitcodes import ExitCode
from compliance.reports.csvexport import COLUMNS, FORMULA_STARTS, population_csv, safe_cell
from tests.conftest import at

GENERATED = "2026-07-02T12:00:00Z"


def _read(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


@given(st.text())
def test_no_cell_can_start_a_spreadsheet_formula_or_carry_control_characters(text):
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in cell)
    if text and not text.startswith(FORMULA_STARTS) and text.isprintable():
        assert cell == text


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"])
def test_a_formula_payload_is_neutralised(payload):
    assert safe_cell(payload).startswith("'")


@pytest.fixture
def populated(store, make_incident, tmp_path):
    """A period with an incident (filing, action, evidence), a restricted one, and a dismissed event."""
    from compliance.actions.service import add_action, complete_action
    from compliance.custody.evidence import add_evidence
    from compliance.deadlines.service import record_notification
    from compliance.decisions.service import record_declaration
    from compliance.incidents.service import get_incident

    open_ = make_incident(title="=cmd|' /C calc'!A0", detected_at=at("2026-05-01T10:00:00Z"),
                          aware_at=at("2026-05-01T11:00:00Z"), regimes=["gdpr"], personal_data=True, tags=["phish"])
    secret = make_incident(title="Secret merger leak", detected_at=at("2026-05-02T10:00:00Z"), restricted=True)
    event = make_incident(title="Spam wave", detected_at=at("2026-05-03T10:00:00Z"))
    blob = tmp_path / "log.txt"
    blob.write_text("evidence\n")
    add_evidence(store=store, incident_ref=open_, path=blob, collected_by="Sam Analyst",
                 collected_at=at("2026-05-01T12:00:00Z"))
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=open_)
        record_notification(session=session, incident=incident, regime="gdpr", stage="authority_notification",
                            at=at("2026-05-02T09:00:00Z"), recorded_by="Dana DPO", recipient="BfDI",
                            reference="DE-1", now=at("2026-05-05T09:00:00Z"))
        action = add_action(session=session, incident=incident, description="MFA for all", owner="Sam Analyst",
                            due="2026-05-20")
        complete_action(session=session, action=action, at=at("2026-05-10T09:00:00Z"))
        add_action(session=session, incident=get_incident(session=session, ref=secret), description="Secret fix",
                   owner="Sam Analyst", due="2026-05-20")
        record_declaration(session=session, incident=get_incident(session=session, ref=event), outcome="not_incident",
                           incident_type="phishing", rubric="R-1", rationale="no click", decided_by="Sam Analyst",
                           decided_at=at("2026-05-03T11:00:00Z"))
    return {"open": open_, "secret": secret, "event": event}


def _build(cli_run, tmp_path, *extra):
    return cli_run(["report", "audit-pack", "--framework", "gdpr", "--framework", "iso27001-2022",
                    "--from", "2026-05-01", "--to", "2026-05-31", "--generated-at", GENERATED,
                    "-o", str(tmp_path / "pack.pdf"), "--csv-dir", str(tmp_path / "csv"), *extra])


def test_the_csv_totals_equal_the_pdfs_figures_and_restricted_rows_are_redacted(populated, cli_run, tmp_path, store,
                                                                                text_of):
    from compliance.reports.gather import gather_pack_model
    from tests.reports.conftest import squash

    result = _build(cli_run, tmp_path)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "csv"
    assert sorted(p.name for p in folder.iterdir()) == sorted(COLUMNS)
    tables = {name: _read(folder / name) for name in COLUMNS}
    pack = gather_pack_model(store=store, frameworks=["gdpr", "iso27001-2022"], period_from=date(2026, 5, 1),
                             period_to=date(2026, 5, 31), include_restricted=False, generated_at=at(GENERATED),
                             title="t", organisation="o").with_restricted_redacted()
    assert [r["ref"] for r in tables["incidents.csv"]] == [i.ref for i in pack.incidents]
    assert len(tables["obligations.csv"]) == len(pack.notifications)
    assert len(tables["actions.csv"]) == pack.action_closure().total
    assert len(tables["evidence.csv"]) == len(pack.all_evidence()) == 1
    assert len(tables["requirements.csv"]) == sum(len(r.cells) for m in pack.matrices for r in m.rows)
    statuses = {}
    for row in tables["requirements.csv"]:
        statuses[(row["framework"], row["status"])] = statuses.get((row["framework"], row["status"]), 0) + 1
    for m in pack.matrices:
        for status, n in m.totals().items():
            if status != "exception":
                assert statuses.get((m.framework.id, status), 0) == n
    assert [r["ref"] for r in tables["events.csv"]] == [populated["event"]]
    secret = next(r for r in tables["incidents.csv"] if r["ref"] == populated["secret"])
    assert secret["title"] == "(restricted: withheld)" and secret["redacted"] == "true"
    assert all("Secret" not in "".join(r.values()) for t in tables.values() for r in t)
    assert next(r for r in tables["incidents.csv"] if r["ref"] == populated["open"])["title"].startswith("'=")
    backfilled = next(r for r in tables["obligations.csv"] if r["stage"] == "authority_notification")
    assert (backfilled["recipient"], backfilled["reference"], backfilled["backfilled"]) == ("BfDI", "DE-1", "true")
    text = squash(" ".join(text_of((tmp_path / "pack.pdf").read_bytes())))
    assert squash(f"Incidents in this pack {len(tables['incidents.csv'])}") in text
    assert squash(f"less: assessed as not an incident {len(tables['events.csv'])}") in text
    manifest = json.loads((tmp_path / "pack.manifest.json").read_text())
    assert {c["file"]: c["rows"] for c in manifest["csv"]} == {name: len(t) for name, t in tables.items()}
    assert manifest["csv_dir"] == "csv"


def test_public_csv_shows_roles_not_names(populated, cli_run, tmp_path):
    assert _build(cli_run, tmp_path, "--public").exit_code == 0
    text = "".join((tmp_path / "csv" / name).read_text() for name in COLUMNS)
    assert "Sam Analyst" not in text and "Dana DPO" not in text


def test_verify_checks_the_csv_hashes_and_a_changed_file_fails_with_exit_4_naming_it(populated, cli_run, tmp_path):
    assert _build(cli_run, tmp_path).exit_code == 0
    ok = cli_run(["report", "verify", str(tmp_path / "pack.pdf")])
    assert ok.exit_code == 0 and "ok   csv: all 6 CSV export(s)" in ok.output
    (tmp_path / "csv" / "actions.csv").write_text("ref\n", encoding="utf-8")
    bad = cli_run(["report", "verify", str(tmp_path / "pack.pdf")])
    assert bad.exit_code == ExitCode.INTEGRITY
    assert "FAIL csv: actions.csv: SHA-256" in bad.output and "error: csv: actions.csv" in bad.output


def test_a_csv_dir_that_is_a_file_or_unwritable_is_one_line_and_writes_nothing(populated, cli_run, tmp_path):
    (tmp_path / "csv").write_text("not a folder")
    result = _build(cli_run, tmp_path)
    assert result.exit_code == ExitCode.ERROR
    assert result.output == f"error: --csv-dir: {tmp_path / 'csv'} exists and is not a directory\n"
    assert not (tmp_path / "pack.pdf").exists() and not (tmp_path / "pack.manifest.json").exists()
    unwritable = cli_run(["report", "audit-pack", "--framework", "gdpr", "--from", "2026-05-01", "--to", "2026-05-31",
                          "--generated-at", GENERATED, "-o", str(tmp_path / "p2.pdf"), "--csv-dir", "/proc/csv-out"])
    assert unwritable.exit_code == ExitCode.ERROR and unwritable.output.count("\n") == 1
    assert unwritable.output.startswith("error: --csv-dir: /proc is not writable")
    assert not (tmp_path / "p2.pdf").exists()


def test_existing_exports_are_not_replaced_without_force(populated, cli_run, tmp_path):
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "incidents.csv").write_text("mine\n")
    result = _build(cli_run, tmp_path)
    assert result.exit_code == ExitCode.ERROR and "give --force" in result.output
    assert (tmp_path / "csv" / "incidents.csv").read_text() == "mine\n" and not (tmp_path / "pack.pdf").exists()


def test_a_failure_writing_the_pack_removes_the_csv_files_already_placed(sample_model, tmp_path, monkeypatch):
    from compliance.reports import service

    def fail(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(service, "write_pack_files", fail)
    with pytest.raises(OSError, match="disk full"):
        service.produce_pack(pack=sample_model(2), output=tmp_path / "pack.pdf", csv_dir=tmp_path / "csv")
    assert not (tmp_path / "csv").exists() and not (tmp_path / "pack.pdf").exists()


def test_the_csv_files_are_the_same_model_as_the_pdf(sample_model):
    pack = sample_model(3).with_restricted_redacted()
    files = population_csv(pack)
    assert files["incidents.csv"][1] == len(pack.incidents)
    assert files["obligations.csv"][1] == len(pack.notifications)
    header = files["obligations.csv"][0].split(b"\r\n", 1)[0].decode()
    assert header.split(",") == [c for c, _ in COLUMNS["obligations.csv"]]


def test_a_missing_export_fails_and_a_missing_folder_is_reported_not_checked(populated, cli_run, tmp_path):
    import shutil

    assert _build(cli_run, tmp_path).exit_code == 0
    (tmp_path / "csv" / "events.csv").unlink()
    missing = cli_run(["report", "verify", str(tmp_path / "pack.pdf")])
    assert missing.exit_code == ExitCode.INTEGRITY and "FAIL csv: events.csv: listed in the manifest but missing" \
        in missing.output
    shutil.rmtree(tmp_path / "csv")
    gone = cli_run(["report", "verify", str(tmp_path / "pack.pdf")])
    assert gone.exit_code == 0 and "--   csv: 6 CSV export(s) listed; folder" in gone.output


def test_every_csv_column_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name, columns in COLUMNS.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` |"))
        assert all(f"`{column}`" in row for column, _ in columns)
