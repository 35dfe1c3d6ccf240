"""`compliance controls …`: list, show and map requirements; validate framework files; assess incidents; coverage."""

from __future__ import annotations

import click

from compliance.cli.base import ComplianceGroup
from compliance.cli.options import (
    controls_dir_option,
    emit_json,
    json_option,
    pass_store,
    print_fields,
    print_table,
    timezone_option,
)
from compliance.core.exitcodes import ExitCode
from compliance.core.timeutil import parse_date, parse_instant, to_iso, utcnow

_SHORT = {"satisfied": "ok", "partial": "partial", "missing": "MISSING", "not_applicable": "n/a"}


def _load(controls_dirs, framework_ids=()):
    from compliance.controls.loader import load_frameworks
    from compliance.controls.service import select_frameworks

    frameworks = load_frameworks(extra_dirs=list(controls_dirs or ()))
    return frameworks, select_frameworks(frameworks=frameworks, ids=framework_ids)


def _as_of(value, tz):
    return parse_instant(value, field="--as-of", tz=tz) if value else utcnow()


def framework_option(func):
    """Adds `--framework ID` (repeatable): only these frameworks."""
    return click.option("--framework", "framework_ids", multiple=True, metavar="ID",
                        help="Only this framework (repeatable), e.g. iso27001-2022; default: all.")(func)


def as_of_option(func):
    """Adds `--as-of ISO`: the instant the assessment is made at."""
    return click.option("--as-of", metavar="ISO",
                        help="Assess as of this instant (default: now); decides what is not yet due.")(func)


@click.group("controls", cls=ComplianceGroup)
def controls_group() -> None:
    """Control frameworks in YAML and the assessment of incidents against them."""


@controls_group.command("list")
@framework_option
@controls_dir_option
@json_option
def list_command(framework_ids, controls_dirs, as_json) -> None:
    """List the requirements of every framework (or of --framework).

    Example:

    \b
        compliance controls list --framework gdpr
    """
    _, chosen = _load(controls_dirs, framework_ids)
    rows = [{"framework": f.id, "id": r.id, "title": r.title, "citation": r.citation,
             "mappings": list(r.mappings)} for f in chosen for r in f.requirements]
    if as_json:
        emit_json({"frameworks": [{"id": f.id, "name": f.name, "version": f.version, "path": f.path,
                                   "requirements": [r.id for r in f.requirements]} for f in chosen],
                   "requirements": rows})
    else:
        print_table(rows, ["framework", "id", "title", "citation"], empty="no requirements")


@controls_group.command("show")
@click.argument("requirement_id", metavar="REQ-ID")
@controls_dir_option
@json_option
def show_command(requirement_id, controls_dirs, as_json) -> None:
    """Show one requirement: paraphrase, citation, expected evidence, checks and mappings.

    REQ-ID as the standard writes it (A.5.27, CC7.4, RS.AN-03, Art.33(1)), or FRAMEWORK:REQ-ID
    when several frameworks use the same id.

    Example:

    \b
        compliance controls show A.5.27
    """
    from compliance.controls.service import get_requirement, requirement_to_dict

    frameworks, _ = _load(controls_dirs)
    data = requirement_to_dict(get_requirement(frameworks=frameworks, requirement_id=requirement_id))
    if as_json:
        emit_json(data)
        return
    print_fields([("requirement", f"{data['framework']}:{data['id']}"), ("title", data["title"]),
                  ("citation", data["citation"]), ("paraphrase", data["paraphrase"])])
    for label, key in (("evidence an auditor expects", "evidence"), ("points of focus", "points_of_focus"),
                       ("maps to", "mappings"), ("fields used", "fields")):
        if data[key]:
            click.echo(f"{label}:")
            for item in data[key]:
                click.echo(f"  - {item}")
    for label, key in (("applies when", "applies_when"), ("checks", "checks")):
        if data[key]:
            click.echo(f"{label}:")
            for spec in data[key]:
                click.echo(f"  - {_compact(spec)}")
    if data["partial"]:
        click.echo(f"partial (not missing) when only these fail: {', '.join(data['partial'])}")
    if data.get("notes"):
        click.echo(f"notes: {data['notes']}")


def _compact(spec) -> str:
    """Returns a check as one line of YAML flow style."""
    import yaml

    return yaml.safe_dump(spec, default_flow_style=True, sort_keys=False, width=10_000).strip()


@controls_group.command("map")
@click.argument("requirement_id", metavar="REQ-ID")
@controls_dir_option
@json_option
def map_command(requirement_id, controls_dirs, as_json) -> None:
    """Show what a requirement maps to in the other frameworks (both directions).

    Example:

    \b
        compliance controls map A.5.27
    """
    from compliance.controls.service import get_mappings

    frameworks, _ = _load(controls_dirs)
    data = get_mappings(frameworks=frameworks, requirement_id=requirement_id)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['requirement']}  {data['title']}")
    print_table(data["related"], ["framework", "id", "title", "direction"], empty="no mappings")


@controls_group.command("validate")
@click.argument("paths", nargs=-1, metavar="[PATH]...", type=click.Path())
@controls_dir_option
@json_option
def validate_command(paths, controls_dirs, as_json) -> None:
    """Validate framework and regime files: exit 0 when valid, 1 with one line per error ('file:line: what is wrong').

    PATH is a framework file, a regime file (…/regimes/NAME.yaml) or a folder (frameworks at its
    top, regimes in its regimes/ subfolder); the built-in files and --controls-dir folders are
    always checked too, so mappings into them resolve.

    Example:

    \b
        compliance controls validate ./my-controls/internal-ir.yaml
        compliance controls validate ./my-controls/regimes/contract-24h.yaml
    """
    from compliance.controls.service import validate_paths

    errors = validate_paths(paths=list(paths), extra_dirs=list(controls_dirs or ()))
    if as_json:
        emit_json({"valid": not errors, "errors": errors})
    else:
        for error in errors:
            click.echo(error, err=True)
        if not errors:
            click.echo("valid")
    if errors:
        click.get_current_context().exit(int(ExitCode.ERROR))


@controls_group.command("assess")
@click.argument("incident_id", metavar="INCIDENT")
@framework_option
@as_of_option
@timezone_option
@controls_dir_option
@pass_store
@json_option
def assess_command(store, incident_id, framework_ids, as_of, tz, controls_dirs, as_json) -> None:
    """Assess one incident: per requirement, status (satisfied/partial/missing/not_applicable), reason, fields used.

    Example:

    \b
        compliance controls assess INC-0001 --framework gdpr --json
    """
    from compliance.controls.service import assess_incident
    from compliance.incidents.service import get_incident

    instant = _as_of(as_of, tz)
    _, chosen = _load(controls_dirs, framework_ids)
    with store.session() as session:
        incident = get_incident(session=session, ref=incident_id)
        data = assess_incident(session=session, incident=incident, frameworks=chosen, as_of=instant)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['incident']}  {data['title']}  (as of {to_iso(data['as_of'])})")
    for framework in data["frameworks"]:
        totals = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in framework["totals"].items())
        click.echo(f"\n{framework['name']} [{framework['id']}]: {totals}")
        print_table([{"requirement": r["requirement"],
                      "status": r["status"] + (", exception" if r["exceptions"] and r["status"] == "satisfied" else ""),
                      "reason": r["reason"] or "; ".join(r["exceptions"]) or None}
                     for r in framework["results"]], ["requirement", "status", "reason"])


@controls_group.command("coverage")
@click.option("--from", "period_from", metavar="DATE", help="First day of the period (inclusive, YYYY-MM-DD, UTC).")
@click.option("--to", "period_to", metavar="DATE", help="Last day of the period (inclusive, YYYY-MM-DD, UTC).")
@framework_option
@click.option("--include-restricted", is_flag=True,
              help="Show the rows of restricted incidents (they are counted in the totals either way).")
@as_of_option
@timezone_option
@controls_dir_option
@pass_store
@json_option
def coverage_command(store, period_from, period_to, framework_ids, include_restricted, as_of, tz, controls_dirs,
                     as_json) -> None:
    """Show the coverage matrix: incidents detected in the period × requirements, with totals.

    Example:

    \b
        compliance controls coverage --from 2026-01-01 --to 2026-12-31 --framework iso27001-2022
    """
    from compliance.controls.service import get_coverage, period_bounds

    start = parse_date(period_from, field="--from") if period_from else None
    stop = parse_date(period_to, field="--to") if period_to else None
    period_bounds(period_from=start, period_to=stop)
    instant = _as_of(as_of, tz)
    _, chosen = _load(controls_dirs, framework_ids)
    with store.session() as session:
        data = get_coverage(session=session, frameworks=chosen, period_from=start, period_to=stop, as_of=instant,
                            include_restricted=include_restricted)
    if as_json:
        emit_json(data)
        return
    withheld = f" ({data['withheld']} restricted: counted, rows withheld)" if data["withheld"] else ""
    click.echo(f"{data['incidents']} incident(s){withheld}; as of {to_iso(data['as_of'])}")
    for framework in data["frameworks"]:
        ids = [r["id"] for r in framework["requirements"] if r.get("scope") != "organisation"]
        click.echo(f"\n{framework['name']} [{framework['id']}]")
        for org in framework.get("organisation", []):
            click.echo(f"organisation-level {org['requirement']}: {org['status']}"
                       + (f" ({org['reason']})" if org["reason"] else ""))
        rows = [{"incident": row["incident"], **{i: _SHORT[row["cells"][i]] for i in ids}}
                for row in framework["incidents"]]
        for status in ("satisfied", "partial", "missing", "not_applicable"):
            rows.append({"incident": f"total {_SHORT[status]}",
                         **{r["id"]: r["totals"][status] for r in framework["requirements"]}})
        print_table(rows, ["incident", *ids])
