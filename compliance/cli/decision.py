"""`compliance decision …`: the declaration decision, the breach risk assessment and the significance rule."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import emit_json, json_option, pass_store, print_fields, timezone_option
from compliance.core.timeutil import parse_instant


@click.group("decision", cls=ComplianceGroup)
def decision_group() -> None:
    """Record the decisions auditors ask to see: declaring an incident, assessing the risk of a breach."""


@decision_group.command("declare")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--outcome", required=True, metavar="OUTCOME", help="incident or not_incident.")
@click.option("--type", "incident_type", required=True, metavar="TYPE",
    help="Incident category: malware, ransomware, phishing, unauthorised_access, data_exfiltration, data_disclosure, "
         "denial_of_service, vulnerability_exploitation, misconfiguration, lost_or_stolen_device, insider_misuse, "
         "third_party, availability_failure, other.")
@click.option("--rubric", required=True, metavar="TEXT",
    help="The criteria applied, e.g. 'IR plan §4 matrix v3: impact high x urgency high'.")
@click.option("--rationale", metavar="TEXT", help="Why the criteria were (not) met.")
@click.option("--decided-by", required=True, metavar="NAME", help="Who decided (role).")
@click.option("--at", "at", metavar="ISO", help="When the decision was taken (default: now).")
@timezone_option
@pass_store
@json_option
def declare_command(store, as_json, tz, incident_id, outcome, incident_type, rubric, rationale, decided_by, at) -> None:
    """Record the decision that an event is (or is not) an incident (ISO A.5.25, CSF DE.AE-08, RS.MA-03).

    Example:

    \b
        compliance decision declare INC-0001 --outcome incident --type ransomware \\
            --rubric "IR plan §4 matrix: impact high x urgency high" --decided-by "incident commander"
    """
    from compliance.decisions.service import declaration_to_dict, record_declaration
    from compliance.incidents.service import get_incident

    instant = parse_instant(at, field="--at", tz=tz) if at else None
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        data = {"incident": incident.ref, **declaration_to_dict(record_declaration(
            session=session, incident=incident, outcome=outcome, incident_type=incident_type, rubric=rubric,
            rationale=rationale, decided_by=decided_by, decided_at=instant))}
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['incident']}: declared {data['outcome']} ({data['incident_type']}) by {data['decided_by']}")


@decision_group.command("assess")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--regime", default="gdpr", show_default=True, metavar="ID", help="gdpr or uk_gdpr.")
@click.option("--likelihood", required=True, metavar="RATING", help="Likelihood of consequences for people: low, medium, high.")
@click.option("--severity", required=True, metavar="RATING", help="Severity of those consequences: low, medium, high.")
@click.option("--level", required=True, metavar="LEVEL",
    help="none (unlikely to result in a risk: no Art. 33 notification), risk (notify the authority), "
         "high (also tell the data subjects, Art. 34).")
@click.option("--rationale", required=True, metavar="TEXT", help="Why this level.")
@click.option("--exemption", metavar="CODE", help="Art. 34(3) exemption relied on: a, b or c.")
@click.option("--exemption-reason", metavar="TEXT", help="Why the exemption applies.")
@click.option("--decided-by", required=True, metavar="NAME", help="Who assessed (e.g. DPO).")
@click.option("--at", "at", metavar="ISO", help="When (default: now).")
@timezone_option
@pass_store
@json_option
def assess_command(store, as_json, tz, incident_id, regime, likelihood, severity, level, rationale, exemption,
                   exemption_reason, decided_by, at) -> None:
    """Record the risk assessment of a personal-data breach (GDPR Art. 33(1), 34(1), 34(3)).

    Example:

    \b
        compliance decision assess INC-0002 --likelihood low --severity medium --level none \\
            --rationale "Encrypted laptop, key not compromised" --decided-by DPO
    """
    from compliance.decisions.service import breach_assessment_to_dict, record_breach_assessment
    from compliance.incidents.service import get_incident

    instant = parse_instant(at, field="--at", tz=tz) if at else None
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        data = {"incident": incident.ref, **breach_assessment_to_dict(record_breach_assessment(
            session=session, incident=incident, regime=regime, likelihood=likelihood, severity=severity, level=level,
            rationale=rationale, exemption=exemption, exemption_reason=exemption_reason, decided_by=decided_by,
            decided_at=instant))}
    if as_json:
        emit_json(data)
    else:
        click.echo(f"{data['incident']}: {data['regime']} risk {data['level']} assessed by {data['decided_by']}")


@decision_group.command("classify")
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--regime", default="dora", show_default=True, metavar="ID", help="dora (Regulation (EU) 2022/2554 Art. 18).")
@click.option("--criteria", required=True, metavar="LIST",
    help="Comma-separated criteria whose threshold (Delegated Regulation (EU) 2024/1772 Arts. 6 and 9) is met: "
         "critical_services, malicious_access (Art. 9(5)(b)), clients, reputational, duration, geographical, "
         "data_losses (Art. 9(5)(a)), economic; or none.")
@click.option("--rationale", required=True, metavar="TEXT", help="The figures behind each criterion (clients, hours...).")
@click.option("--decided-by", required=True, metavar="NAME", help="Who classified (role).")
@click.option("--at", "at", metavar="ISO", help="When the classification was made (default: now).")
@timezone_option
@pass_store
@json_option
def classify_command(store, as_json, tz, incident_id, regime, criteria, rationale, decided_by, at) -> None:
    """Record the DORA classification of an incident; major or not is computed (2024/1772 Art. 8(1)).

    Major: critical services affected, and either a malicious unauthorised access that may lose data
    (malicious_access, Art. 9(5)(b)) or at least two other thresholds (data_losses, Art. 9(5)(a), is one).

    Example:

    \b
        compliance decision classify INC-0003 --criteria critical_services,clients,duration \\
            --rationale "card payments down 3 h for 14% of clients" --decided-by "incident commander"
    """
    from compliance.decisions.service import classification_to_dict, record_classification
    from compliance.incidents.service import get_incident

    instant = parse_instant(at, field="--at", tz=tz) if at else None
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        data = {"incident": incident.ref, **classification_to_dict(record_classification(
            session=session, incident=incident, regime=regime, criteria=criteria, rationale=rationale,
            decided_by=decided_by, decided_at=instant))}
    if as_json:
        emit_json(data)
    else:
        outcome = "major" if data["major"] else "not major"
        click.echo(f"{data['incident']}: {data['regime']} {outcome} ({', '.join(data['criteria']) or 'no criterion met'}) "
                   f"classified by {data['decided_by']}")


@decision_group.command("show")
@click.argument("incident_id", metavar="INCIDENT")
@pass_store
@json_option
def show_command(store, as_json, incident_id) -> None:
    """Show every declaration decision, breach assessment and classification of an incident, oldest first.

    Example:

    \b
        compliance decision show INC-0001
    """
    from compliance.decisions.service import get_incident_decisions
    from compliance.incidents.service import get_incident

    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id)
        data = {"incident": incident.ref, **get_incident_decisions(session=session, incident=incident)}
    if as_json:
        emit_json(data)
        return
    for row in data["declarations"]:
        click.echo(f"declared {row['outcome']} ({row['incident_type']}) by {row['decided_by']} at {row['decided_at']}: "
                   f"{row['rubric']}")
    for row in data["breach_assessments"]:
        exemption = f", exemption 34(3)({row['exemption']})" if row["exemption"] else ""
        click.echo(f"{row['regime']} risk {row['level']} (likelihood {row['likelihood']}, severity {row['severity']}"
                   f"{exemption}) by {row['decided_by']} at {row['decided_at']}: {row['rationale']}")
    for row in data["classifications"]:
        click.echo(f"{row['regime']} {'major' if row['major'] else 'not major'} "
                   f"({', '.join(row['criteria']) or 'no criterion met'}) by {row['decided_by']} at {row['decided_at']}: "
                   f"{row['rationale']}")
    if not data["declarations"] and not data["breach_assessments"] and not data["classifications"]:
        click.echo("(no decisions recorded)")


@decision_group.command("significance")
@click.option("--severity-at-least", metavar="SEV", help="Incidents this severe or worse are significant (sev1..sev4).")
@click.option("--personal-data/--no-personal-data", default=None, help="Whether every personal-data breach is significant.")
@click.option("--regime", "regimes", multiple=True, metavar="ID",
    help="Regimes that make an incident significant (repeatable; '*' any regime; 'none' to clear).")
@pass_store
@json_option
def significance_command(store, as_json, severity_at_least, personal_data, regimes) -> None:
    """Show or change which incidents are significant (ISO A.5.27 and SOC 2 CC7.5 reviews apply to them).

    Example:

    \b
        compliance decision significance --severity-at-least sev2 --personal-data --regime '*'
    """
    from compliance.decisions.service import describe_significance_rule, set_significance_rule

    chosen = None if not regimes else [r for r in regimes if r.strip().lower() != "none"]
    with store.session(immediate=True) as session:
        rule = set_significance_rule(session=session, severity_at_least=severity_at_least, personal_data=personal_data,
                                     regimes=chosen)
    if as_json:
        emit_json({**rule, "text": describe_significance_rule(rule)})
    else:
        print_fields([("severity_at_least", rule["severity_at_least"]), ("personal_data", rule["personal_data"]),
                      ("regimes", ", ".join(rule["regimes"]) or "(none)"), ("rule", describe_significance_rule(rule))])


COMMANDS = [decision_group]
