"""The store knows its evidence folder (SQLite and PostgreSQL): a mistyped --evidence-dir is refused, never created."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.errors import ValidationError
from compliance.core.exitcodes import ExitCode
from compliance.db.store import init_store, open_store


def test_a_different_evidence_folder_is_refused_and_not_created(store, tmp_path):
    typo = tmp_path / "evidnce"
    with pytest.raises(ValidationError, match=r"^--evidence-dir: .*evidnce is not the evidence folder of the store"):
        open_store(url=store.url, evidence_dir=typo)
    result = CliRunner().invoke(cli, ["incident", "open", "--title", "t", "--severity", "sev3", "--detected-at",
                                      "2026-03-01T11:00:00Z", "--db", store.url, "--evidence-dir", str(typo)])
    assert result.exit_code == ExitCode.ERROR
    assert len(result.stderr.strip().splitlines()) == 1 and "run 'compliance init --evidence-dir" in result.stderr
    assert not typo.exists()
    with store.session() as session:
        from compliance.incidents.service import list_incidents

        assert list_incidents(session=session) == []


def test_the_same_folder_given_by_another_path_is_accepted(store, tmp_path):
    same = tmp_path / "link-to-evidence"
    same.symlink_to(store.evidence_dir)
    open_store(url=store.url, evidence_dir=same).close()


def test_init_for_a_new_folder_moves_the_store_to_it(store, tmp_path):
    moved = tmp_path / "new-evidence"
    init_store(url=store.url, evidence_dir=moved)[0].close()
    open_store(url=store.url, evidence_dir=moved).close()
    with pytest.raises(ValidationError, match="is not the evidence folder"):
        open_store(url=store.url, evidence_dir=store.evidence_dir)
