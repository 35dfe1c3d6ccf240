"""Demo evidence: small realistic files (log excerpts, chat transcripts, config diffs) with custody events.

Everything is derived from `rng` and the incidents' own instants, never the wall clock, so the same
seed and `as_of` give the same bytes, hashes and chain head.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from compliance.custody.evidence import add_evidence
from compliance.custody.service import record_custody_event
from compliance.demo.scenarios import PEOPLE
from compliance.incidents.service import get_incident

SHARE = 0.6  # share of incidents that get evidence
_HOLDERS = ["Forensics team", "Legal counsel", "External IR firm (Northwind DFIR)"]
_IPS = ["203.0.113.", "198.51.100.", "192.0.2."]


_AGENTS = ['curl/8.4', 'Mozilla/5.0', 'python-requests/2.31']


def _log_excerpt(rng: random.Random, service: str, start: datetime) -> bytes:
    lines = []
    at = start
    for _ in range(rng.randint(40, 90)):
        at += timedelta(seconds=rng.randint(1, 40), microseconds=rng.randint(0, 999) * 1000)
        ip = rng.choice(_IPS) + str(rng.randint(2, 254))
        status = rng.choice([200, 200, 401, 401, 401, 403, 429, 500])
        path = rng.choice(["/login", "/api/v2/session", "/export", "/checkout", "/upload"])
        lines.append(f"{at:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + f"Z {service} src={ip} method=POST path={path} "
                     f"status={status} bytes={rng.randint(120, 9000)} ua=\"{rng.choice(_AGENTS)}\"")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _transcript(rng: random.Random, title: str, start: datetime) -> bytes:
    people = rng.sample(PEOPLE, 3)
    said = [
        "Seeing the alert, looking now.", "Confirmed, this is not a false positive.",
        "Declaring an incident; I will take incident commander.", "Pulling logs from the last two hours.",
        "Containment first: can we block at the edge?", "Blocked. Traffic dropping.",
        "Preserving the logs before rotation; exporting to the evidence store.",
        "Legal is aware; we may need to notify the regulator.", "Status page drafted, please review.",
    ]
    at = start
    out = [f"# incident channel export: {title}"]
    for text in said[: rng.randint(5, len(said))]:
        at += timedelta(minutes=rng.randint(1, 12))
        out.append(f"[{at:%Y-%m-%d %H:%M}Z] {rng.choice(people)}: {text}")
    return ("\n".join(out) + "\n").encode("utf-8")


def _config_diff(rng: random.Random, service: str) -> bytes:
    old, new = rng.randint(200, 1000), rng.randint(10, 40)
    return (f"--- a/deploy/{service}/limits.yaml\n+++ b/deploy/{service}/limits.yaml\n@@ -3,6 +3,7 @@\n"
            f" service: {service}\n rate_limit:\n-  per_account: {old}\n+  per_account: {old}\n+  per_source_network: {new}\n"
            f"   window_seconds: 60\n").encode()


def add_demo_evidence(*, store, summary, rng: random.Random, as_of: datetime, workdir) -> dict[str, Any]:
    """Adds evidence files and custody events to a share of the demo incidents; returns counts for the summary."""
    folder = Path(workdir) / "collected"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    counts = {"evidence": 0, "custody_events": 0, "sealed": 0}
    for ref in summary.incidents:
        if rng.random() >= SHARE:
            continue
        with store.session() as session:
            incident = get_incident(session=session, ref=ref)
            detected, services, title = incident.detected_at, list(incident.affected_services), incident.title
        service = services[0] if services else "edge"
        collector = rng.choice(PEOPLE)
        kinds = rng.sample(["log", "chat", "diff"], rng.randint(1, 3))
        for kind in kinds:
            collected = min(detected + timedelta(minutes=rng.randint(15, 240)), as_of)
            if kind == "log":
                name, content, source = f"{service}-access.log", _log_excerpt(rng, service,
                    detected - timedelta(minutes=30)), "log platform export"
            elif kind == "chat":
                name, content, source = "incident-channel.txt", _transcript(rng, title, detected), "chat export"
            else:
                name, content, source = f"{service}-limits.diff", _config_diff(rng, service), "git"
            path = folder / f"{ref.lower()}-{name}"
            path.write_bytes(content)
            path.chmod(0o600)
            item = add_evidence(store=store, incident_ref=ref, path=path, collected_by=collector,
                                collected_at=collected, source=source, description=f"{kind} collected during {ref}")
            counts["evidence"] += 1
            counts["custody_events"] += 1
            at = collected
            holder = collector
            steps = []
            if rng.random() < 0.7:
                steps.append("transferred")
            if rng.random() < 0.6:
                steps.append("analysed")
            if rng.random() < 0.3:
                steps.append("sealed")
            for step in steps:
                at = at + timedelta(hours=rng.randint(1, 30))
                if at > as_of:
                    break
                if step == "transferred":
                    to = rng.choice(_HOLDERS)
                    record_custody_event(store=store, ref=item["id"], action="transferred", actor=holder, at=at,
                                         from_holder=holder, to_holder=to, reason="analysis and safekeeping",
                                         location="evidence locker, Berlin office")
                    holder = to
                elif step == "analysed":
                    record_custody_event(store=store, ref=item["id"], action="analysed", actor=holder, at=at,
                                         reason="timeline reconstruction")
                else:
                    record_custody_event(store=store, ref=item["id"], action="sealed", actor=holder, at=at,
                                         reason="legal hold pending regulator inquiry")
                    counts["sealed"] += 1
                counts["custody_events"] += 1
    return counts
