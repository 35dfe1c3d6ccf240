"""Decision records: record and read declaration decisions and breach risk assessments; the significance rule.

Rules (ids used in tests and notes):
- DC-1 a record names who decided and when (aware UTC, not in the future); enumerated values are refused
  unless known, listing the valid ones.
- DC-2 records are kept as history; the latest by decided_at (then by id) is the one assessed.
- DC-3 an Art. 34(3) exemption is only recorded with a high-risk level and with its reason.
- DC-4 an incident is significant when the store's significance rule says so (severity, personal data, regimes).
- DC-5 an incident recurred when a later incident of the same declared type hits one of its affected services.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlmodel import Session, select

from compliance.core.errors import ValidationError
from compliance.core.text import one_line
from compliance.core.timeutil import ensure_utc, utcnow
from compliance.db.settings import get_setting, set_setting
from compliance.decisions.models import (
    Art34Exemption,
    BreachAssessment,
    Declaration,
    DeclarationOutcome,
    IncidentType,
    RiskLevel,
    RiskRating,
)
from compliance.incidents.models import Incident, Severity

SIGNIFICANCE_KEY = "significance"
DEFAULT_SIGNIFICANCE = {"severity_at_least": "sev2", "personal_data": True, "regimes": ["*"]}
BREACH_REGIMES = ("gdpr", "uk_gdpr")
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
    return row


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
    """Returns {incident id: {declaration, breach_assessment}} (the latest of each, DC-2), two queries per chunk."""
    out: dict[int, dict[str, Any]] = defaultdict(lambda: {"declaration": None, "breach_assessment": None})
    for start in range(0, len(incident_ids), chunk):
        part = incident_ids[start:start + chunk]
        for incident_id, row in _latest(session.exec(select(Declaration).where(Declaration.incident_id.in_(part)))).items():
            out[incident_id]["declaration"] = declaration_to_dict(row)
        for incident_id, row in _latest(session.exec(
                select(BreachAssessment).where(BreachAssessment.incident_id.in_(part)))).items():
            out[incident_id]["breach_assessment"] = breach_assessment_to_dict(row)
    return {i: out[i] for i in incident_ids}


def get_incident_decisions(*, session: Session, incident: Incident) -> dict[str, list[dict[str, Any]]]:
    """Returns every declaration and breach assessment of an incident, oldest first (the history)."""
    declarations = session.exec(select(Declaration).where(Declaration.incident_id == incident.id)
                                .order_by(Declaration.decided_at, Declaration.id))
    assessments = session.exec(select(BreachAssessment).where(BreachAssessment.incident_id == incident.id)
                               .order_by(BreachAssessment.decided_at, BreachAssessment.id))
    return {"declarations": [declaration_to_dict(r) for r in declarations],
            "breach_assessments": [breach_assessment_to_dict(r) for r in assessments]}


def get_recurrences_by_incident(*, session: Session, incidents: list[Incident]) -> dict[int, list[dict[str, Any]]]:
    """Returns, per incident, the later incidents of the same declared type sharing an affected service (DC-5).

    "Later" means detected after the incident was resolved (or detected, while unresolved).
    """
    if not incidents:
        return {}
    types = {incident_id: row.incident_type for incident_id, row in _latest(session.exec(select(Declaration))).items()
             if row.outcome == DeclarationOutcome.INCIDENT.value}
    others = list(session.exec(select(Incident.id, Incident.ref, Incident.detected_at, Incident.affected_services)
                               .where(Incident.id.in_(list(types)))
                               .order_by(Incident.detected_at))) if types else []
    out: dict[int, list[dict[str, Any]]] = {}
    for incident in incidents:
        kind = types.get(incident.id)
        services = set(incident.affected_services or [])
        after = incident.resolved_at or incident.detected_at
        out[incident.id] = [
            {"ref": ref, "detected_at": detected, "incident_type": kind, "services": sorted(services & set(svc or []))}
            for other_id, ref, detected, svc in others
            if kind is not None and other_id != incident.id and types.get(other_id) == kind
            and detected > after and services & set(svc or [])]
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
