"""Framework files: the shipped ones load; invalid ones are rejected through `controls validate` with file and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.cli import cli
from compliance.controls.loader import load_frameworks
from compliance.core import yamlload
from compliance.core.errors import DefinitionError
from compliance.core.exitcodes import ExitCode
from compliance.core.resources import builtin_dir
from compliance.core.yamlload import LOADERS

VALID = """\
name: Internal IR standard
version: "1"
requirements:
  - id: IR-1
    title: Post-mortem for serious incidents
    citation: Internal IR standard 1
    paraphrase: Serious incidents get a post-mortem.
    evidence: [a post-mortem]
    applies_when:
      - severity_at_least: sev2
    checks:
      - name: summary
        non_empty: postmortem.summary
      - name: prompt
        within: {from: incident.resolved_at, to: postmortem.drafted_at, max: 7d}
    partial: [prompt]
    mappings: [iso27001-2022:A.5.27]
"""


def validate(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["controls", "validate", *args], env={"COMPLIANCE_CONTROLS": None, **(env or {})},
                              catch_exceptions=False)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_every_shipped_framework_file_loads_and_validates():
    files = sorted(p.stem for p in builtin_dir("controls").glob("*.yaml"))
    frameworks = load_frameworks()
    assert sorted(frameworks) == files
    assert {"iso27001-2022", "soc2-2017", "nist-sp800-61r3", "gdpr"} <= set(files)
    result = validate()
    assert result.exit_code == ExitCode.OK and result.stdout.strip() == "valid" and not result.stderr


@pytest.mark.parametrize("framework, ids", [
    ("iso27001-2022", ["A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28", "A.6.8"]),
    ("soc2-2017", ["CC7.1", "CC7.2", "CC7.3", "CC7.4", "CC7.5"]),
    ("gdpr", ["Art.33(1)", "Art.33(3)", "Art.33(4)", "Art.33(5)", "Art.34"]),
])
def test_shipped_frameworks_hold_at_least_the_requirements_the_issue_lists(framework, ids):
    assert set(ids) <= {r.id for r in load_frameworks()[framework].requirements}


def test_nist_profile_covers_each_category_and_uses_only_csf_2_0_ids():
    ids = [r.id for r in load_frameworks()["nist-sp800-61r3"].requirements]
    for category in ("RS.MA", "RS.AN", "RS.CO", "RS.MI", "RC.RP", "RC.CO", "ID.IM"):
        assert any(i.startswith(category + "-") for i in ids), category
    retired = {"RS.AN-01", "RS.AN-02", "RS.AN-04", "RS.AN-05", "RS.CO-01", "RS.CO-04", "RS.CO-05", "RS.MI-03",
               "RS.IM-01", "RS.IM-02", "RC.IM-01", "RC.IM-02", "RC.CO-01", "RC.CO-02", "DE.AE-01", "DE.AE-05"}
    assert not retired & set(ids)


def test_every_shipped_requirement_has_paraphrase_citation_evidence_and_a_mapping():
    for framework in load_frameworks().values():
        for requirement in framework.requirements:
            assert len(requirement.paraphrase) > 40 and requirement.citation and requirement.evidence
            assert requirement.mappings, requirement.key


def test_a_valid_extra_file_validates_and_its_mappings_resolve_into_the_built_ins(tmp_path):
    path = write(tmp_path, "internal-ir.yaml", VALID)
    result = validate(str(path))
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "internal-ir" in load_frameworks(extra_dirs=[tmp_path])


@pytest.mark.parametrize("change, line, message", [
    (("    evidence: [a post-mortem]\n", "    evidence: [a post-mortem]\n    owner: me\n"), 9,
     "unknown field 'owner' in requirement"),
    (("name: Internal IR standard\n", "name: Internal IR standard\nauthor: me\n"), 2, "unknown field 'author'"),
    (("        non_empty: postmortem.summary\n", "        looks_good: postmortem.summary\n"), 13,
     "unknown check type 'looks_good'"),
    (("max: 7d", "max: seven days"), 15, "bad duration: 'seven days' is not a duration"),
    (("      - severity_at_least: sev2\n", "      - severity_at_least: critical\n"), 10,
     "bad applies_when: severity_at_least must be one of sev1, sev2, sev3, sev4, not 'critical'"),
    (("      - severity_at_least: sev2\n", "      - min_items: {path: action_items, n: 1}\n"), 10,
     "bad applies_when: 'min_items' cannot be used here"),
    (("[iso27001-2022:A.5.27]", "[iso27001-2022:A.9.99]"), 17,
     "mapping 'iso27001-2022:A.9.99': framework iso27001-2022 has no requirement 'A.9.99'"),
    (("[iso27001-2022:A.5.27]", "[cis-v8:17.1]"), 17, "mapping 'cis-v8:17.1' names unknown framework 'cis-v8'"),
    (("postmortem.summary", "postmortem.sumary"), 13, "unknown field 'sumary' in postmortem"),
    (("partial: [prompt]", "partial: [quick]"), 16, "partial names 'quick', which is not the name of a check"),
    (("        non_empty: postmortem.summary\n", "        non_empty: postmortem.summary\n        weight: 3\n"), 14,
     "unknown field 'weight' in check 'non_empty'"),
    (("{from: incident.resolved_at,", "{from: incident.resolved_at, tolerance: 1h,"), 15,
     "unknown field 'tolerance' in within"),
    (("        non_empty: postmortem.summary\n",
      "        every: {path: action_items, where: [{severity_at_least: sev2}]}\n"), 13,
     "'severity_at_least' cannot be used here"),
    (("        non_empty: postmortem.summary\n", "        timeline_has_kind: postmortem\n"), 13,
     "unknown timeline kind 'postmortem'"),
    (("        non_empty: postmortem.summary\n", "        every: {path: action_items, where: [{non_empty: ownr}]}\n"),
     13, "unknown field 'ownr' in action_items items"),
])
def test_each_kind_of_error_is_reported_with_file_line_and_what_is_wrong(tmp_path, change, line, message):
    assert change[0] in VALID
    path = write(tmp_path, "internal-ir.yaml", VALID.replace(*change))
    result = validate(str(path))
    assert result.exit_code == ExitCode.ERROR
    errors = result.stderr.strip().splitlines()
    assert any(e.startswith(f"{path}:{line}: ") and message in e for e in errors), errors


def test_a_duplicate_requirement_id_is_reported_at_the_second_occurrence(tmp_path):
    second = VALID.split("requirements:\n", 1)[1].replace("mappings: [iso27001-2022:A.5.27]", "mappings: []")
    path = write(tmp_path, "internal-ir.yaml", VALID + second)
    errors = validate(str(path)).stderr.strip().splitlines()
    assert f"{path}:18: duplicate requirement id 'IR-1' (first on line 4)" in errors


def test_every_error_is_collected_not_only_the_first(tmp_path):
    text = VALID.replace("max: 7d", "max: soon").replace("name: Internal", "nmae: Internal") \
        .replace("non_empty: postmortem.summary", "looks_good: x")
    bad = write(tmp_path, "internal-ir.yaml", text)
    other = write(tmp_path, "other.yaml", VALID.replace("IR-1", "OT-1").replace("[iso27001-2022:A.5.27]", "[nope:X]"))
    result = validate(str(tmp_path))
    errors = result.stderr.strip().splitlines()
    assert result.exit_code == ExitCode.ERROR
    assert len(errors) == 5, errors  # unknown nmae, missing name, unknown check, bad duration, bad mapping
    assert sum(e.startswith(str(bad)) for e in errors) == 4 and sum(e.startswith(str(other)) for e in errors) == 1


def test_validate_json_lists_the_errors_and_still_exits_1(tmp_path):
    path = write(tmp_path, "internal-ir.yaml", VALID.replace("max: 7d", "max: 0h"))
    result = validate(str(path), "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == ExitCode.ERROR and data["valid"] is False
    assert data["errors"] == [f"{path}:15: bad duration: max must be longer than zero"]


def test_a_framework_id_that_is_already_built_in_is_a_duplicate_not_an_override(tmp_path):
    write(tmp_path, "gdpr.yaml", VALID)
    result = validate(env={"COMPLIANCE_CONTROLS": str(tmp_path)})
    assert result.exit_code == ExitCode.ERROR
    assert f"{tmp_path / 'gdpr.yaml'}:1: duplicate framework id 'gdpr'" in result.stderr
    with pytest.raises(DefinitionError, match="duplicate framework id 'gdpr'"):
        load_frameworks(extra_dirs=[tmp_path])


def test_several_extra_folders_can_be_given_in_the_environment(tmp_path):
    import os

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    write(first, "internal-ir.yaml", VALID)
    write(second, "other.yaml", VALID.replace("IR-1", "OT-1").replace("[iso27001-2022:A.5.27]", "[internal-ir:IR-1]"))
    result = CliRunner().invoke(cli, ["controls", "list", "--json"],
                                env={"COMPLIANCE_CONTROLS": f"{first}{os.pathsep}{second}"}, catch_exceptions=False)
    assert {"internal-ir", "other"} <= {f["id"] for f in json.loads(result.stdout)["frameworks"]}


CONTRACT_REGIME = """\
id: acme_contract
name: ACME customer contract
jurisdiction: contract
citation: ACME master services agreement, clause 12.3
stages:
  - id: customer_notice
    title: Notify ACME
    citation: MSA clause 12.3
    recipient: ACME security office
    trigger: aware_at
    clock: {hours: 24}
"""


def test_the_regimes_folder_and_other_files_in_a_controls_folder_are_not_frameworks(tmp_path):
    (tmp_path / "regimes").mkdir()
    write(tmp_path / "regimes", "acme_contract.yaml", CONTRACT_REGIME)
    write(tmp_path, "notes.md", "# not a framework\n")
    result = validate(env={"COMPLIANCE_CONTROLS": str(tmp_path)})
    assert result.exit_code == ExitCode.OK, result.output


def test_regime_files_are_validated_by_the_regime_rules_with_file_and_line(tmp_path):
    (tmp_path / "regimes").mkdir()
    bad = write(tmp_path / "regimes", "broken.yaml", CONTRACT_REGIME.replace("hours: 24", "hours: -3"))
    copy = write(tmp_path / "regimes", "zz_copy.yaml", CONTRACT_REGIME.replace("acme_contract", "gdpr"))
    result = validate(str(tmp_path))
    assert result.exit_code == ExitCode.ERROR
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{bad}:") for line in lines), result.stderr
    assert f"{copy}:1: regime id 'gdpr' is already defined in" in result.stderr
    single = validate(str(bad))
    assert single.exit_code == ExitCode.ERROR and single.stderr.startswith(f"{bad}:")
    assert validate(str(tmp_path / "regimes" / "zz_copy.yaml")).exit_code == ExitCode.ERROR


def test_a_missing_path_and_a_missing_controls_folder_are_errors(tmp_path):
    result = validate(str(tmp_path / "nope.yaml"))
    assert result.exit_code == ExitCode.ERROR and f"{tmp_path / 'nope.yaml'}: no such file or folder" in result.stderr
    with pytest.raises(DefinitionError, match="controls folder does not exist"):
        load_frameworks(extra_dirs=[tmp_path / "absent"])


BOMB = """\
name: bomb
version: "1"
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
requirements: []
"""


@pytest.mark.parametrize("text, message", [
    (BOMB, ":4: anchors and aliases are not allowed"),
    ("name: &n bomb\nversion: '1'\ndescription: *n\nrequirements: []\n", ":3: anchors and aliases are not allowed"),
    ("name: deep\nversion: '1'\nrequirements: " + "[" * 60 + "]" * 60 + "\n", "nested deeper than 40 levels"),
    ("name: !!python/object/apply:os.system ['echo pwned']\nversion: '1'\nrequirements: []\n",
     ":1: unsafe or unknown YAML tag refused: tag:yaml.org,2002:python/object/apply:os.system"),
    ("name: x\nname: y\nversion: '1'\nrequirements: []\n", ":2: duplicate key 'name'"),
    ("name: [unclosed\n", ":2:"),
    ("- just\n- a list\n", ":1: a framework file must be a mapping"),
])
@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_unsafe_or_hostile_yaml_is_refused_with_a_clear_message(tmp_path, monkeypatch, text, message, loader):
    monkeypatch.setattr(yamlload, "_Loader", loader)  # libyaml's composer and the Python one refuse alike
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    result = validate(str(path))
    assert result.exit_code == ExitCode.ERROR
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(path)) and message in lines[0], lines
    assert "Traceback" not in result.output


def test_commands_that_load_frameworks_refuse_an_invalid_extra_folder_in_one_line(tmp_path):
    write(tmp_path, "internal-ir.yaml", VALID.replace("max: 7d", "max: soon"))
    result = CliRunner().invoke(cli, ["controls", "list", "--controls-dir", str(tmp_path)],
                                env={"COMPLIANCE_CONTROLS": None}, catch_exceptions=False)
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.startswith(f"error: {tmp_path / 'internal-ir.yaml'}:15: bad duration")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_wheel_ships_the_builtin_framework_files():
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["controls"] == "compliance/_builtin/controls"


def test_an_installed_package_finds_its_builtin_controls_without_a_checkout(tmp_path, monkeypatch):
    import shutil

    import compliance.core.resources as resources

    package = tmp_path / "site-packages" / "compliance"
    shutil.copytree(builtin_dir("controls"), package / "_builtin" / "controls")
    monkeypatch.setattr(resources, "_PACKAGE", package)
    assert resources.builtin_dir("controls") == package / "_builtin" / "controls"
    assert set(load_frameworks()) >= {"iso27001-2022", "soc2-2017", "nist-sp800-61r3", "gdpr"}


_KEYS = st.sampled_from(["name", "version", "requirements", "id", "title", "citation", "paraphrase", "evidence",
                         "checks", "partial", "applies_when", "mappings", "path", "n", "where", "when", "from", "to",
                         "max", "kind", "regime", "stage", "value", "values", "every", "within", "min_items",
                         "non_empty", "present", "any", "all", "not", "true", "in", "equals", "severity_at_least",
                         "timeline_has_kind", "notification_ok", "evidence_verified", "no_blocking_findings", "x"])
_LEAVES = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(
    ["", "A.1", "48h", "soon", "postmortem.summary", "action_items", "owner", "sev2", "gdpr", "detection",
     "iso27001-2022:A.5.27", "incident.resolved_at", "x:y"])
_TREES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
                      max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_TREES)
def test_any_file_shape_gives_a_framework_or_file_line_errors_never_a_crash(tmp_path, tree):
    import yaml

    from compliance.controls.service import validate_paths

    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump({"name": "n", "version": "1", "requirements": [tree]} if not isinstance(tree, dict)
                                   else tree), encoding="utf-8")
    errors = validate_paths(paths=[path])
    assert all(e.startswith(str(path)) for e in errors), errors
    assert all("\n" not in e for e in errors)


def test_an_edited_file_is_read_again_not_served_from_the_parse_cache(tmp_path):
    path = write(tmp_path, "internal-ir.yaml", VALID)
    assert validate(str(path)).exit_code == ExitCode.OK
    path.write_text(VALID.replace("max: 7d", "max: 7x"), encoding="utf-8")
    assert "bad duration" in validate(str(path)).stderr
    path.write_text(VALID, encoding="utf-8")
    assert load_frameworks(extra_dirs=[tmp_path])["internal-ir"].requirement("IR-1") is not None


def test_every_shipped_check_is_named_so_reasons_and_partial_lists_can_refer_to_it():
    for framework in load_frameworks().values():
        for requirement in framework.requirements:
            assert all(check.name for check in requirement.checks), requirement.key
            assert requirement.partial <= {check.name for check in requirement.checks}
