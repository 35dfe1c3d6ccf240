"""Decision records: record and read declaration decisions and breach risk assessments; the significance rule.

Rules (ids used in tests and notes):
- DC-1 a record names who decided and when (aware UTC, not in the future); enumerated values are refused
  unless known, listing the valid ones.
- DC-2 records are kept as history; the latest by decided_at (then by id) is the one assessed.
- DC-3 an Art. 34(3) exemption is only recorded with a high-risk level and with its reason.
- DC-4 an incident is significant when the store's significance rule says so (severity, personal data, regimes).
- DC-5 an incident recurred when a later incident of the same declared type hits one of its affected services.
- DC-6 a DORA classification (Art. 18) records which criteria met their threshold; `major` is computed from them
  (Delegated Regulation (EU) 2024/1772 Art. 8(1), OJ L, 2024/1772, 25.6.2024): critical services affected (Art. 6)
  and either (a) the Art. 9(5)(b) threshold (`malicious_access`: a successful, malicious, unauthorised access that
  may result in data losses) or (b) two or more of the other Art. 9 thresholds, the Art. 9(5)(a) impact on data
  (`data_losses`) among them; it is recorded only for an incident carrying the dora regime. The first major
  classification sets the incident's classified_at (the dora regime's clock, audit-trailed); a set instant is never
  moved. The record keeps its columns: `data_losses` is the Art. 9(5) threshold met by either point, and
  `criteria_met` counts the Art. 8(1)(b) thresholds, data losses only when met by point (a) without point (b); so a
  row with data losses that criteria_met does not count is the point (b) access (as every row made before the two
  points were told apart was to be).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlmodel import Session, select

from compliance.core.choices import check_known
from compliance.core.errors import ValidationError
from compliance.core.text import one_line
from compliance.core.timeutil import ensure_utc, utcnow
from compliance.db.settings import get_setting, set_setting
from compliance.decisions.models import (
    Art34Exemption,
    BreachAssessment,
    Declaration,
    DeclarationOutcome,
    DoraClassification,
    DoraCriterion,
    IncidentType,
    RiskLevel,
    RiskRating,
)
from compliance.incidents.models import Incident, Severity

SIGNIFICANCE_KEY = "significance"
DEFAULT_SIGNIFICANCE = {"severity_at_least": "sev2", "personal_data": True, "regimes": ["*"]}
BREACH_REGIMES = ("gdpr", "uk_gdpr")
CLASSIFICATION_REGIMES = ("dora",)
DORA_CRITERIA = tuple(c.value for c in DoraCriterion)  # the record's columns
# 2024/1772 Art. 9(5)(b) (the Art. 8(1)(a) threshold): recorded in the data_losses column, not counted in criteria_met.
DORA_MALICIOUS_ACCESS = "malicious_access"
# 2024/1772 Art. 8(1)(b): besides critical services, two or more of these thresholds (Art. 9(1) to (6); data
# losses by Art. 9(5)(a)).
DORA_OTHER_CRITERIA = ("clients", "reputational", "duration", "geographical", "data_losses", "economic")
DORA_MIN_OTHER = 2
# What a recorder names, in the order of Art. 8(1): the gate, point (a), then the Art. 9 thresholds.
DORA_INPUT_CRITERIA = ("critical_services", DORA_MALICIOUS_ACCESS, *DORA_OTHER_CRITERIA)
_FUTURE = timedelta(minutes=5)


def _choice(value: Any, enum: type[Enum], field: str) -> str:
    text = str(value or "").strip().lower()
    valid = [e.value for e in enum]
    if text not in valid:
        raise ValidationError(f"{value!r} is not one of {', '.join(valid)}", field=field)
    return text


def _line(value: Any, field: str, *, required: bool = False) -> str | None:
    """compliance.core.text.one_line on the value with its runs of white space (line breaks too) folded to one space."""
    return one_line(None if value is None else " ".join(str(value).split()), field, required=required)


def _decided_at(value: datetime | None, now: datetime) -> datetime:
    at = ensure_utc(value, field="--at") if value is not None else now
    if at > now + _FUTURE:
        raise ValidationError(f"{at:%Y-%m-%dT%H:%M:%SZ} is in the future: record a decision once it is taken",
                              field="--at")
    return at


def record_declaration(*, session: Session, incident: Incident, outcome: str, incident_type: str, rubric: str,
                       decided_by: str, decided_at: datetime | None = None, rationale: str | None = None,
                       now: datetime | None = None) -> Declaration:
    """Records the decision that the event is (or is not) an incident, with its rubric and category (DC-1)."""
    now = now or utcnow()
    row = Declaration(incident_id=incident.id, outcome=_choice(outcome, DeclarationOutcome, "--outcome"),
                      incident_type=_choice(incident_type, IncidentType, "--type"),
                      rubric=_line(rubric, "--rubric", required=True), rationale=_line(rationale, "--rationale"),
                      decided_by=_line(decided_by, "--decided-by", required=True),
                      decided_at=_decided_at(decided_at, now), recorded_at=now)
    session.add(row)
    session.flush()
    return row


def record_breach_assessment(*, session: Session, incident: Incident, regime: str, likelihood: str, severity: str,
                             level: str, rationale: str, decided_by: str, decided_at: datetime | None = None,
                             exemption: str | None = None, exemption_reason: str | None = None,
                             now: datetime | None = None) -> BreachAssessment:
    """Records a personal-data breach risk assessment (GDPR Art. 33(1), 34(1), 34(3)) of an incident (DC-1, DC-3)."""
    now = now or utcnow()
    regime = str(regime or "").strip().lower()
    if regime not in BREACH_REGIMES:
        raise ValidationError(f"{regime!r} is not one of {', '.join(BREACH_REGIMES)}", field="--regime")
    likelihood = _choice(likelihood, RiskRating, "--likelihood")  # what was given first, then how it relates
    severity = _choice(severity, RiskRating, "--severity")
    level = _choice(level, RiskLevel, "--level")
    code = None
    if exemption is not None and str(exemption).strip():
        code = _choice(str(exemption).strip().lower().removeprefix("34(3)(").rstrip(")"), Art34Exemption, "--exemption")
    if regime not in (incident.regimes or []):
        raise ValidationError(f"{incident.ref} does not carry regime {regime!r}", field="--regime")
    if not incident.personal_data:
        raise ValidationError(f"{incident.ref} is not marked as a personal-data breach", field="--regime")
    if code is not None:
        if level != RiskLevel.HIGH.value:
            raise ValidationError("an Art. 34(3) exemption applies only to a high risk (--level high)",
                                  field="--exemption")
        if not _line(exemption_reason, "--exemption-reason"):
            raise ValidationError("must say why the exemption applies", field="--exemption-reason")
    elif exemption_reason:
        raise ValidationError("needs --exemption", field="--exemption-reason")
    row = BreachAssessment(incident_id=incident.id, regime=regime,
                           likelihood=likelihood, severity=severity, level=level,
                           rationale=_line(rationale, "--rationale", required=True), exemption=code,
                           exemption_reason=_line(exemption_reason, "--exemption-reason") if code else None,
                           decided_by=_line(decided_by, "--decided-by", required=True),
                           decided_at=_decided_at(decided_at, now), recorded_at=now)
    session.add(row)
    session.flush()
    from compliance.deadlines.service import sync_incident_obligations

    sync_incident_obligations(session=session, incident=incident, now=now)  # a stage may now be not required
    return row


def parse_dora_criteria(values: Iterable[str] | str | None) -> list[str]:
    """Returns the criteria named in `values` (a list or comma-separated text; 'none' for none), refusing unknown ones."""
    items = values.split(",") if isinstance(values, str) else list(values or [])
    names = [str(v).strip().lower() for v in items if str(v).strip()]
    if not names:
        raise ValidationError("name the criteria whose threshold is met, or 'none' (valid: "
                              f"{', '.join(DORA_INPUT_CRITERIA)}, none)", field="--criteria")
    chosen = [check_known(n, (*DORA_INPUT_CRITERIA, "none"), field="--criteria", what="criterion") for n in names]
    if "none" in chosen and len(set(chosen)) > 1:
        raise ValidationError("'none' cannot be combined with criteria", field="--criteria")
    return [c for c in DORA_INPUT_CRITERIA if c in chosen]


def is_major_dora(criteria: Iterable[str]) -> bool:
    """Whether the thresholds met make a major ICT-related incident (2024/1772 Art. 8(1), DC-6)."""
    met = set(criteria)
    others = sum(1 for c in DORA_OTHER_CRITERIA if c in met)
    return "critical_services" in met and (DORA_MALICIOUS_ACCESS in met or others >= DORA_MIN_OTHER)


def _counted_criteria(met: Iterable[str]) -> list[str]:
    """Returns the Art. 8(1)(b) thresholds counted in criteria_met: data losses only by point (a) alone (DC-6)."""
    chosen = set(met)
    return [c for c in DORA_OTHER_CRITERIA
            if c in chosen and not (c == "data_losses" and DORA_MALICIOUS_ACCESS in chosen)]


def record_classification(*, session: Session, incident: Incident, criteria: Iterable[str] | str, rationale: str,
                          decided_by: str, regime: str = "dora", decided_at: datetime | None = None,
                          now: datetime | None = None) -> DoraClassification:
    """Records a DORA Art. 18 classification of an incident; the outcome (major or not) is computed (DC-1, DC-6)."""
    now = now or utcnow()
    regime = check_known(str(regime or "").strip().lower(), CLASSIFICATION_REGIMES, field="--regime", what="regime")
    met = parse_dora_criteria(criteria)
    rationale = _line(rationale, "--rationale", required=True)
    decided_by = _line(decided_by, "--decided-by", required=True)
    at = _decided_at(decided_at, now)
    if regime not in (incident.regimes or []):
        raise ValidationError(f"{incident.ref} does not carry regime {regime!r}", field="--regime")
    columns = {c: c in met for c in DORA_CRITERIA}
    columns["data_losses"] = "data_losses" in met or DORA_MALICIOUS_ACCESS in met  # Art. 9(5), either point
    row = DoraClassification(incident_id=incident.id, regime=regime, **columns,
                             criteria_met=len(_counted_criteria(met)),
                             major=is_major_dora(met), rationale=rationale, decided_by=decided_by,
                             decided_at=at, recorded_at=now)
    session.add(row)
    session.flush()
    if row.major and incident.classified_at is None:
        from compliance.deadlines.incidents import update_incident_with_obligations

        update_incident_with_obligations(session=session, incident=incident, changes={"classified_at": at},
                                         changed_by=decided_by, reason="DORA classification: major", now=now)
    return row


def classification_to_dict(row: DoraClassification | None) -> dict[str, Any] | None:
    """Returns a DORA classification as a plain dict with the criteria met listed (None stays None)."""
    if row is None:
        return None
    met = {c for c in DORA_CRITERIA if getattr(row, c)}
    if row.data_losses and row.criteria_met == len(_counted_criteria(met - {"data_losses"})):
        met = (met - {"data_losses"}) | {DORA_MALICIOUS_ACCESS}  # data losses not counted: the point (b) access
    return {"regime": row.regime, **{c: getattr(row, c) for c in DORA_CRITERIA},
            "criteria": [c for c in DORA_INPUT_CRITERIA if c in met], "criteria_met": row.criteria_met,
            "major": row.major, "rationale": row.rationale, "decided_by": row.decided_by,
            "decided_at": row.decided_at, "recorded_at": row.recorded_at}


def declaration_to_dict(row: Declaration | None) -> dict[str, Any] | None:
    """Returns a declaration decision as a plain dict (None stays None)."""
    if row is None:
        return None
    return {"outcome": row.outcome, "incident_type": row.incident_type, "rubric": row.rubric,
            "rationale": row.rationale, "decided_by": row.decided_by, "decided_at": row.decided_at,
            "recorded_at": row.recorded_at}


def breach_assessment_to_dict(row: BreachAssessment | None) -> dict[str, Any] | None:
    """Returns a breach risk assessment as a plain dict (None stays None)."""
    if row is None:
        return None
    return {"regime": row.regime, "likelihood": row.likelihood, "severity": row.severity, "level": row.level,
            "rationale": row.rationale, "exemption": row.exemption, "exemption_reason": row.exemption_reason,
            "decided_by": row.decided_by, "decided_at": row.decided_at, "recorded_at": row.recorded_at}


def _latest(rows: Iterable) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for row in rows:
        best = out.get(row.incident_id)
        if best is None or (row.decided_at, row.id) > (best.decided_at, best.id):
            out[row.incident_id] = row
    return out


def get_decision_documents_by_incident(*, session: Session, incident_ids: list[int],
                                       chunk: int = 500) -> dict[int, dict[str, Any]]:
    """Returns {incident id: {declaration, breach_assessment, breach_assessments, dora_classification}} (the latest of
    each, DC-2; breach_assessments: the latest per regime)."""
    out: dict[int, dict[str, Any]] = defaultdict(lambda: {"declaration": None, "breach_assessment": None,
                                                          "breach_assessments": {}, "dora_classification": None})
    for start in range(0, len(incident_ids), chunk):
        part = incident_ids[start:start + chunk]
        for incident_id, row in _latest(session.exec(select(Declaration).where(Declaration.incident_id.in_(part)))).items():
            out[incident_id]["declaration"] = declaration_to_dict(row)
        assessments = list(session.exec(select(BreachAssessment).where(BreachAssessment.incident_id.in_(part))))
        for incident_id, row in _latest(assessments).items():
            out[incident_id]["breach_assessment"] = breach_assessment_to_dict(row)
        for regime in {row.regime for row in assessments}:  # an incident under GDPR and UK GDPR has one of each
            for incident_id, row in _latest(r for r in assessments if r.regime == regime).items():
                out[incident_id]["breach_assessments"][regime] = breach_assessment_to_dict(row)
        for incident_id, row in _latest(session.exec(
                select(DoraClassification).where(DoraClassification.incident_id.in_(part)))).items():
            out[incident_id]["dora_classification"] = classification_to_dict(row)
    return {i: out[i] for i in incident_ids}


def get_incident_decisions(*, session: Session, incident: Incident) -> dict[str, list[dict[str, Any]]]:
    """Returns every declaration, breach assessment and classification of an incident, oldest first (the history)."""
    declarations = session.exec(select(Declaration).where(Declaration.incident_id == incident.id)
                                .order_by(Declaration.decided_at, Declaration.id))
    assessments = session.exec(select(BreachAssessment).where(BreachAssessment.incident_id == incident.id)
                               .order_by(BreachAssessment.decided_at, BreachAssessment.id))
    classifications = session.exec(select(DoraClassification).where(DoraClassification.incident_id == incident.id)
                                   .order_by(DoraClassification.decided_at, DoraClassification.id))
    return {"declarations": [declaration_to_dict(r) for r in declarations],
            "breach_assessments": [breach_assessment_to_dict(r) for r in assessments],
            "classifications": [classification_to_dict(r) for r in classifications]}


def get_recurrences_by_incident(*, session: Session, incidents: list[Incident]) -> dict[int, list[dict[str, Any]]]:
    """Returns, per incident, the later incidents that recur it, with the basis of each (DC-5).

    A later incident recurs this one when it is detected after this one was resolved (or detected, while
    unresolved) and either is of the same declared type on a shared affected service, or shares a theme tag
    within the 90-day window of the one recurrence definition (metrics.definitions.recurring_tags, the
    definition the pack's recurrence links and the 90-day recurrence metric use). An event assessed as not an
    incident never recurs anything.
    """
    from compliance.metrics.definitions import recurring_tags

    if not incidents:
        return {}
    latest = _latest(session.exec(select(Declaration)))
    types = {incident_id: row.incident_type for incident_id, row in latest.items()
             if row.outcome == DeclarationOutcome.INCIDENT.value}
    dismissed = {incident_id for incident_id, row in latest.items() if row.outcome != DeclarationOutcome.INCIDENT.value}
    earliest = min(ensure_utc(i.detected_at, field="incident.detected_at") for i in incidents)
    others = [row for row in session.exec(
        select(Incident.id, Incident.ref, Incident.detected_at, Incident.affected_services, Incident.tags)
        .where(Incident.detected_at > earliest).order_by(Incident.detected_at, Incident.id)) if row[0] not in dismissed]
    # Candidates by theme tag and by declared type, so an incident is compared only with those that could recur it.
    by_tag: dict[str, list[int]] = defaultdict(list)
    by_type: dict[str, list[int]] = defaultdict(list)
    for position, (other_id, _ref, _at, _svc, tags) in enumerate(others):
        for tag in set(tags or []):
            by_tag[tag].append(position)
        if types.get(other_id) is not None:
            by_type[types[other_id]].append(position)
    out: dict[int, list[dict[str, Any]]] = {}
    for incident in incidents:
        kind = types.get(incident.id) if incident.id not in dismissed else None
        services = set(incident.affected_services or [])
        detected = ensure_utc(incident.detected_at, field="incident.detected_at")
        after = ensure_utc(incident.resolved_at or incident.detected_at, field="incident.resolved_at")
        found = []
        candidates = {p for tag in set(incident.tags or []) for p in by_tag.get(tag, ())}
        candidates.update(by_type.get(kind, ()) if kind is not None else ())
        for other_id, ref, other_detected, svc, tags in (others[p] for p in sorted(candidates)):
            other_detected = ensure_utc(other_detected, field="incident.detected_at")
            if incident.id in dismissed or other_id == incident.id or other_detected <= after:
                continue
            shared = sorted(services & set(svc or [])) if kind is not None and types.get(other_id) == kind else []
            themes = recurring_tags(detected_at=other_detected, tags=tags or [], earlier_detected_at=detected,
                                    earlier_tags=incident.tags or [])
            if shared or themes:
                found.append({"ref": ref, "detected_at": other_detected, "incident_type": types.get(other_id),
                              "services": shared, "tags": themes})
        out[incident.id] = found
    return out


# --------------------------------------------------------------------------- significance (DC-4)


def get_significance_rule(*, session: Session) -> dict[str, Any]:
    """Returns the store's rule for a significant incident (printed in the pack's methodology)."""
    return {**DEFAULT_SIGNIFICANCE, **get_setting(session=session, key=SIGNIFICANCE_KEY)}


def set_significance_rule(*, session: Session, severity_at_least: str | None = None, personal_data: bool | None = None,
                          regimes: Iterable[str] | None = None) -> dict[str, Any]:
    """Changes the significance rule; `regimes` lists regime ids ('*': any regime, empty: regimes do not count)."""
    rule = get_significance_rule(session=session)
    if severity_at_least is not None:
        rule["severity_at_least"] = _choice(severity_at_least, Severity, "--severity-at-least")
    if personal_data is not None:
        rule["personal_data"] = bool(personal_data)
    if regimes is not None:
        from compliance.deadlines.regimes import known_regime_ids

        chosen = sorted({str(r).strip().lower() for r in regimes if str(r).strip()})
        known = known_regime_ids() | {"*"}
        for regime in chosen:
            if regime not in known:
                raise ValidationError(f"unknown regime {regime!r} (known: *, {', '.join(sorted(known - {'*'}))})",
                                      field="--regime")
        rule["regimes"] = chosen
    set_setting(session=session, key=SIGNIFICANCE_KEY, value=rule)
    return rule


def describe_significance_rule(rule: dict[str, Any]) -> str:
    """Returns the rule in one sentence, for the methodology."""
    parts = [f"severity {rule['severity_at_least']} or worse"]
    if rule.get("personal_data"):
        parts.append("a personal-data breach")
    regimes = rule.get("regimes") or []
    if "*" in regimes:
        parts.append("any notification regime applies")
    elif regimes:
        parts.append(f"one of the regimes {', '.join(regimes)} applies")
    return "An incident is significant when: " + "; or ".join(parts) + "."


def is_significant(incident: Incident, rule: dict[str, Any]) -> bool:
    """Whether the incident is significant under `rule` (DC-4)."""
    order = [s.value for s in Severity]
    threshold = rule.get("severity_at_least") or "sev2"
    if incident.severity in order and order.index(incident.severity) <= order.index(threshold):
        return True
    if rule.get("personal_data") and incident.personal_data:
        return True
    regimes = set(rule.get("regimes") or [])
    return bool(incident.regimes) and ("*" in regimes or bool(regimes & set(incident.regimes)))
