"""`compliance postmortem …`: set content from YAML and show it (Markdown import/export/lint attach here too)."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import emit_json, json_option, pass_store
from compliance.core.errors import ValidationError
from compliance.core.timeutil import utcnow


@click.group("postmortem", cls=ComplianceGroup, lazy={
    "import": "compliance.cli.postmortem_md:import_command",
    "lint": "compliance.cli.postmortem_md:lint_command",
    "export": "compliance.cli.postmortem_md:export_command",
    "rules": "compliance.cli.postmortem_md:rules_command",
})
def postmortem_group() -> None:
    """Blameless post-mortems: content, review and export."""


@postmortem_group.command("set")
@click.argument("incident_id", metavar="ID")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_store
@json_option
def set_command(store, as_json, incident_id, file) -> None:
    """Set an incident's post-mortem fields from a YAML file.

    Keys: status, summary, impact_users, impact_duration_minutes, impact_money,
    impact_currency, impact_text, contributors, mitigators, risks, root_cause
    (list of {number: "1.1", text}), detection_analysis, diagnosis_analysis,
    mitigation_analysis, diagnostics, lessons (list of {number, text, category}),
    reviewer, drafted_at, in_review_at, published_at.

    Example:

    \b
        compliance postmortem set INC-0001 postmortem.yaml
    """
    from compliance.core.errors import DefinitionError
    from compliance.core.yamlload import load_yaml_file
    from compliance.incidents.service import get_incident
    from compliance.postmortems.service import get_postmortem_document, set_postmortem

    try:
        data = load_yaml_file(file)
    except DefinitionError as exc:
        raise ValidationError(str(exc), field="FILE") from None
    with store.session(immediate=True) as session:
        incident = get_incident(session=session, ref=incident_id)
        set_postmortem(session=session, incident=incident, data=data)
        document = get_postmortem_document(session=session, incident=incident, as_of=utcnow().date())
    if as_json:
        emit_json(document)
    else:
        click.echo(f"{incident_id}: post-mortem {document['status']}")


@postmortem_group.command("show")
@click.argument("incident_id", metavar="ID")
@pass_store
@json_option
def show_command(store, as_json, incident_id) -> None:
    """Show an incident's post-mortem with timeline, action items and theme tags.

    Example:

    \b
        compliance postmortem show INC-0001 --json
    """
    from compliance.incidents.service import get_incident
    from compliance.postmortems.service import get_postmortem_document

    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id)
        document = get_postmortem_document(session=session, incident=incident, as_of=utcnow().date())
    if as_json:
        emit_json(document)
        return
    click.echo(f"{document['incident']}: {document['title']} ({document['severity']})")
    if not document["exists"]:
        click.echo("no post-mortem yet")
    else:
        click.echo(f"status: {document['status']}  reviewer: {document['reviewer'] or '-'}")
        click.echo(f"summary: {document['summary'] or '-'}")
    for label in ("contributors", "mitigators", "risks"):
        for item in document[label]:
            click.echo(f"{label[:-1]}: {item}")
    for step in document["root_cause"]:
        click.echo(f"why {step['number']}: {step['text']}")
    for lesson in document["lessons"]:
        click.echo(f"lesson {lesson['number']}: {lesson['text']}")
    for action in document["action_items"]:
        owner, due = action["owner"] or "-", action["due"] or "-"
        click.echo(f"action {action['ref']} [{action['status']}] {owner} due {due}: {action['description']}")
