"""`compliance evidence …` and `compliance custody …` end to end, in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import errno
import hashlib
import json
import os

import pytest

from compliance.core.exitcodes import ExitCode


@pytest.fixture
def added(cli_run, make_incident, tmp_path):
    make_incident()
    path = tmp_path / "waf-export.json"
    path.write_bytes(b'{"blocked": 3000}\n')
    result = cli_run(["evidence", "add", "INC-0001", str(path), "--collected-by", "Dana Ruiz",
                      "--collected-at", "2026-03-01T12:10:00Z", "--source", "WAF console", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_add_prints_one_json_document_with_id_hash_and_size(added):
    assert added["id"] == "EV-0001" and added["size"] == 18
    assert added["sha256"] == hashlib.sha256(b'{"blocked": 3000}\n').hexdigest()
    assert added["collected_at"] == "2026-03-01T12:10:00Z" and added["source"] == "WAF console"


def test_list_show_and_log_read_back_what_was_recorded(cli_run, added):
    listed = json.loads(cli_run(["evidence", "list", "INC-0001", "--json"]).output)
    assert [e["id"] for e in listed] == ["EV-0001"]
    transfer = cli_run(["custody", "transfer", "EV-0001", "--from", "Dana Ruiz", "--to", "Forensics Ltd",
                        "--reason", "imaging", "--location", "safe 2", "--at", "2026-03-02T09:00:00Z", "--json"])
    assert transfer.exit_code == 0, transfer.output
    assert json.loads(transfer.output)["to"] == "Forensics Ltd"
    sealed = cli_run(["custody", "record", "EV-0001", "--action", "sealed", "--actor", "Forensics Ltd",
                      "--reason", "legal hold", "--at", "2026-03-02T10:00:00Z"])
    assert sealed.exit_code == 0 and sealed.output.startswith("EV-0001 #3 sealed ")
    shown = json.loads(cli_run(["evidence", "show", "EV-0001", "--json"]).output)
    assert shown["sealed"] is True and [e["action"] for e in shown["custody"]] == ["collected", "transferred", "sealed"]
    log = json.loads(cli_run(["custody", "log", "--json"]).output)
    assert [e["seq"] for e in log] == [1, 2, 3] and log[1]["prev_hash"] == log[0]["event_hash"]
    text_log = cli_run(["custody", "log", "EV-0001"]).output
    assert "transferred" in text_log and "Forensics Ltd" in text_log


def test_export_writes_the_copy_and_the_log_shows_it(cli_run, added, tmp_path):
    dest = tmp_path / "copy.json"
    result = cli_run(["evidence", "export", "EV-0001", str(dest), "--reason", "requested by the regulator"])
    assert result.exit_code == 0, result.output
    assert dest.read_bytes() == b'{"blocked": 3000}\n'
    log = json.loads(cli_run(["custody", "log", "EV-0001", "--json"]).output)
    assert log[-1]["action"] == "exported" and log[-1]["actor"] == "test-runner"
    again = cli_run(["evidence", "export", "EV-0001", str(dest)])
    assert again.exit_code == ExitCode.ERROR and "never overwrites" in again.output


BAD_INPUT = [
    (["evidence", "add", "INC-0001", "{file}", "--collected-by", "Dana", "--collected-at", "2026-03-01T12:00:00"],
     "error: --collected-at: 2026-03-01T12:00:00 has no time zone"),
    (["evidence", "add", "INC-0001", "{dir}", "--collected-by", "Dana"], "error: FILE: "),
    (["evidence", "add", "INC-0001", "{missing}", "--collected-by", "Dana"], "error: FILE: "),
    (["evidence", "add", "INC-0009", "{file}", "--collected-by", "Dana"], "error: INCIDENT: unknown incident"),
    (["evidence", "show", "EV-0404"], "error: EV: unknown evidence 'EV-0404'"),
    (["evidence", "show", "evidence-one"], "error: EV: 'evidence-one' is not an evidence id"),
    (["custody", "record", "EV-0001", "--action", "eaten", "--actor", "Dana"], "error: --action: 'eaten' is not one of"),
    (["custody", "record", "EV-0001", "--action", "released", "--actor", "Dana", "--reason", "x"],
     "error: --action: EV-0001 is not sealed"),
    (["custody", "transfer", "EV-0001", "--from", "Eve", "--to", "Bob", "--reason", "x"],
     "error: --from: EV-0001 is held by 'Dana Ruiz', not 'Eve'"),
]


def test_bad_input_gives_one_line_on_stderr_and_exit_1(cli_run, added, tmp_path):
    (tmp_path / "f.log").write_bytes(b"x")
    (tmp_path / "d").mkdir()
    before = cli_run(["custody", "log", "--json"]).output
    for args, message in BAD_INPUT:
        args = [a.format(file=tmp_path / "f.log", dir=tmp_path / "d", missing=tmp_path / "nope.log") for a in args]
        result = cli_run(args)
        assert result.exit_code == ExitCode.ERROR, args
        assert result.output.startswith(message) and result.output.count("\n") == 1, result.output
    assert cli_run(["custody", "log", "--json"]).output == before


def test_disk_full_is_one_line_and_records_nothing(cli_run, make_incident, tmp_path, monkeypatch):
    make_incident()
    path = tmp_path / "big.log"
    path.write_bytes(b"x" * 100_000)

    def _full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", _full)
    monkeypatch.setattr(os, "copy_file_range", lambda *args: _full(None, None), raising=False)
    result = cli_run(["evidence", "add", "INC-0001", str(path), "--collected-by", "Dana"])
    monkeypatch.undo()
    assert result.exit_code == ExitCode.ERROR
    assert result.output == "error: no space left on device: nothing was recorded\n"
    assert json.loads(cli_run(["evidence", "list", "--json"]).output) == []


def test_progress_is_drawn_on_a_terminal_and_never_with_json(cli_run, make_incident, tmp_path, monkeypatch):
    make_incident()
    path = tmp_path / "a.log"
    path.write_bytes(b"y" * 300_000)
    monkeypatch.setattr("compliance.cli.options.stderr_is_terminal", lambda: True)
    quiet = cli_run(["evidence", "add", "INC-0001", str(path), "--collected-by", "Dana", "--json"])
    assert quiet.stderr == "" and json.loads(quiet.stdout)["id"] == "EV-0001"
    shown = cli_run(["evidence", "add", "INC-0001", str(path), "--collected-by", "Dana"])
    assert "hashing and copying" in shown.stderr
    assert shown.stdout.startswith("EV-0002  sha256 ")
    assert "verifying blobs" in cli_run(["custody", "verify"]).stderr
    verified = cli_run(["custody", "verify", "--json"])
    assert verified.stderr == "" and json.loads(verified.stdout)["intact"] is True
    monkeypatch.undo()
    piped = cli_run(["evidence", "add", "INC-0001", str(path), "--collected-by", "Dana"])
    assert piped.stderr == "" and piped.stdout.startswith("EV-0003  sha256 ")
