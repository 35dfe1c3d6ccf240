"""Issue 13 §2: the demo is consistent by default; the only cross-check findings in its records are the
contradictions it plants on purpose, whatever the seed and size."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from compliance.crosschecks.service import get_crosscheck_findings
from compliance.db.store import init_store
from compliance.demo.contradictions import plant_contradictions  # noqa: F401 (the codes it plants are named below)
from compliance.demo.generator import generate_demo
from compliance.documents.service import build_incident_documents
from compliance.incidents.service import list_incidents

AS_OF = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PLANTED = {"awareness-after-communication", "done-without-completion"}


@pytest.mark.slow
@pytest.mark.parametrize(("incidents", "seed"), [(24, 7), (24, 3), (40, 11)])
def test_the_demo_contradicts_itself_only_where_it_plants_a_contradiction(tmp_path, incidents, seed):
    store, _, _ = init_store(url=f"sqlite:///{tmp_path / 'c.db'}", evidence_dir=tmp_path / "evidence")
    summary = generate_demo(store=store, incidents=incidents, seed=seed, as_of=AS_OF, workdir=tmp_path)
    with store.session() as session:
        rows = list_incidents(session=session, include_restricted=True)
        documents = build_incident_documents(session=session, incidents=rows, as_of=AS_OF)
    found = Counter(f.code for d in documents for f in get_crosscheck_findings(document=d))
    assert set(found) <= PLANTED, {code: n for code, n in found.items() if code not in PLANTED}
    assert sum(found.values()) == summary.extras["planted_contradictions"]


def test_a_late_filings_demo_reason_fits_its_regime():
    from compliance.demo.notifications import delay_reasons

    assert all("DPO" not in r and "categories of data" not in r for r in delay_reasons("sec_8k") + delay_reasons("nis2"))
    assert any("Item 1.05" in r for r in delay_reasons("sec_8k"))
    assert delay_reasons("uk_gdpr") == delay_reasons("us_state_tx")
    assert len({len(delay_reasons(r)) for r in ("gdpr", "sec_8k", "nis2")}) == 1  # one rng draw of the same size
