"""The incident document's shape, written once: the domains produce these dicts, checks and the pack read them.

`incident` and `postmortem` are the columns of their models (see `incident_keys`, `postmortem_keys`); every
list part is typed here. tests/documents/test_document_contract.py proves the domain services produce
exactly these keys, so a key added in one place and not the other fails a test instead of a check.
"""

from datetime import date, datetime
from typing import Any, NotRequired, TypedDict, get_type_hints


class TimelineItem(TypedDict):
    """One timeline entry (incidents.service.timeline_entry_to_dict)."""

    at: datetime
    kind: str
    text: str
    source: str | None
    actor: str | None
    original_time: str | None
    customer_visible: bool


class ActionItemDoc(TypedDict):
    """One action item with its ref and overdue flag (actions.service.action_to_dict)."""

    ref: str
    incident: str
    number: int
    description: str
    owner: str | None
    due: date | None
    priority: str
    success_criteria: str | None
    lessons: list[Any]
    status: str
    completed_at: datetime | None
    link: str | None
    overdue: bool
    verified_by: str | None  # who verified the action was effective (ISO 27001 clause 10.2)
    verified_at: datetime | None
    verification: str | None  # how


class ReviewFindingDoc(TypedDict):
    """One post-mortem review finding (postmortems.lint.Finding.as_dict)."""

    code: str
    rule: str
    severity: str
    message: str
    suggestion: str
    line: int | None


class EvidenceDoc(TypedDict):
    """One evidence item with its custody summary (evidence.service, EV-DOC-1)."""

    ref: str
    filename: str
    size: int
    sha256: str
    collected_by: str
    collected_by_role: str | None
    collected_at: datetime
    source: str | None
    description: str | None
    sealed: bool
    custody_events: int
    custody_verified: bool


class FilingDoc(TypedDict):
    """One notification filing of an obligation."""

    notified_at: datetime
    recipient: str | None
    reference: str | None
    correction: bool
    recorded_by: str
    recorded_at: datetime
    content: list[str]  # the content elements the filing carried (e.g. GDPR Art. 33(3)(a)-(d))


class DelayDoc(TypedDict):
    """The recorded delay that moved an obligation's due (Form 8-K Item 1.05(c), 45 CFR 164.412; deadlines.delays)."""

    basis: str
    citation: str
    form: str  # written | oral
    requested_by: str
    reference: str | None
    stated_at: datetime
    until: datetime  # the end the due moved to (never beyond what the basis allows)
    allowed_until: datetime | None  # None: the period the statement specifies
    extension: int  # 0: the first delay; n: the n-th extension
    recorded_by: str
    recorded_at: datetime
    records: int  # delays recorded for this stage (an extension is a new record)


class ObligationDoc(TypedDict):
    """One obligation (regime x applicable stage) with its status at the document's as_of (deadlines.service)."""

    incident: str
    regime: str
    regime_name: str
    stage: str
    stage_title: str
    citation: str
    recipient: str
    trigger: str
    rule: str
    notes: str | None
    clock_start: datetime | None
    due: datetime | None
    due_local: str | None
    notified_at: datetime | None
    filings: list[FilingDoc]
    status: str
    in_force: bool  # False: informational, the duty is not (yet) in force (never pending, never alerted)
    delay_reason: str | None
    late_requires_reason: bool
    waived: bool
    waiver_reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    reference: str | None
    content: list[str]
    age_hours: NotRequired[float]
    time_left_hours: NotRequired[float]
    # Recorded delays (issue 17), additive: `due` above is already the moved due.
    delayed: NotRequired[bool]
    status_reason: NotRequired[str | None]  # "delayed under Form 8-K Item 1.05(c) until 2026-04-05T21:30:00Z"
    due_undelayed: NotRequired[datetime | None]  # the due without the delay
    delay: NotRequired[DelayDoc | None]


class RecurrenceDoc(TypedDict):
    """A later incident that recurs this one (decisions.service): same declared type on a shared service
    (`services`), or a theme tag shared within the 90-day window (`tags`)."""

    ref: str
    detected_at: datetime
    incident_type: str | None
    services: list[str]
    tags: list[str]


class ProgrammeDoc(TypedDict):
    """One organisation-level document (IR plan, training, exercise...) with its freshness at as_of (programme)."""

    ref: str
    kind: str
    title: str
    version: str | None
    filename: str
    size: int
    sha256: str
    approved_by: str
    approved_at: datetime
    valid_from: date
    valid_until: date | None
    recorded_by: str
    recorded_at: datetime
    fresh: bool


class IncidentDocument(TypedDict):
    """Everything known about one incident as of `as_of`."""

    as_of: datetime
    incident: dict[str, Any]
    timeline: list[TimelineItem]
    postmortem: dict[str, Any] | None
    action_items: list[ActionItemDoc]
    review_findings: list[ReviewFindingDoc]
    evidence: list[EvidenceDoc]
    obligations: list[ObligationDoc]
    declaration: dict[str, Any] | None  # the Declaration model's columns (decisions), latest decision
    breach_assessment: dict[str, Any] | None  # the BreachAssessment model's columns, latest assessment
    breach_assessments: dict[str, dict[str, Any]]  # regime id -> that regime's latest assessment (GDPR, UK GDPR)
    dora_classification: dict[str, Any] | None  # the DoraClassification model's columns and `criteria`, latest
    recurrences: list[RecurrenceDoc]
    programme: list[ProgrammeDoc]
    audit_scope: dict[str, bool]  # the store's audit scope: optional criteria in scope (compliance.programme.scope)


# Mapping parts of the document: model columns (see mapping_keys), and the audit scope.
MAPPING_PARTS = ("incident", "postmortem", "declaration", "breach_assessment", "dora_classification", "audit_scope")
# Keys the DORA classification carries beyond its model's columns: the criteria met, as a list.
CLASSIFICATION_EXTRA_KEYS = frozenset({"criteria"})
# Keys the incident part carries beyond the Incident model's columns (ref; id is the ref; the gap needing a
# reason; whether the store's significance rule makes it significant).
INCIDENT_EXTRA_KEYS = frozenset({"ref", "awareness_gap", "significant"})
# Post-mortem columns that are not part of the document.
POSTMORTEM_HIDDEN_KEYS = frozenset({"id", "incident_id", "source_markdown"})


def item_keys(typed: type) -> frozenset[str]:
    """Returns the keys of a TypedDict (required and optional)."""
    return frozenset(get_type_hints(typed))


def list_parts() -> dict[str, frozenset[str]]:
    """Returns each list part of the document with the keys of its items."""
    hints = get_type_hints(IncidentDocument)
    parts = {}
    for name, hint in hints.items():
        if getattr(hint, "__origin__", None) is list:
            parts[name] = item_keys(hint.__args__[0])
    return parts


def incident_keys() -> frozenset[str]:
    """Returns the keys of the document's incident part."""
    from compliance.incidents.models import Incident

    return frozenset(Incident.model_fields) | INCIDENT_EXTRA_KEYS


def postmortem_keys() -> frozenset[str]:
    """Returns the keys of the document's post-mortem part."""
    from compliance.postmortems.models import Postmortem

    return frozenset(Postmortem.model_fields) - POSTMORTEM_HIDDEN_KEYS


def mapping_keys(part: str) -> frozenset[str]:
    """Returns the keys of a mapping part of the document (incident, postmortem and the decision records)."""
    if part == "incident":
        return incident_keys()
    if part == "postmortem":
        return postmortem_keys()
    if part == "audit_scope":
        from compliance.programme.scope import DEFAULT_AUDIT_SCOPE

        return frozenset(DEFAULT_AUDIT_SCOPE)
    from compliance.decisions.models import BreachAssessment, Declaration, DoraClassification

    model = {"declaration": Declaration, "breach_assessment": BreachAssessment,
             "dora_classification": DoraClassification}[part]
    extra = CLASSIFICATION_EXTRA_KEYS if part == "dora_classification" else frozenset()
    return (frozenset(model.model_fields) - {"id", "incident_id"}) | extra
