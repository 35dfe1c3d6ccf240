"""The demo pack tells one truth: each metric equal through every path, exactly the planted contradictions shown,
no identifier or hash split in the text layer, and the sections an auditor reads first in their order."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode

AS_OF = "2026-11-25T12:00:00Z"
WHEN = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("truths")
    out = folder / "pack.pdf"
    result = CliRunner().invoke(cli, ["demo", "--dir", str(folder / "demo"), "--incidents", "30", "--seed", "3",
                                      "--as-of", AS_OF, "-o", str(out), "--json"], env={"COMPLIANCE_CONTROLS": None})
    assert result.exit_code == ExitCode.OK, result.output
    from compliance.db.store import open_store

    store = open_store(url=f"sqlite:///{folder / 'demo' / 'compliance.db'}", evidence_dir=folder / "demo" / "evidence")
    yield {"store": store, "pdf": out, "data": json.loads(result.stdout),
           "manifest": json.loads((folder / "pack.manifest.json").read_text())}
    store.close()


@pytest.fixture(scope="module")
def text(demo):
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(demo["pdf"].read_bytes())).pages)


@pytest.mark.slow
def test_every_metric_is_equal_through_the_summary_the_trends_and_compliance_metrics(demo):
    from compliance.metrics.service import get_monthly_trends, get_program_metrics
    from compliance.reports.gather import gather_pack_model

    pack = gather_pack_model(store=demo["store"], frameworks=["gdpr"], period_from=None, period_to=None,
                             include_restricted=False, generated_at=WHEN, title="t", organisation="o")
    with demo["store"].session() as session:
        service = get_program_metrics(session=session, as_of=WHEN.date())["metrics"]
        monthly = get_monthly_trends(session=session, period_from=None, period_to=None, as_of=WHEN.date())
    summary = {m.name: m.value for m in pack.summary.metrics}
    assert summary == {m["label"]: m["value"] for m in service.values()}
    assert pack.action_closure().closure_rate == service["action_closure_rate"]["value"]
    series = pack.trend_series()
    assert series.months == monthly["months"]
    assert series.mttr_hours == monthly["mttr_hours"]
    assert series.actions_due == monthly["actions_due"] and series.actions_closed == monthly["actions_closed"]
    assert series.incidents_by_severity == monthly["incidents_by_severity"]


@pytest.mark.slow
def test_the_pack_shows_exactly_the_planted_contradictions(demo, text):
    from compliance.reports.gather import gather_pack_model

    pack = gather_pack_model(store=demo["store"], frameworks=["gdpr"], period_from=None, period_to=None,
                             include_restricted=False, generated_at=WHEN, title="t", organisation="o")
    found = sorted(f.code for inc in pack.incidents for f in inc.crosschecks)
    assert found == ["awareness-after-communication", "done-without-completion"]
    assert demo["data"]["planted_contradictions"] == 2
    flat = " ".join(text.split())
    assert "Cross-check findings (2)" in flat


@pytest.mark.slow
def test_no_identifier_or_hash_is_split_across_lines_in_the_text_layer(demo, text):
    from compliance.controls.loader import load_frameworks

    frameworks = load_frameworks(extra_dirs=[])
    wanted = {r.id for fw_id in ("iso27001-2022", "soc2-2017", "nist-sp800-61r3", "gdpr")
              for r in frameworks[fw_id].requirements}
    wanted |= {ev["sha256"] for ev in demo["manifest"]["evidence"]}
    wanted |= {n["incident"] for n in demo["manifest"]["notifications"]}
    wanted |= {"nist-sp800-61r3", "iso27001-2022", "authority_notification", "data_subject_notification"}
    missing = sorted(t for t in wanted if not re.search(r"(?<![\w.-])" + re.escape(t) + r"(?![\w-])", text))
    assert missing == []


@pytest.mark.slow
def test_sections_come_in_the_order_an_auditor_reads_them(demo, text):
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(demo["pdf"].read_bytes()))
    top = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline if not isinstance(item, list)]
    assert [t for t, _ in top] == [
        "Cover", "Contents", "Scope, population and reconciliation",
        "Event register (events assessed as not incidents)", "Management assertion", "Executive summary",
        "Exceptions", "Control coverage", "Breach notification register", "Incidents", "Trends", "Programme evidence",
        "Methodology appendix",
        "Evidence manifest and integrity statement", "Appendix: checking this pack with standard tools"]
    assert [p for _, p in top] == sorted(p for _, p in top)
    assert "not a test of operating effectiveness" in " ".join(text.split())
