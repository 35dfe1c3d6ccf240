"""`compliance postmortem import|lint|export`: Markdown post-mortems in and out, and their review."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli.base import ComplianceCommand
from compliance.cli.options import default_actor, emit_json, json_option, pass_store, print_table, store_options
from compliance.core.errors import ValidationError
from compliance.core.exitcodes import ExitCode
from compliance.core.timeutil import utcnow


@click.command("import", cls=ComplianceCommand)
@click.argument("args", nargs=-1, metavar="[INCIDENT] FILE.md")
@click.option("--new", is_flag=True, help="Create the incident from the document's Key Facts.")
@click.option("--dry-run", is_flag=True, help="Show what would be created or changed; write nothing.")
@pass_store
@json_option
def import_command(store, as_json, args, new, dry_run) -> None:
    """Import a Markdown post-mortem into an incident (idempotent; says what changed).

    Follow-ups whose due date reads unknown, TBD or n/a import without one, owners are kept as
    written (person, team or @handle) and sections outside the template are kept verbatim; the
    review ('postmortem lint') says what is missing.

    Example:

    \b
        compliance postmortem import INC-0003 postmortem.md
        compliance postmortem import --new postmortem.md --dry-run
    """
    from compliance.incidents.service import get_incident
    from compliance.postmortems.importer import import_postmortem, preview_postmortem_import
    from compliance.postmortems.parser import parse_postmortem, read_markdown_file

    if new and len(args) != 1:
        raise ValidationError("with --new give only FILE.md", field="ARGS")
    if not new and len(args) != 2:
        raise ValidationError("give INCIDENT FILE.md, or --new FILE.md", field="ARGS")
    path = Path(args[-1])
    text = read_markdown_file(path)
    doc = parse_postmortem(text, source=str(path))
    with store.session(immediate=True) as session:
        incident = None if new else get_incident(session=session, ref=args[0])
        if incident is not None:
            doc = parse_postmortem(text, source=str(path), year=incident.detected_at.year)
        run = preview_postmortem_import if dry_run else import_postmortem
        result = run(session=session, doc=doc, text=text, source=str(path), incident=incident,
                     changed_by=default_actor())
    data = {"incident": result.incident, "created": result.created, "unchanged": result.unchanged,
            "changes": result.changes, "skipped": result.skipped, "dry_run": result.dry_run}
    if as_json:
        emit_json(data)
        return
    verb = "created" if result.created else ("unchanged" if result.unchanged else "updated")
    verb = f"would be {verb} (dry run: nothing written)" if dry_run else verb
    click.echo(f"{result.incident}: {verb}" + (f" ({'; '.join(result.changes)})" if result.changes else ""))
    for note in result.skipped:
        click.echo(f"note: {note}", err=True)


@click.command("lint", cls=ComplianceCommand)
@click.argument("target", metavar="INCIDENT|FILE.md")
@click.option("--disable", "disable", multiple=True, metavar="RULE",
              help="Skip a rule by code or name for this run (repeatable), on top of the store's switched-off rules.")
@store_options
@json_option
def lint_command(target, disable, db_url, evidence_dir, as_json) -> None:
    """Review a post-mortem for blameless practice; exit 1 when blocking findings exist.

    A file is reviewed on its own; an incident is reviewed from the store, without the rules
    the store switched off ('compliance postmortem rules').

    Example:

    \b
        compliance postmortem lint draft.md --disable PM017
        compliance postmortem lint INC-0003 --json
    """
    from compliance.postmortems.lint import review, review_input_from_parsed
    from compliance.postmortems.parser import parse_postmortem, read_markdown_file
    from compliance.postmortems.review import get_rule_codes

    skipped = get_rule_codes(disable, field="--disable")
    if target.lower().endswith((".md", ".markdown")) or Path(target).is_file():
        path = Path(target)
        doc = parse_postmortem(read_markdown_file(path), source=str(path))
        findings = review(review_input_from_parsed(doc), disabled=skipped)
        problems = doc.problems + doc.skipped
    else:
        from compliance.db.store import open_store
        from compliance.incidents.service import get_incident
        from compliance.postmortems.review import get_review_findings

        store = open_store(url=db_url, evidence_dir=evidence_dir)
        try:
            with store.session() as session:
                findings = get_review_findings(session=session, incident=get_incident(session=session, ref=target))
        finally:
            store.close()
        findings = [f for f in findings if f.code not in skipped]
        problems = []
    blocking = any(f.severity == "blocking" for f in findings)
    if as_json:
        emit_json({"target": target, "findings": [f.as_dict() for f in findings], "problems": problems,
                   "blocking": blocking})
    else:
        for f in findings:
            where = f"line {f.line}: " if f.line else ""
            click.echo(f"{where}{f.code} {f.severity} {f.message} — {f.suggestion}")
        for problem in problems:
            click.echo(f"{problem} (not parsed)")
        click.echo(f"{len(findings)} finding(s), {sum(f.severity == 'blocking' for f in findings)} blocking")
    click.get_current_context().exit(int(ExitCode.ERROR if blocking else ExitCode.OK))


@click.command("export", cls=ComplianceCommand)
@click.argument("incident_id", metavar="INCIDENT")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True, help="Output format.")
@click.option("--public", is_flag=True,
              help="External version: customer-visible timeline, people as roles or [redacted], major follow-ups only.")
@click.option("--include-restricted", is_flag=True, help="Allow a restricted incident in the --public version.")
@pass_store
def export_command(store, incident_id, fmt, public, include_restricted) -> None:
    """Export an incident's post-mortem as Markdown (re-importable) or JSON.

    Example:

    \b
        compliance postmortem export INC-0003 > INC-0003.md
        compliance postmortem export INC-0003 --public --format json
    """
    from compliance.incidents.service import get_incident
    from compliance.postmortems.exporter import get_public_postmortem_document, render_postmortem_markdown
    from compliance.postmortems.service import get_postmortem_document

    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id)
        if fmt == "md":
            click.echo(render_postmortem_markdown(session=session, incident=incident, public=public,
                                                  include_restricted=include_restricted), nl=False)
            return
        if public:
            document = get_public_postmortem_document(session=session, incident=incident,
                                                      include_restricted=include_restricted)
        else:
            document = get_postmortem_document(session=session, incident=incident, as_of=utcnow().date())
    emit_json(document)


@click.command("rules", cls=ComplianceCommand)
@click.option("--disable", "disable", multiple=True, metavar="RULE",
              help="Switch a review rule off for this store, by code or name (repeatable).")
@click.option("--enable", "enable", multiple=True, metavar="RULE",
              help="Switch a review rule back on for this store (repeatable).")
@pass_store
@json_option
def rules_command(store, as_json, disable, enable) -> None:
    """List the post-mortem review rules and switch them off or on for this store.

    Example:

    \b
        compliance postmortem rules
        compliance postmortem rules --disable PM017 --disable timeline-gap
        compliance postmortem rules --enable PM011 --json
    """
    from compliance.postmortems.lint import RULES
    from compliance.postmortems.review import get_disabled_rules, get_rule_codes, set_disabled_rules

    with store.session(immediate=bool(disable or enable)) as session:
        if disable or enable:
            off = set(set_disabled_rules(session=session, disable=disable, enable=enable))
        else:
            off = set(get_rule_codes(get_disabled_rules(session=session), field="lint.disabled_rules"))
    rows = [{"code": code, "name": rule.name, "severity": rule.severity, "enabled": code not in off,
             "finds": rule.message} for code, rule in RULES.items()]
    if as_json:
        emit_json(rows)
    else:
        print_table([{**r, "enabled": "yes" if r["enabled"] else "OFF"} for r in rows],
                    ["code", "name", "severity", "enabled", "finds"])
