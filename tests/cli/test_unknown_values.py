"""No value silently ignored: every enumerated option of every command refuses an unknown value in one line."""

from __future__ import annotations

import click
import pytest

from compliance.cli import cli

BAD = "no_such_valu"
# Free-text options whose values are enumerations (checked by the library against what is known).
ENUMERATED = {"--regime", "--stage", "--entity-type", "--member-state", "--action", "--framework", "--disable",
              "--enable", "--timezone", "--org-timezone", "--stage-hours", "--outcome", "--type", "--likelihood",
              "--severity", "--level", "--exemption", "--severity-at-least", "--kind", "--content",
              "--criteria", "--basis"}
# Options that are genuinely free text, numbers, paths, instants or ids: anything new must be classified here.
FREE = {"--title", "--text", "--owner", "--due", "--success-criteria", "--lesson", "--number", "--link", "--incident",
        "--as-of", "--warn-within", "--from", "--to", "--controls-dir", "--actor", "--reason", "--location", "--at",
        "--by", "--writer", "--auditor", "--webhook", "--clock-start", "--aware-at", "--affected", "--contract-hours",
        "--notified-at", "--awareness-gap", "--dir", "--incidents", "--seed", "-o", "--collected-by", "--collected-at",
        "--source", "--description", "--since", "--detected-at", "--started-at", "--classified-at",
        "--materiality-determined-at", "--discovered-at", "--mitigated-at", "--resolved-at", "--closed-at",
        "--assessed-at", "--suspected-at", "--ransom-paid-at", "--awareness-justification", "--data-category",
        "--data-subjects", "--records", "--service", "--tag", "--recipient", "--reference", "--delay-reason",
        "--decided-by", "--manifest", "--organisation", "--generated-at", "--sign-key", "--sign-cert", "--sign-pkcs12",
        "--trust", "--db", "--evidence-dir", "--rubric", "--rationale", "--exemption-reason", "--version",
        "--approved-by", "--approved-at", "--valid-from", "--valid-until", "--prepared-by", "--tsa-url", "--how",
        "--affected-in", "--csv-dir", "--further-information-at", "--corrective-measure-at", "--information-requested-at",
        "--requested-by", "--until"}
NOW = "2026-03-01T12:00:00Z"
# Arguments that make each command valid, so that the unknown value is what gets refused.
BASE: dict[str, tuple[list[str], dict[str, str]]] = {
    "action add": (["INC-0001"], {"--text": "t", "--owner": "o", "--due": "2026-04-01"}),
    "controls assess": (["INC-0001"], {}),
    "decision declare": (["INC-0001"], {"--outcome": "incident", "--type": "phishing", "--rubric": "r",
                                        "--decided-by": "d"}),
    "decision assess": (["INC-0001"], {"--likelihood": "low", "--severity": "low", "--level": "none",
                                       "--rationale": "r", "--decided-by": "d"}),
    "decision classify": (["INC-0001"], {"--criteria": "critical_services", "--rationale": "r", "--decided-by": "d"}),
    "custody record": (["EV-0001"], {"--action": "accessed", "--actor": "a"}),
    "custody transfer": (["EV-0001"], {"--from": "a", "--to": "b", "--reason": "r"}),
    "deadlines compute": ([], {"--regime": "nis2", "--clock-start": NOW}),
    "deadlines delay": (["INC-0001"], {"--regime": "nis2", "--stage": "early_warning", "--basis": "none",
                                       "--requested-by": "r", "--from": NOW}),
    "evidence add": (["INC-0001", "{file}"], {"--collected-by": "a"}),
    "incident open": ([], {"--title": "t", "--severity": "sev2", "--detected-at": NOW, "--regime": "nis2"}),
    "incident update": (["INC-0001"], {}),
    "notify record": (["INC-0001"], {"--regime": "gdpr", "--stage": "authority_notification", "--at": NOW}),
    "notify waive": (["INC-0001"], {"--regime": "gdpr", "--stage": "authority_notification", "--reason": "r",
                                    "--decided-by": "d"}),
    "postmortem export": (["INC-0001"], {}),
    "postmortem lint": (["INC-0001"], {}),
    "report audit-pack": ([], {"--framework": "gdpr", "-o": "{dir}/p.pdf"}),
    "timeline add": (["INC-0001"], {"--at": NOW, "--kind": "other", "--text": "t"}),
    "timeline export": (["INC-0001"], {}),
    "timeline import": (["INC-0001", "{file}"], {}),
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """One store (SQLite: the refusals happen before any storage) with an incident and an evidence item."""
    from click.testing import CliRunner

    from compliance.db.store import init_store

    root = tmp_path_factory.mktemp("unknown-values")
    store, _, _ = init_store(url=f"sqlite:///{root / 'compliance.db'}", evidence_dir=root / "evidence")
    store.close()
    env = {"COMPLIANCE_DB": f"sqlite:///{root / 'compliance.db'}", "COMPLIANCE_EVIDENCE": str(root / "evidence"),
           "COMPLIANCE_ACTOR": "test-runner", "COMPLIANCE_TIMEZONE": None}

    def run(args):
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    run(["incident", "open", "--title", "t", "--severity", "sev2", "--detected-at", NOW, "--aware-at", NOW,
         "--regime", "gdpr", "--regime", "nis2"])
    evidence = root / "e.txt"
    evidence.write_text("x")
    assert run(["evidence", "add", "INC-0001", str(evidence), "--collected-by", "a"]).exit_code == 0
    return run, root, evidence


def _commands(command=cli, path=()):
    if isinstance(command, click.Group):  # lazy groups load their commands when looked up
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            yield from _commands(command.get_command(ctx, name), (*path, name))
    else:
        yield " ".join(path), command


def _enumerated_options():
    for path, command in _commands():
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            flag = param.opts[0]
            if isinstance(param.type, click.Choice) or flag in ENUMERATED:
                yield pytest.param(path, flag, id=f"{path} {flag}")


def test_every_option_is_classified_as_enumerated_or_free_text():
    unclassified = {f"{path} {p.opts[0]}" for path, command in _commands() for p in command.params
                    if isinstance(p, click.Option) and not p.is_flag and not isinstance(p.type, click.Choice)
                    and p.opts[0] not in ENUMERATED | FREE}
    assert unclassified == set()


@pytest.mark.parametrize("path, flag", list(_enumerated_options()))
def test_an_unknown_value_is_refused_in_one_line(prepared, path, flag):
    cli_run, tmp_path, evidence = prepared
    positional, options = BASE.get(path, ([], {}))
    args = [*path.split(), *(a.format(file=evidence, dir=tmp_path) for a in positional)]
    for name, value in options.items():
        if name != flag:
            args += [name, value.format(dir=tmp_path)]
    bad = "nosuch/stage=24" if flag == "--stage-hours" else BAD
    result = cli_run([*args, flag, bad])
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert bad.split("/")[0].lower() in lines[0].lower() and "Traceback" not in result.stderr


@pytest.mark.parametrize("call, message", [
    (lambda r: r.check_entity_type("qualified_trust_servce_provider"),
     "did you mean qualified_trust_service_provider or trust_service_provider?"),
    (lambda r: r.check_member_state("XX"), "unknown Member State 'XX' for regime 'nis2' (valid: AT, BE"),
])
def test_the_library_refuses_unknown_entity_types_and_member_states(call, message):
    from compliance.core.errors import ValidationError
    from compliance.deadlines.regimes import get_regime

    with pytest.raises(ValidationError) as caught:
        call(get_regime("nis2"))
    assert message in str(caught.value)


def test_deadlines_compute_with_a_misspelt_entity_type_no_longer_falls_back_to_the_general_rule(cli_run):
    base = ["deadlines", "compute", "--regime", "nis2", "--clock-start", NOW, "--stage", "incident_notification"]
    refused = cli_run([*base, "--entity-type", "qualified_trust_servce_provider"])
    assert refused.exit_code == 1 and "unknown entity type 'qualified_trust_servce_provider'" in refused.stderr
    known = cli_run([*base, "--entity-type", "qualified_trust_service_provider"])
    assert known.exit_code == 0 and "24 h elapsed" in known.stdout


def test_deadlines_regimes_lists_the_entity_types_and_member_states_each_regime_knows(cli_run):
    import json

    rows = {r["regime"]: r for r in json.loads(cli_run(["deadlines", "regimes", "--json"]).stdout)}
    assert "qualified_trust_service_provider" in rows["nis2"]["entity_types"] and "DE" in rows["dora"]["member_states"]
    assert rows["hipaa"]["entity_types"] == ["business_associate"] and rows["hipaa"]["member_states"] == []
