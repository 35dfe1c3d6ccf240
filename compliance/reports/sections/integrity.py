"""Integrity: the custody chain's head and verification result, and the evidence manifest (full SHA-256)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from compliance.reports.flowables import Callout
from compliance.reports.formats import fmt_instant, fmt_size
from compliance.reports.text import clip, esc, fill, plain
from compliance.reports.writer import PackWriter

MANIFEST_TITLE = "Evidence manifest"
LEDGER_KINDS = {
    "incident": "incidents", "incident_change": "incident changes (audit trail)", "timeline_entry": "timeline entries",
    "notification": "notification filings", "notification_waiver": "notification waivers",
    "postmortem": "post-mortems", "action_item": "action items", "evidence": "evidence items",
    "custody_event": "custody events", "incident_declaration": "declaration decisions",
    "breach_assessment": "breach risk assessments", "programme_evidence": "programme evidence",
    "dora_classification": "DORA classifications", "notification_delay": "recorded notification delays",
    "setting": "store settings (time zone, deadline windows, rules, scope)",
}


def build(w: PackWriter) -> list[Flowable]:
    """The verification callout, the chain facts, how to verify, and the evidence manifest."""
    pack, wording, integrity = w.pack, w.wording, w.pack.integrity
    head = integrity.chain_head or "— (no custody entries)"
    out: list[Flowable] = [w.markup(esc(wording["integrity_intro"]))]
    if integrity.broken or not integrity.verified:
        text = fill(wording["integrity_broken"], generated=fmt_instant(pack.generated_at),
                    message=clip(integrity.message or "verification failed", w.limit("cell_chars")), head=head)
        out.append(Callout(Paragraph(text, w.styles.broken_text), w.width, w.colours["broken"], w.colours["broken"]))
    else:
        text = fill(wording["integrity_ok"], length=integrity.chain_length, generated=fmt_instant(pack.generated_at),
                    head=head)
        out.append(Callout(Paragraph(text, w.styles.body), w.width, w.colours["zebra"], w.colours["accent"]))
    out.append(Spacer(1, 4))
    out.append(w.kv_table([
        ("Store fingerprint (ledger head)", Paragraph(esc(integrity.ledger_head or "—", limit=200), w.styles.mono)),
        ("Ledger entries", str(integrity.ledger_length)),
        ("Custody chain head", Paragraph(esc(head, limit=200), w.styles.mono)),
        ("Custody chain entries", str(integrity.chain_length)),
        ("Full verification", "passed" if (integrity.verified and not integrity.broken) else "FAILED"),
        ("Verified at", fmt_instant(pack.generated_at)),
    ], cols=1, label_w=0.25))
    if integrity.ledger_counts:
        out.append(Spacer(1, 4))
        out += w.table(["Records covered by the ledger", "Count"],
                       [[w.cell(LEDGER_KINDS.get(kind, kind)), plain(str(n), 12)]
                        for kind, n in sorted(integrity.ledger_counts.items())],
                       [w.width - 30 * mm, 30 * mm])
        shown = sum(len(ev.custody) for ev in pack.all_evidence())
        counted = integrity.chain_length
        if shown < counted:
            out.append(w.paragraph(
                f"{counted} custody events are counted and verified; {shown} are listed on the incident pages of "
                f"this pack. The other {counted - shown} belong to evidence of incidents outside the period or "
                "shown only as redacted rows (restricted), and are verified the same way."))
    out.append(Spacer(1, 4))
    out.append(w.markup(wording["how_to_verify"], w.styles.muted))
    out.append(w.h2(MANIFEST_TITLE))
    evidence = pack.all_evidence()
    if not evidence:
        out.append(w.paragraph(wording["no_evidence"]))
        return out
    rows = [[Paragraph(f"<b>{esc(ev.ref, limit=80)}</b><br/>{esc(ev.incident_ref, limit=80)}", w.styles.cell_id),
             w.cell(ev.filename), plain(fmt_size(ev.size), 14),
             Paragraph(esc(ev.sha256, limit=200), w.styles.mono)]
            for ev in evidence]
    out += w.table(["Evidence", "File", "Size", "SHA-256"], rows,
                   [22 * mm, w.width - 22 * mm - 16 * mm - 99 * mm, 16 * mm, 99 * mm])
    return out
