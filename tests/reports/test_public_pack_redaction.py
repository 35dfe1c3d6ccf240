"""The public pack through the one redaction policy: `redact_tree(pack, policy)` before `render_pack(public=True)`.

This is how the pack is to call compliance.core.redaction (the pack service wires it in); the test holds the
policy to the leaks issue 12 found in public packs: custody notes and timeline actors naming people.
"""

from __future__ import annotations

from compliance.core.redaction import REDACTED, RedactionPolicy, redact_tree
from compliance.reports.model import CustodyLogEntry, TimelineRow
from compliance.reports.render import render_pack


def squash(text: str) -> str:
    return "".join(text.split())


def test_public_pack_shows_no_person_in_custody_notes_timeline_actors_or_texts(sample_model, text_of):
    model = sample_model(2)
    for inc in model.incidents:
        inc.timeline = [TimelineRow(at=inc.detected_at, kind="decision", actor="Dana Ruiz",
                                    text="Dana Ruiz isolated the host; call +44 20 7946 0958 or dana.ruiz@example.com")]
        for ev in inc.evidence:
            ev.custody = [CustodyLogEntry(seq=1, at=inc.detected_at, action="transferred", actor="Dana Ruiz",
                                       note="from Dana Ruiz to Forensics Ltd")]
        for action in inc.actions:
            action.status = "cancelled"
            action.description = "Cancelled follow-up of Dana Ruiz"
    policy = RedactionPolicy(["Dana Ruiz", "Forensics Ltd"])
    public = squash(" ".join(text_of(render_pack(redact_tree(model, policy), public=True))))
    for leak in ("DanaRuiz", "dana.ruiz", "7946", "Cancelledfollow-up"):
        assert leak not in public, leak
    assert squash(f"from {REDACTED} to Forensics Ltd") in public
    assert model.incidents[0].timeline[0].actor == "Dana Ruiz", "the internal model is not modified"
