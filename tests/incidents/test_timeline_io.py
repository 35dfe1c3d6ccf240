"""Timeline import and export as CSV and JSON: same columns both ways, a zone per row, bad rows refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core.errors import ValidationError
from compliance.core.exitcodes import ExitCode
from compliance.incidents.service import TIMELINE_KINDS
from compliance.incidents.timeline_io import COLUMNS, read_timeline_rows, render_timeline

CSV = ("at,kind,text,source,actor,customer_visible\n"
       "2026-03-01T11:40:00+01:00,trigger,Login attempts from 3000 addresses begin,WAF logs,attacker,false\n"
       "2026-03-01T06:00:00-05:00,detection,\"Alert fires, on-call paged\",monitoring,on-call SRE,false\n"
       "2026-03-01T11:30:00Z,communication,Status page updated,status page,comms lead,true\n")


@pytest.fixture
def incident(cli_run):
    result = cli_run(["incident", "open", "--title", "t", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"])
    assert result.exit_code == 0, result.stderr
    return "INC-0001"


def _shown(cli_run, ref="INC-0001"):
    return json.loads(cli_run(["timeline", "show", ref, "--json"]).stdout)


def test_each_row_keeps_its_own_offset(cli_run, incident, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    assert cli_run(["timeline", "import", incident, str(path)]).exit_code == ExitCode.OK
    rows = _shown(cli_run)
    assert [r["at"] for r in rows] == ["2026-03-01T10:40:00Z", "2026-03-01T11:00:00Z", "2026-03-01T11:30:00Z"]
    assert rows[1]["text"] == "Alert fires, on-call paged" and rows[2]["customer_visible"] is True


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_imports_back_to_the_same_timeline_with_the_same_columns(cli_run, incident, tmp_path, fmt):
    source = tmp_path / "t.csv"
    source.write_text(CSV)
    cli_run(["timeline", "import", incident, str(source)])
    exported = cli_run(["timeline", "export", incident, "--format", fmt]).stdout
    header = exported.splitlines()[0].split(",") if fmt == "csv" else list(json.loads(exported)[0])
    assert tuple(header) == COLUMNS
    path = tmp_path / f"exported.{fmt}"
    path.write_text(exported)
    cli_run(["incident", "open", "--title", "u", "--severity", "sev2", "--detected-at", "2026-03-01T11:00:00Z"])
    assert cli_run(["timeline", "import", "INC-0002", str(path)]).exit_code == ExitCode.OK
    assert cli_run(["timeline", "export", "INC-0002", "--format", fmt]).stdout == exported
    again = cli_run(["timeline", "import", "INC-0002", str(path), "--json"])
    assert json.loads(again.stdout)["added"] == 0 and json.loads(again.stdout)["already_recorded"] == 3


def test_a_naive_instant_is_refused_unless_a_zone_is_given(cli_run, incident, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("at,kind,text\n2026-03-01T12:00:00,detection,Alert fires\n")
    refused = cli_run(["timeline", "import", incident, str(path)])
    assert refused.exit_code == ExitCode.ERROR and "row 1, column 'at'" in refused.stderr and "has no time zone" in refused.stderr
    assert cli_run(["timeline", "import", incident, str(path), "--timezone", "Europe/Berlin"]).exit_code == ExitCode.OK
    assert _shown(cli_run)[0]["at"] == "2026-03-01T11:00:00Z"


@pytest.mark.parametrize("bad_row, message", [
    ("2026-03-01T12:00:00Z,detecton,Alert", "row 3, column 'kind': 'detecton' is not one of"),
    ("2026-03-01 noon,detection,Alert", "row 3, column 'at': '2026-03-01 noon' is not an ISO 8601 date-time"),
    ("2026-03-01T12:00:00Z,detection,", "row 3, column 'text': missing"),
])
def test_a_bad_row_is_one_line_naming_row_and_column_and_nothing_is_written(cli_run, incident, tmp_path, bad_row, message):
    path = tmp_path / "t.csv"
    path.write_text("at,kind,text\n2026-03-01T10:00:00Z,trigger,Deploy\n2026-03-01T10:05:00Z,detection,Alarm\n"
                    + bad_row + "\n")
    result = cli_run(["timeline", "import", incident, str(path)])
    assert result.exit_code == ExitCode.ERROR and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _shown(cli_run) == []


def test_an_unknown_column_is_refused_not_ignored(cli_run, incident, tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"at": "2026-03-01T10:00:00Z", "kind": "trigger", "text": "x", "severity": "high"}]))
    result = cli_run(["timeline", "import", incident, str(path)])
    assert result.exit_code == ExitCode.ERROR and "row 1, column 'severity': unknown column (valid: at, kind" in result.stderr


_ROWS = st.lists(st.fixed_dictionaries({
    "at": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")),
    "kind": st.sampled_from(TIMELINE_KINDS),
    "text": st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).filter(str.strip).map(str.strip),
    "source": st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1).map(
        lambda s: "x" + s.strip())),
    "actor": st.none(),
    "customer_visible": st.booleans()}), max_size=5)


@given(rows=_ROWS, fmt=st.sampled_from(["csv", "json"]))
def test_rendered_rows_read_back_unchanged(rows, fmt):
    back = read_timeline_rows(render_timeline(rows, fmt=fmt), fmt=fmt)
    if fmt == "csv":
        back = [{**r, "customer_visible": r["customer_visible"] == "true", "source": r["source"] or None,
                 "actor": r["actor"] or None} for r in back]
    assert back == rows


@given(offset=st.integers(-14 * 60, 14 * 60))
def test_any_offset_is_honoured_in_the_library(offset):
    from compliance.incidents.timeline_io import _entry

    sign = "+" if offset >= 0 else "-"
    written = f"2026-03-01T12:00:00{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    entry = _entry({"at": written, "kind": "other", "text": "x"}, 1, None)
    assert entry["at"] == datetime(2026, 3, 1, 12, tzinfo=UTC) - timedelta(minutes=offset)


def test_an_unknown_format_is_refused_in_the_library():
    with pytest.raises(ValidationError, match="unknown format 'xml' \\(valid: csv, json\\)"):
        render_timeline([], fmt="xml")
