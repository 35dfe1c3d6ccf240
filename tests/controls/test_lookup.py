"""`controls list`, `show` and `map`: requirements and their cross-framework mappings, built-in and added folders."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from compliance.cli import cli
from compliance.core.exitcodes import ExitCode
from tests.controls.test_validation import VALID, write


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["controls", *args], env={"COMPLIANCE_CONTROLS": None, **(env or {})},
                              catch_exceptions=False)


def test_list_shows_every_requirement_of_a_framework_in_order():
    result = run("list", "--framework", "soc2-2017", "--json")
    data = json.loads(result.stdout)
    assert [r["id"] for r in data["requirements"]] == ["CC2.3", "CC7.1", "CC7.2", "CC7.3", "CC7.4", "CC7.5", "A1.2", "A1.3",
                                                      "P6.3", "P6.6"]
    assert data["frameworks"][0]["version"].startswith("2017")
    text = run("list", "--framework", "gdpr").stdout
    assert text.splitlines()[0].split() == ["FRAMEWORK", "ID", "TITLE", "CITATION"] and "Art.33(5)" in text


def test_show_gives_paraphrase_citation_evidence_checks_and_mappings():
    data = json.loads(run("show", "A.5.27", "--json").stdout)
    assert data["framework"] == "iso27001-2022" and data["citation"].startswith("ISO/IEC 27001:2022 Annex A 5.27")
    assert data["evidence"] and "soc2-2017:CC7.5" in data["mappings"]
    assert {"name": "root cause analysed", "min_items": {"path": "postmortem.root_cause", "n": 1}} in data["checks"]
    assert data["applies_when"] == [{"in": {"path": "incident.status", "values": ["resolved", "closed"]}},
                                    {"true": "incident.significant"}]
    text = run("show", "Art.33(1)").stdout
    assert "gdpr:Art.33(1)" in text and "72 hours" in text
    assert "  - {'true': incident.personal_data}" in text and "notes: The 24 hours" in text
    assert json.loads(run("show", "Art.33(1)", "--json").stdout)["applies_when"][0] == {"true": "incident.personal_data"}


@pytest.mark.parametrize("spelling", ["art.33(1)", "Art. 33(1)", "gdpr:Art.33(1)"])
def test_show_accepts_the_id_with_its_framework_or_in_a_looser_spelling(spelling):
    assert json.loads(run("show", spelling, "--json").stdout)["id"] == "Art.33(1)"


def test_map_lists_both_directions():
    data = json.loads(run("map", "A.5.27", "--json").stdout)
    assert data["requirement"] == "iso27001-2022:A.5.27"
    assert {"soc2-2017:CC7.5", "nist-sp800-61r3:ID.IM-01"} <= {e["key"] for e in data["maps_to"]}
    assert "nist-sp800-61r3:ID.IM-04" in {e["key"] for e in data["mapped_from"]}
    text = run("map", "A.5.27").stdout
    assert "ID.IM-04" in text and "mapped from" in text and "both" in text


def test_every_builtin_mapping_is_answered_by_map():
    from compliance.controls.loader import load_frameworks

    frameworks = load_frameworks()
    for framework in frameworks.values():
        for requirement in framework.requirements:
            data = json.loads(run("map", requirement.key, "--json").stdout)
            assert [e["key"] for e in data["maps_to"]] == requirement.mappings
            assert all(e["title"] for e in data["related"])


def test_unknown_and_ambiguous_requirement_ids_are_one_line_errors(tmp_path):
    result = run("show", "A.9.99")
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.strip() == "error: REQ-ID: unknown requirement 'A.9.99' (see 'compliance controls list')"
    write(tmp_path, "internal.yaml", VALID.replace("IR-1", "CC7.4"))
    ambiguous = run("map", "CC7.4", "--controls-dir", str(tmp_path))
    assert ambiguous.exit_code == ExitCode.ERROR
    assert ambiguous.stderr.strip() == ("error: REQ-ID: 'CC7.4' is in several frameworks: write one of "
                                        "soc2-2017:CC7.4, internal:CC7.4")


def test_added_folders_from_the_environment_are_listed_with_the_built_ins(tmp_path):
    write(tmp_path, "internal-ir.yaml", VALID)
    data = json.loads(run("list", "--json", env={"COMPLIANCE_CONTROLS": str(tmp_path)}).stdout)
    assert {"internal-ir", "gdpr"} <= {f["id"] for f in data["frameworks"]}
    mapped_from = json.loads(run("map", "A.5.27", "--json", "--controls-dir", str(tmp_path)).stdout)["mapped_from"]
    assert "internal-ir:IR-1" in {e["key"] for e in mapped_from}


def test_map_direction_is_decided_in_the_library():
    from compliance.controls.loader import load_frameworks
    from compliance.controls.service import get_mappings

    data = get_mappings(frameworks=load_frameworks(), requirement_id="A.5.27")
    direction = {e["key"]: e["direction"] for e in data["related"]}
    outgoing, incoming = {e["key"] for e in data["maps_to"]}, {e["key"] for e in data["mapped_from"]}
    assert set(direction) == outgoing | incoming
    assert direction["nist-sp800-61r3:ID.IM-04"] == ("both" if "nist-sp800-61r3:ID.IM-04" in outgoing else "mapped from")
    assert all(direction[k] == "both" for k in outgoing & incoming) and outgoing & incoming
    assert all(direction[k] == "maps to" for k in outgoing - incoming)
    assert all(direction[k] == "mapped from" for k in incoming - outgoing)
