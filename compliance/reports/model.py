"""The audit-pack model: plain dataclasses the gatherer fills and the renderer reads.

RP-MODEL-1  The model carries facts only; wording, colours and layout live in `reports/audit-pack.yaml`.
RP-MODEL-2  Personal names and roles are both carried (`actor` / `actor_role`); the renderer picks
            the role when the pack is built with `--public`.
RP-MODEL-3  Instants are timezone-aware UTC; dates are calendar dates; the period is inclusive.
RP-MODEL-4  Restricted incidents are never silently dropped: without --include-restricted they are
            redacted rows (ref, severity, status, regimes, obligation statuses) counted in every figure.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime

from compliance.metrics.definitions import closure as closure_of
from compliance.metrics.definitions import resolve_hours

# Cell statuses of a coverage matrix, in display order.
SATISFIED = "satisfied"
PARTIAL = "partial"
MISSING = "missing"
NOT_APPLICABLE = "n/a"
CELL_STATUSES = (SATISFIED, PARTIAL, MISSING, NOT_APPLICABLE)
EXCEPTION = "exception"  # a satisfied cell with an exception: counted apart from plain satisfied (RP-EXC-1)

# Notification statuses (the incident document's obligation statuses); the first group sorts first.
ATTENTION_STATUSES = ("late_open", "undue_delay", "late", "open", "due_soon")
# not_required: derived from the regime's own breach assessment (Art. 34): not late, not open, not an exception.
NOTIFICATION_STATUSES = ATTENTION_STATUSES + ("on_time", "waived", "not_in_force", "not_required")


@dataclass
class Framework:
    """A framework or regime the pack assesses (id as in controls/, display name, version)."""

    id: str
    name: str
    version: str | None = None


@dataclass
class Metric:
    """A key metric with its target, e.g. MTTR 18.5 h against a target of 24 h."""

    name: str
    value: float | None
    unit: str = ""
    target: float | None = None
    # True when a lower value is better (MTTR); False when higher is better (closure rate).
    lower_is_better: bool = True
    note: str | None = None

    @property
    def met(self) -> bool | None:
        """Whether the value meets the target (None when either is unknown)."""
        if self.value is None or self.target is None:
            return None
        return self.value <= self.target if self.lower_is_better else self.value >= self.target


@dataclass
class NotificationTally:
    """Notification outcomes of one regime over the period."""

    regime: str
    on_time: int = 0
    late: int = 0
    open: int = 0
    waived: int = 0
    not_required: int = 0  # not owed under the regime's own breach assessment (never open, never an exception)
    not_in_force: int = 0  # the regime's rule was not yet in force at the stage's clock start (never open)
    exceptions: int = 0  # obligations met only with an exception (late with reasons, waived, before clock start)


@dataclass
class ActionClosure:
    """Action items of the period's incidents by state."""

    done: int = 0
    open: int = 0
    overdue: int = 0  # open and past due at generation time (also counted in `open`)
    cancelled: int = 0
    rate: float | None = None  # compliance.metrics.definitions.closure: among items due by the generation date

    @property
    def total(self) -> int:
        """All action items."""
        return self.done + self.open + self.cancelled

    @property
    def closure_rate(self) -> float | None:
        """The closure rate of the one definition (items due by the generation date), or None."""
        return self.rate


@dataclass
class ExecutiveSummary:
    """What the summary cannot derive from the sections: key metrics with targets, highlights.

    Incidents by severity, notification outcomes, coverage and action closure are derived from
    the sections by `AuditPack` so that the summary always agrees with the body.
    """

    metrics: list[Metric] = field(default_factory=list)
    highlights: list[str] = field(default_factory=list)


@dataclass
class Cell:
    """The assessment of one requirement for one incident."""

    incident_ref: str
    status: str  # one of CELL_STATUSES
    reasons: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)  # a satisfied cell with an exception is never plain

    @property
    def exception(self) -> bool:
        """Satisfied, but with an exception (late with reasons, waiver, filing before its clock start)."""
        return self.status == SATISFIED and bool(self.exceptions)


# The "incident" of an organisation-level requirement's one cell: judged once for the period, on programme evidence.
ORGANISATION_REF = "(organisation)"


@dataclass
class RequirementRow:
    """One requirement of a framework and its cells, one per incident of the matrix."""

    requirement_id: str
    title: str
    citation: str | None = None
    cells: list[Cell] = field(default_factory=list)
    scope: str = "incident"  # "organisation": one cell, ORGANISATION_REF, judged once for the period (RQ-ENG-06)

    def totals(self) -> dict[str, int]:
        """Number of cells in each status; `exception` counts satisfied cells with an exception (also in satisfied)."""
        out = {s: 0 for s in CELL_STATUSES}
        out[EXCEPTION] = 0
        for cell in self.cells:
            out[cell.status] = out.get(cell.status, 0) + 1
            out[EXCEPTION] += int(cell.exception)
        return out


@dataclass
class CoverageMatrix:
    """Requirements × incidents for one framework."""

    framework: Framework
    incident_refs: list[str] = field(default_factory=list)
    rows: list[RequirementRow] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        """Number of cells in each status over the whole matrix."""
        out = {s: 0 for s in CELL_STATUSES}
        out[EXCEPTION] = 0
        for row in self.rows:
            for status, n in row.totals().items():
                out[status] = out.get(status, 0) + n
        return out


@dataclass
class NotificationRow:
    """One notification obligation (incident × regime × stage) of the breach register."""

    incident_ref: str
    incident_title: str
    regime: str
    stage: str
    clock_start: datetime | None
    due: datetime | None
    notified_at: datetime | None
    status: str  # one of NOTIFICATION_STATUSES
    delay_reason: str | None = None
    waived: bool = False
    waiver_reason: str | None = None
    recipient: str | None = None
    reference: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    exceptions: list[str] = field(default_factory=list)  # late with reasons, waived, filed before its clock start
    basis: str | None = None  # why a stage without a fixed due is owed or not (GDPR Art. 34: the risk assessment)
    recorded_delay: str | None = None  # a lawful delay recorded for the stage (8-K Item 1.05(c), 45 CFR 164.412)

    @property
    def needs_attention(self) -> bool:
        """Late or still open: listed first."""
        return self.status in ATTENTION_STATUSES


@dataclass
class TimelineRow:
    """One timeline entry; `actor` is a person's name, `actor_role` its role (shown with --public)."""

    at: datetime
    kind: str
    text: str
    actor: str | None = None
    actor_role: str | None = None
    source: str | None = None
    customer_visible: bool = False


@dataclass
class RootCauseStep:
    """One step of a why-chain: number '1.2' (chain 1, depth 2) and its text."""

    number: str
    text: str


@dataclass
class Lesson:
    """A lesson learned."""

    number: int | str
    text: str
    category: str | None = None


@dataclass
class ActionRow:
    """An action item with its state at generation time."""

    ref: str
    description: str
    status: str
    owner: str | None = None
    owner_role: str | None = None
    due: date | None = None
    priority: str | None = None
    completed_at: datetime | None = None
    overdue: bool = False
    link: str | None = None
    success_criteria: str | None = None


@dataclass
class CustodyLogEntry:
    """One entry of an evidence item's chain-of-custody log."""

    seq: int
    at: datetime
    action: str
    actor: str | None = None
    actor_role: str | None = None
    note: str | None = None
    entry_hash: str | None = None


@dataclass
class EvidenceRow:
    """One evidence item: its content hash and its custody log."""

    ref: str
    incident_ref: str
    filename: str
    size: int
    sha256: str
    collected_by: str | None = None
    collected_by_role: str | None = None
    collected_at: datetime | None = None
    source: str | None = None
    description: str | None = None
    custody_verified: bool = False  # fail closed: unverified unless the store said verified
    custody: list[CustodyLogEntry] = field(default_factory=list)


@dataclass
class AssessmentRow:
    """One requirement's assessment for one incident (the incident's view of the matrix)."""

    framework_id: str
    requirement_id: str
    title: str
    status: str
    reasons: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    @property
    def exception(self) -> bool:
        """Satisfied, but with an exception: shown and counted apart from plain satisfied."""
        return self.status == SATISFIED and bool(self.exceptions)


@dataclass
class Finding:
    """A post-mortem review finding."""

    code: str
    severity: str  # blocking | warning | info
    message: str


@dataclass
class CrossCheck:
    """A review finding where two records of one incident disagree (compliance.crosschecks)."""

    code: str
    first: str  # the two records compared, e.g. "incident.aware_at 2026-03-01 10:00 UTC"
    second: str
    message: str


@dataclass
class PostmortemInfo:
    """The post-mortem of an incident as shown in the pack."""

    status: str
    summary: str | None = None
    impact: str | None = None
    drafted_at: datetime | None = None
    published_at: datetime | None = None
    reviewer: str | None = None
    reviewer_role: str | None = None
    contributors: list[str] = field(default_factory=list)
    mitigators: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    root_cause: list[RootCauseStep] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class IncidentSection:
    """Everything the pack shows about one incident."""

    ref: str
    title: str
    severity: str
    status: str
    detected_at: datetime
    description: str | None = None
    started_at: datetime | None = None
    aware_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    affected_services: list[str] = field(default_factory=list)
    personal_data: bool = False
    data_categories: list[str] = field(default_factory=list)
    data_subjects_approx: int | None = None
    records_approx: int | None = None
    affected_by_state: dict[str, int] = field(default_factory=dict)  # residents affected per State (HIPAA, State laws)
    regimes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    restricted: bool = False
    redacted: bool = False  # a restricted incident shown as a redacted row (no title, text or names)
    # Detection → awareness gap above the store's threshold (hours), and the written justification.
    awareness_gap_hours: float | None = None
    awareness_threshold_hours: float | None = None
    awareness_justification: str | None = None
    timeline: list[TimelineRow] = field(default_factory=list)
    postmortem: PostmortemInfo | None = None
    actions: list[ActionRow] = field(default_factory=list)
    evidence: list[EvidenceRow] = field(default_factory=list)
    assessment: list[AssessmentRow] = field(default_factory=list)
    crosschecks: list[CrossCheck] = field(default_factory=list)
    recurrences: list = field(default_factory=list)  # compliance.reports.registers.RecurrenceLink


@dataclass
class MonthlySeries:
    """Trend series, one value per month label ('2026-01')."""

    months: list[str] = field(default_factory=list)
    incidents_by_severity: dict[str, list[int]] = field(default_factory=dict)
    mttr_hours: list[float | None] = field(default_factory=list)
    actions_due: list[int] = field(default_factory=list)
    actions_closed: list[int] = field(default_factory=list)
    top_tags: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Integrity:
    """The custody chain at generation time: head hash and the result of a full verification."""

    chain_head: str | None
    chain_length: int = 0
    verified: bool = True
    broken: bool = False
    message: str | None = None
    store: dict | None = None  # what the manifest records about the store (compliance.integrity.pack)
    ledger_head: str | None = None  # the store fingerprint: the ledger's head hash ...
    ledger_length: int = 0  # ... at this many entries
    ledger_counts: dict[str, int] = field(default_factory=dict)  # records the ledger covers, per kind


@dataclass
class Population:
    """The period as exact instants and the reconciliation of the store's incidents against the pack."""

    zone: str = "UTC"
    first_instant: datetime | None = None  # None: from the first incident recorded
    last_instant: datetime | None = None  # None: up to the generation instant
    still_open: bool = False  # the period ends after the generation instant (--allow-open-period)
    in_store: int = 0  # incidents recorded in the store
    after_end: int = 0  # detected after the period's end (or after the generation instant)
    inactive: int = 0  # closed before the period's start, nothing of theirs in the period
    active: int = 0  # in the pack: active in the period
    activity_only: int = 0  # in the pack: only an obligation, filing or action in the period
    not_incident: int = 0  # detected by the period's end but assessed as not an incident (the event register)

    @property
    def in_pack(self) -> int:
        """Incidents the pack covers."""
        return self.active + self.activity_only


@dataclass
class Assertion:
    """Who prepared the pack and who approved it, with instants (the management assertion)."""

    prepared_by: str | None = None
    prepared_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None


@dataclass
class Methodology:
    """What the appendix explains: each requirement's checks, the toolkit's own thresholds, each metric's formula."""

    requirements: list = field(default_factory=list)  # compliance.reports.methodology.MethodRequirement
    thresholds: list[tuple[str, str]] = field(default_factory=list)  # (threshold, value and where it is set)
    formulas: list[tuple[str, str]] = field(default_factory=list)  # (metric, formula)


REDACTED = "(restricted: withheld)"


def redact_section(inc: IncidentSection) -> IncidentSection:
    """A restricted incident as a redacted row: ref, severity, status, regimes, instants and statuses only."""
    return dataclasses.replace(
        inc, title=REDACTED, description=None, affected_services=[], data_categories=[], tags=[], affected_by_state={},
        awareness_justification=None, timeline=[], postmortem=None, redacted=True,
        crosschecks=[dataclasses.replace(c, first=REDACTED, second=REDACTED, message=REDACTED) for c in inc.crosschecks],
        actions=[dataclasses.replace(a, description=REDACTED, owner=None, owner_role=None, link=None)
                 for a in inc.actions],
        evidence=[dataclasses.replace(e, filename=REDACTED, collected_by=None, collected_by_role=None,
                                      custody=[dataclasses.replace(c, actor=None, actor_role=None, note=None)
                                               for c in e.custody])
                  for e in inc.evidence],
        assessment=[dataclasses.replace(a, reasons=[REDACTED] if a.reasons else []) for a in inc.assessment],
        recurrences=[dataclasses.replace(r, tag=REDACTED) for r in inc.recurrences],
    )


@dataclass
class ProgrammeRow:
    """One organisation-level document (IR plan, training, exercise...) and whether it was in force at generation."""

    ref: str
    kind: str
    title: str
    version: str | None
    approved_by: str
    approved_at: datetime
    valid_from: date
    valid_until: date | None
    sha256: str
    fresh: bool
    custody_events: int = 0  # events in the document's own custody log (collected when added, then any others)


@dataclass
class AuditPack:
    """The whole pack: cover facts, the seven sections, and what was left out."""

    title: str
    organisation: str
    generated_at: datetime
    frameworks: list[Framework]
    period_from: date | None = None
    period_to: date | None = None
    summary: ExecutiveSummary = field(default_factory=ExecutiveSummary)
    matrices: list[CoverageMatrix] = field(default_factory=list)
    notifications: list[NotificationRow] = field(default_factory=list)
    incidents: list[IncidentSection] = field(default_factory=list)
    trends: MonthlySeries | None = None  # None: derived from the incidents (see derived_trends)
    integrity: Integrity = field(default_factory=lambda: Integrity(chain_head=None))
    restricted_excluded: int = 0
    include_restricted: bool = False
    signer: str | None = None
    population: Population | None = None  # None: a model not gathered from a store (no reconciliation)
    signer_fingerprint: str | None = None  # sign: SHA-256 of the signing certificate (AB:CD:…), printed on the cover
    timestamp_authority: str | None = None  # sign: URL of the RFC 3161 server asked for a timestamp (--tsa-url)
    assertion: Assertion = field(default_factory=Assertion)
    methodology: Methodology | None = None  # None: a model not gathered from controls (appendix says so)
    programme: list[ProgrammeRow] = field(default_factory=list)  # programme evidence, fresh or stale at generation
    events: list = field(default_factory=list)  # compliance.reports.registers.EventRow, assessed in the period
    assessed_incidents: int = 0  # declaration decisions 'incident' taken in the period (the event register's counts)

    @property
    def restricted_redacted(self) -> int:
        """Restricted incidents shown as redacted rows."""
        return sum(1 for inc in self.incidents if inc.redacted)

    def all_evidence(self) -> list[EvidenceRow]:
        """Every evidence item of the pack's incidents, in incident order."""
        return [ev for inc in self.incidents for ev in inc.evidence]

    def with_restricted_redacted(self) -> AuditPack:
        """Returns a copy where restricted incidents are redacted rows (RP-MODEL-4): still counted in every figure."""
        hidden = {inc.ref for inc in self.incidents if inc.restricted}
        events = [dataclasses.replace(e, title=REDACTED, rubric=REDACTED, rationale=REDACTED if e.rationale else None,
                                      decided_by=None, redacted=True) if e.restricted else e for e in self.events]
        if not hidden:
            return dataclasses.replace(self, include_restricted=False, events=events)
        matrices = [
            dataclasses.replace(m, rows=[dataclasses.replace(row, cells=[
                dataclasses.replace(c, reasons=[REDACTED] if c.reasons else []) if c.incident_ref in hidden else c
                for c in row.cells]) for row in m.rows])
            for m in self.matrices
        ]
        notifications = [dataclasses.replace(n, incident_title=REDACTED,
                                             delay_reason=REDACTED if n.delay_reason else None,
                                             waiver_reason=REDACTED if n.waiver_reason else None,
                                             basis=REDACTED if n.basis else None,
                                             recorded_delay=REDACTED if n.recorded_delay else None,
                                             recipient=REDACTED if n.recipient else None,
                                             reference=REDACTED if n.reference else None,
                                             recorded_by=None, decided_by=None)
                         if n.incident_ref in hidden else n for n in self.notifications]
        return dataclasses.replace(
            self,
            incidents=[redact_section(inc) if inc.ref in hidden else inc for inc in self.incidents],
            notifications=notifications, matrices=matrices, include_restricted=False, events=events,
        )

    # --- figures derived from the sections (the summary agrees with the body by construction) ---

    def severity_counts(self) -> dict[str, int]:
        """Incidents per severity, severities sorted (sev1 first)."""
        out: dict[str, int] = {}
        for inc in self.incidents:
            out[inc.severity] = out.get(inc.severity, 0) + 1
        return dict(sorted(out.items()))

    def notification_tallies(self) -> list[NotificationTally]:
        """Notification outcomes per regime, regimes sorted."""
        tallies: dict[str, NotificationTally] = {}
        for row in self.notifications:
            t = tallies.setdefault(row.regime, NotificationTally(regime=row.regime))
            t.exceptions += int(bool(row.exceptions))
            if row.status == "on_time":
                t.on_time += 1
            elif row.status in ("late", "undue_delay"):
                t.late += 1
            elif row.status == "waived" or row.waived:
                t.waived += 1
            elif row.status == "not_required":
                t.not_required += 1
            elif row.status == "not_in_force":
                t.not_in_force += 1
            elif row.status == "late_open":
                t.late += 1
                t.open += 1
            else:
                t.open += 1
        return [tallies[k] for k in sorted(tallies)]

    def exception_counts(self) -> dict[str, int]:
        """Exceptions counted apart from plain satisfied: requirement cells, and obligations met with an exception."""
        cells = sum(m.totals()[EXCEPTION] for m in self.matrices)
        return {"cells": cells, "obligations": sum(1 for n in self.notifications if n.exceptions)}

    def action_closure(self) -> ActionClosure:
        """Action items of the pack's incidents by state."""
        out = ActionClosure()
        for inc in self.incidents:
            for action in inc.actions:
                if action.status == "done":
                    out.done += 1
                elif action.status == "cancelled":
                    out.cancelled += 1
                else:
                    out.open += 1
                    out.overdue += int(action.overdue)
        out.rate = closure_of(((a.status, a.due) for inc in self.incidents for a in inc.actions),
                              as_of=self.generated_at.date()).rate
        return out

    def trend_series(self) -> MonthlySeries:
        """The trends given by the gatherer, or series derived from the incidents."""
        return self.trends if self.trends is not None else derive_trends(self.incidents, as_of=self.generated_at.date())


def _month(d: date | datetime) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def derive_trends(incidents: list[IncidentSection], *, top: int = 10, as_of: date | None = None) -> MonthlySeries:
    """Monthly series from incidents: count by severity (detection month), MTTR (detected → resolved,
    by resolution month), actions due and closed per month, and the most frequent tags."""
    keys: list[str] = []
    for inc in incidents:
        keys.append(_month(inc.detected_at))
        if inc.resolved_at:
            keys.append(_month(inc.resolved_at))
        for a in inc.actions:
            if a.due and (as_of is None or a.due <= as_of):
                keys.append(_month(a.due))
            if a.completed_at:
                keys.append(_month(a.completed_at))
    if not keys:
        return MonthlySeries()
    months = _month_range(min(keys), max(keys))
    index = {m: i for i, m in enumerate(months)}
    severities = sorted({inc.severity for inc in incidents})
    by_sev = {s: [0] * len(months) for s in severities}
    mttr_sum = [0.0] * len(months)
    mttr_n = [0] * len(months)
    due = [0] * len(months)
    closed = [0] * len(months)
    tags: dict[str, int] = {}
    for inc in incidents:
        by_sev[inc.severity][index[_month(inc.detected_at)]] += 1
        if inc.resolved_at:
            i = index[_month(inc.resolved_at)]
            mttr_sum[i] += resolve_hours(started_at=inc.started_at, detected_at=inc.detected_at,
                                         resolved_at=inc.resolved_at)
            mttr_n[i] += 1
        for a in inc.actions:
            if a.due and (as_of is None or a.due <= as_of):
                due[index[_month(a.due)]] += 1
            if a.completed_at and a.status == "done":
                closed[index[_month(a.completed_at)]] += 1
        for tag in inc.tags:
            tags[tag] = tags.get(tag, 0) + 1
    return MonthlySeries(
        months=months,
        incidents_by_severity=by_sev,
        mttr_hours=[(round(s / n, 2) if n else None) for s, n in zip(mttr_sum, mttr_n, strict=True)],
        actions_due=due,
        actions_closed=closed,
        top_tags=sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:top],
    )
