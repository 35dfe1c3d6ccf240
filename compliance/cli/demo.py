"""`compliance demo`: a realistic seeded store and its audit pack, from nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from compliance.cli.base import ComplianceCommand
from compliance.cli.options import emit_json, json_option
from compliance.core.errors import ConflictError
from compliance.core.timeutil import parse_instant, utcnow

MARKER = ".compliance-demo"
DEFAULT_FRAMEWORKS = ("iso27001-2022", "soc2-2017", "nist-sp800-61r3", "gdpr")


@click.command("demo", cls=ComplianceCommand)
@click.option("--dir", "directory", default="demo", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the demo store (SQLite file and evidence); replaced if it holds an earlier demo.")
@click.option("--incidents", default=24, show_default=True, type=click.IntRange(1, 5000), help="How many incidents to generate.")
@click.option("--seed", default=7, show_default=True, type=int, help="Random seed: the same seed gives the same data.")
@click.option("--as-of", metavar="ISO", help="The demo's 'now' (default: the current instant, to the minute).")
@click.option("-o", "--output", default="pack.pdf", show_default=True, type=click.Path(dir_okay=False),
              help="Audit pack to write (a PACK.manifest.json is written beside it).")
@click.option("--force", is_flag=True, help="Replace an existing pack and manifest at --output (refused otherwise).")
@json_option
def demo_command(directory, incidents, seed, as_of, output, force, as_json) -> None:
    """Create a demo store with a year of realistic incidents and render its audit pack.

    The data is varied: severities, personal-data breaches under several regimes, on-time and
    late notifications, evidence with custody transfers, post-mortems of varying quality, open
    and overdue action items, restricted incidents.

    Example:

    \b
        compliance demo -o pack.pdf
        compliance demo --dir /tmp/demo --incidents 100 --seed 3 -o big.pdf
    """
    from compliance.db.store import init_store
    from compliance.demo.generator import generate_demo
    from compliance.reports.service import build_audit_pack, check_output

    check_output(output, None, force=force)  # before the demo folder is replaced
    folder = Path(directory)
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise ConflictError(f"{folder} exists and is not an earlier demo: choose another --dir", field="--dir")
        shutil.rmtree(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / MARKER).write_text("created by 'compliance demo'; safe to delete\n", encoding="utf-8")
    now = parse_instant(as_of, field="--as-of") if as_of else utcnow().replace(second=0, microsecond=0)
    store, _, _ = init_store(url=f"sqlite:///{folder / 'compliance.db'}", evidence_dir=folder / "evidence")
    try:
        summary = generate_demo(store=store, incidents=incidents, seed=seed, as_of=now, workdir=folder)
        result = build_audit_pack(store=store, frameworks=list(DEFAULT_FRAMEWORKS), period_from=None, period_to=None,
                                  include_restricted=False, public=False, title=None,
                                  organisation="Example Payments GmbH (demo)", generated_at=now, output=output,
                                  force=force)
    finally:
        store.close()
    data = {"store": f"sqlite:///{folder / 'compliance.db'}", "evidence_dir": str(folder / "evidence"),
            "incidents": len(summary.incidents), "restricted": summary.restricted, **summary.extras,
            "pack": str(result.pdf_path), "manifest": str(result.manifest_path), "pages": result.pages,
            "sha256": result.sha256}
    if as_json:
        emit_json(data)
    else:
        click.echo(f"demo store: {data['store']} ({data['incidents']} incidents, {data['restricted']} restricted)")
        click.echo(f"audit pack: {data['pack']} ({data['pages']} pages, sha256 {data['sha256']})")
        click.echo(f"manifest:   {data['manifest']}")
        click.echo(f"try: COMPLIANCE_DB={data['store']} COMPLIANCE_EVIDENCE={data['evidence_dir']} compliance incident list")
