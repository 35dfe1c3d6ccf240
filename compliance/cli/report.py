"""`compliance report` commands: build a PDF audit pack, verify one."""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli.base import ComplianceGroup, ProgressBar
from compliance.cli.options import controls_dir_option, emit_json, json_option, store_options
from compliance.core.errors import IntegrityError, ValidationError
from compliance.core.exitcodes import ExitCode


@click.group("report", cls=ComplianceGroup)
def report() -> None:
    """Produce and verify PDF audit packs.

    Example:

    \b
        compliance report audit-pack --framework iso27001-2022 --framework gdpr \\
            --from 2026-01-01 --to 2026-03-31 -o q1.pdf
        compliance report verify q1.pdf
    """


@report.command("audit-pack")
@click.option("--framework", "frameworks", multiple=True, required=True, metavar="ID",
              help="Framework to assess (repeatable): iso27001-2022, soc2-2017, nist-sp800-61r3, gdpr, or your own.")
@click.option("--from", "period_from", metavar="DATE",
              help="First day of the period (YYYY-MM-DD, inclusive, in the organisation's time zone).")
@click.option("--to", "period_to", metavar="DATE",
              help="Last day of the period (YYYY-MM-DD, inclusive, in the organisation's time zone).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="PACK.pdf",
              help="Where to write the PDF; the manifest goes next to it as PACK.manifest.json.")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the manifest here instead of next to the PDF.")
@click.option("--csv-dir", "csv_dir", metavar="DIR",
              help="Also write the populations for sampling as CSV files here (incidents, obligations, actions, "
                   "evidence, requirements, events), redacted like the PDF and listed with their SHA-256 in the "
                   "manifest.")
@click.option("--allow-open-period", is_flag=True,
              help="Build a pack whose period ends after the generation instant (the cover says 'period still open').")
@click.option("--include-restricted", is_flag=True,
              help="Show restricted incidents in full (by default they are redacted rows, still counted).")
@click.option("--public", is_flag=True, help="Public edition: personal names are shown as roles.")
@click.option("--title", default=None, help="Title on the cover and in every footer.")
@click.option("--organisation", default=None, help="Organisation named on the cover.")
@click.option("--generated-at", "generated_at", metavar="INSTANT",
              help="Generation instant (ISO 8601 with offset); the same store, options and instant "
                   "give a byte-identical unsigned PDF. Default: now.")
@click.option("--sign-key", type=click.Path(dir_okay=False), metavar="KEY.pem",
              help="Private key (PEM/DER) to sign the pack with (PAdES); needs --sign-cert.")
@click.option("--sign-cert", type=click.Path(dir_okay=False), metavar="CERT.pem",
              help="Certificate matching --sign-key.")
@click.option("--sign-pkcs12", type=click.Path(dir_okay=False), metavar="FILE",
              help="PKCS#12 file (.p12/.pfx) with key and certificate. Passphrases come from "
                   "COMPLIANCE_SIGN_PASSPHRASE.")
@click.option("--tsa-url", metavar="URL",
              help="RFC 3161 timestamp server: adds a document timestamp over the final pack (signed or not).")
@click.option("--force", is_flag=True, help="Replace an existing pack and manifest (refused otherwise).")
@click.option("--allow-broken", is_flag=True,
              help="Produce the pack even if the custody chain does not verify (the cover says so).")
@click.option("--prepared-by", metavar="NAME", help="Who prepared the pack (management assertion; at generation).")
@click.option("--approved-by", metavar="NAME", help="Who approved the pack (management assertion); needs --approved-at.")
@click.option("--approved-at", metavar="INSTANT", help="When the pack was approved (ISO 8601 with offset).")
@controls_dir_option
@store_options
@json_option
def audit_pack(frameworks, period_from, period_to, output, manifest_path, csv_dir, allow_open_period, include_restricted, public,
               title, organisation, generated_at, sign_key, sign_cert, sign_pkcs12, tsa_url, force, allow_broken,
               prepared_by, approved_by, approved_at, controls_dirs, as_json, db_url, evidence_dir):
    """Build the PDF audit pack of a period and its manifest.

    Sections: cover, executive summary, control coverage per framework, breach
    notification register, one section per incident, trends, evidence manifest and
    integrity statement. Exits 4 if the custody chain does not verify (unless
    --allow-broken).

    Example:

    \b
        compliance report audit-pack --framework iso27001-2022 --framework gdpr \\
            --from 2026-01-01 --to 2026-03-31 --organisation "Example GmbH" \\
            --sign-key key.pem --sign-cert cert.pem --tsa-url https://tsa.example/ -o q1.pdf
    """
    from compliance.core.timeutil import parse_date, parse_instant, utcnow
    from compliance.reports.csvexport import check_csv_dir
    from compliance.reports.service import build_audit_pack, check_output, management_assertion
    from compliance.reports.settings import store_requires_signature
    from compliance.reports.sign import check_tsa_url, sign_options

    start = parse_date(period_from, field="--from") if period_from else None
    end = parse_date(period_to, field="--to") if period_to else None
    when = parse_instant(generated_at, field="--generated-at") if generated_at else utcnow().replace(microsecond=0)
    if start and end and start > end:
        raise ValidationError(f"{start} is after --to {end}", field="--from")
    sign = sign_options(key=sign_key, cert=sign_cert, pkcs12=sign_pkcs12)
    approved = parse_instant(approved_at, field="--approved-at") if approved_at else None
    management_assertion(prepared_by=prepared_by, approved_by=approved_by, approved_at=approved, generated_at=when)
    check_tsa_url(tsa_url)
    check_output(output, manifest_path, force=force)
    if csv_dir is not None:
        check_csv_dir(csv_dir, force=force)
    store = _open_store(db_url, evidence_dir)  # only once every option is known to be valid
    if sign is None and store_requires_signature(store):
        raise ValidationError("this store requires signed packs (report settings --require-signature): give "
                              "--sign-key with --sign-cert, or --sign-pkcs12", field="--sign-key")
    bar = None if as_json else ProgressBar("rendering the pack")  # stderr, on a terminal, after a second
    try:
        result = build_audit_pack(
            store=store, frameworks=list(frameworks), period_from=start, period_to=end,
            include_restricted=include_restricted, public=public, title=title, organisation=organisation,
            generated_at=when, output=output, sign=sign, allow_broken=allow_broken, manifest_path=manifest_path,
            controls_dirs=list(controls_dirs), allow_open_period=allow_open_period, tsa_url=tsa_url, force=force,
            prepared_by=prepared_by, approved_by=approved_by, approved_at=approved, csv_dir=csv_dir, progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        emit_json({"pdf": str(result.pdf_path), "manifest": str(result.manifest_path), "sha256": result.sha256,
                   "size": result.size, "pages": result.pages, "signed": result.signed, "signer": result.signer,
                   "incidents": result.incidents, "restricted_excluded": result.restricted_excluded,
                   "restricted_redacted": result.restricted_redacted,
                   "chain_broken": result.chain_broken, "timestamp": result.timestamp,
                   "csv_dir": str(result.csv_dir) if result.csv_dir else None, "csv": result.csv})
        return
    click.echo(f"wrote {result.pdf_path} ({result.pages} pages, {result.incidents} incidents"
               + (f", {result.restricted_redacted} restricted shown redacted" if result.restricted_redacted else "")
               + (f", signed by {result.signer}" if result.signed else "") + ")")
    click.echo(f"manifest {result.manifest_path}  sha256 {result.sha256}")
    if result.csv:
        click.echo(f"csv {result.csv_dir}: " + ", ".join(f"{c['file']} ({c['rows']} rows)" for c in result.csv))
    if result.timestamp:
        click.echo(f"timestamp {result.timestamp['instant']} ({result.timestamp['note']})")
        if result.timestamp["claim"] != "ok":
            click.echo(f"warning: {result.timestamp['note']}", err=True)
    if result.chain_broken:
        click.echo("warning: the custody chain did not verify; the cover says so", err=True)


@report.command("verify")
@click.argument("pack", type=click.Path(dir_okay=False), metavar="PACK.pdf")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Manifest to check the pack against (default: PACK.manifest.json next to it, if present).")
@click.option("--store", "use_store", is_flag=True,
              help="Also check every evidence hash of the manifest against the store (--db/--evidence-dir).")
@click.option("--trust", "trust", multiple=True, type=click.Path(dir_okay=False), metavar="CERT.pem",
              help="Certificate the signer and the timestamp authority must chain to (repeatable); "
                   "without it trust is not checked and the pack is not proven authentic.")
@click.option("--require-signature", is_flag=True,
              help="Fail (exit 4) unless the pack is signed and the signer chains to --trust.")
@store_options
@json_option
def verify(pack, manifest_path, use_store, trust, require_signature, db_url, evidence_dir, as_json):
    """Check a pack: signature and trust, timestamp, its hash against the manifest, and (with --store) the evidence.

    Prints whether the pack is signed, the signer certificate's SHA-256 fingerprint and subject,
    whether it chains to --trust, the timestamp's instant beside the claimed generation instant,
    which manifest was used (side-car or embedded), and a verdict. An unsigned pack, or one
    verified without --trust, is reported as NOT proven authentic (exit 0 unless
    --require-signature, or the store's setting with --store). Exits 4 when a check fails.

    Example:

    \b
        compliance report verify q1.pdf
        compliance report verify q1.pdf --manifest q1.manifest.json --store --trust ca.pem --require-signature
    """
    from compliance.reports.settings import store_requires_signature
    from compliance.reports.verify import verify_pack

    store = _open_store(db_url, evidence_dir) if use_store else None
    required = require_signature or (store is not None and store_requires_signature(store))
    result = verify_pack(pdf_path=pack, manifest_path=manifest_path, store=store,
                         trust_certs=[Path(t) for t in trust], require_signature=required)
    if as_json:
        emit_json({"pdf": result.pdf, "sha256": result.sha256, "ok": result.ok, "signed": result.signed,
                   "authentic": result.authentic, "verdict": result.verdict, "manifest": result.manifest_source,
                   "signer": result.signer, "signature_required": required,
                   "timestamps": [{"instant": t.get("instant"), "tsa": t.get("tsa"), "ok": t.get("ok"),
                                   "trusted": t.get("trusted")} for t in result.timestamps],
                   "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "warning": c.warning}
                              for c in result.checks]})
        if not result.ok:
            click.get_current_context().exit(int(ExitCode.INTEGRITY))
        return
    for c in result.checks:
        mark = "WARN" if c.warning and c.ok is not False else {True: "ok  ", False: "FAIL", None: "--  "}[c.ok]
        click.echo(f"{mark} {c.name}: {c.detail}")
    click.echo(f"verdict: {result.verdict}")
    if not result.ok:
        failure = result.first_failure
        raise IntegrityError(f"{failure.name}: {failure.detail}")


@report.command("settings")
@click.option("--require-signature/--no-require-signature", "require_signature", default=None,
              help="Require signed packs from this store: audit-pack refuses to produce an unsigned pack and "
                   "verify --store fails an unsigned or untrusted one.")
@store_options
@json_option
def settings(require_signature, db_url, evidence_dir, as_json):
    """Show or change the store's audit-pack settings (signatures required or not).

    Example:

    \b
        compliance report settings --require-signature
        compliance report verify q1.pdf --store --trust ca.pem   # now fails unless signed and trusted
    """
    from compliance.reports.settings import get_report_settings, set_report_settings

    store = _open_store(db_url, evidence_dir)
    with store.session(immediate=require_signature is not None) as session:
        if require_signature is None:
            values = get_report_settings(session=session)
        else:
            values = set_report_settings(session=session, require_signature=require_signature)
    if as_json:
        emit_json(values)
        return
    for key, value in values.items():
        click.echo(f"{key}: {'yes' if value else 'no'}")


def _open_store(db_url: str, evidence_dir: str):
    from compliance.db.store import open_store

    store = open_store(url=db_url, evidence_dir=evidence_dir)
    click.get_current_context().call_on_close(store.close)
    return store


COMMANDS: list = [report]
