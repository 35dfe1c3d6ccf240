"""Checks that read recorded decisions: notification obligations and filings, waivers, programme evidence.

- notification_ok: one regime stage on time, late with reasons (an exception), waived with a recorded decision, or
  not required under the regime's own recorded breach assessment (status not_required, Art. 34: its basis named).
- obligations_ok: the same for every obligation of every regime on the incident (SOC 2 CC7.4, CSF RS.CO-02).
- filing_content: the filings of a stage carried the named content elements (GDPR Art. 33(3), 34(2)).
- notified / waived: a stage was filed / closed as not required (usable in applies_when).
- programme_evidence: a fresh programme document of each kind on the assessed date; optionally one approved
  after an incident instant (the plan was updated), partial until `max` has passed.
A late filing with reasons passes with an exception: the requirement is "satisfied, exception", never silently clean.

The stage checks take one regime id or a list (`regime: [gdpr, uk_gdpr]`, the same articles under two laws). A list
means the listed regimes that are on the incident (incident.regimes), at least one: notification_ok and
filing_content must hold for every one of them (filing_content skips a regime whose stage was waived: there is
nothing filed to judge, notification_ok judges the waiver); notified and waived hold when the stage of every one of
them was notified / waived.
"""

from __future__ import annotations

from datetime import timedelta

from compliance.controls.checks import (
    FAIL,
    OK,
    PARTIAL,
    PASS,
    Check,
    Outcome,
    _as_instant,
    _items,
    _when,
    describe,
    get_path,
    is_empty,
)
from compliance.controls.timing import TimelineHasKind
from compliance.core.timeutil import to_iso

_LATE = {"late", "late_open", "undue_delay"}
_PENDING = {"open", "due_soon"}


def judge_obligation(ob: dict) -> Outcome:
    """Judges one obligation: on time; late with reasons (exception); waived with reason, who and when; else not."""
    what = f"{ob.get('regime')} {ob.get('stage')}"
    status = str(ob.get("status") or "")
    notified = not is_empty(ob.get("notified_at"))
    if ob.get("waived") is True or status == "waived":
        missing = [k for k in ("waiver_reason", "decided_by", "decided_at") if is_empty(ob.get(k))]
        if missing:
            return Outcome(FAIL, f"{what} was waived without a recorded decision "
                                 f"({', '.join(f'obligations[].{k}' for k in missing)} missing)")
        return OK
    if status == "on_time":
        return OK
    if status == "not_required":  # derived from the regime's own assessment (a stage's required_when, Art. 34)
        if is_empty(ob.get("status_reason")):
            return Outcome(FAIL, f"{what} is marked not required without the assessment it rests on "
                                 f"(obligations[].status_reason)")
        return OK
    if status in _LATE and notified:
        if is_empty(ob.get("delay_reason")):
            return Outcome(FAIL, f"{what} was notified late without a reason for the delay "
                                 f"(obligations[].delay_reason)")
        return Outcome(PASS, "", (f"{what} notified late ({_when(ob.get('notified_at'))}, due {_when(ob.get('due'))}) "
                                  f"with reasons: {' '.join(str(ob.get('delay_reason')).split())}",))
    if status == "undue_delay":
        age = ob.get("age_hours")
        since = f"; {age:g} h since the clock started" if isinstance(age, (int, float)) else ""
        return Outcome(FAIL, f"{what} is not notified (required without undue delay{since})")
    if status in _LATE:
        return Outcome(FAIL, f"{what} is overdue and not notified (due {_when(ob.get('due'))})")
    if status in _PENDING:
        return Outcome(PARTIAL, f"{what} is not notified yet (due {_when(ob.get('due'))})")
    return Outcome(FAIL, f"{what} has unknown status {status!r}")


def _worst(outcomes: list[Outcome]) -> Outcome:
    for state in (FAIL, PARTIAL):
        bad = [o for o in outcomes if o.state == state]
        if bad:
            return Outcome(state, "; ".join(o.detail for o in bad))
    return Outcome(PASS, "", tuple(e for o in outcomes for e in o.exceptions))


def _stage_items(doc: dict, regime: str, stage: str) -> list[dict]:
    return [o for o in _items(doc, "obligations") if isinstance(o, dict)
            and o.get("regime") == regime and o.get("stage") == stage]


def regime_label(regime: str | list[str]) -> str:
    """Returns a regime id, or a list of them as 'gdpr or uk_gdpr'."""
    return regime if isinstance(regime, str) else " or ".join(regime)


def regimes_judged(doc: dict, regime: str | list[str]) -> list[str]:
    """Returns the regimes a stage check judges: the one named, or the listed ones that are on the incident."""
    if isinstance(regime, str):
        return [regime]
    on_incident = get_path(doc, "incident.regimes")
    on_incident = on_incident if isinstance(on_incident, list) else []
    return [r for r in regime if r in on_incident]


def _none_on_incident(regime: list[str]) -> Outcome:
    return Outcome(FAIL, f"none of {', '.join(regime)} is in incident.regimes")


class StageCheck(Check):
    """A check on one stage of one regime, or of every listed regime on the incident."""

    def __init__(self, regime: str | list[str], stage: str) -> None:
        self.regime, self.stage = regime, stage

    def evaluate(self, doc):
        regimes = regimes_judged(doc, self.regime)
        if not regimes:
            return _none_on_incident(self.regime)
        return _worst([self.evaluate_one(doc, r) for r in regimes])

    def evaluate_one(self, doc: dict, regime: str) -> Outcome:  # pragma: no cover - abstract
        """Returns the outcome for one regime."""
        raise NotImplementedError

    def fields(self):
        return [f"obligations[regime={r},stage={self.stage}]" for r in
                ([self.regime] if isinstance(self.regime, str) else self.regime)]

    def required_fields(self):
        # with a list, which stages are read depends on incident.regimes: none is required on its own
        return self.fields() if isinstance(self.regime, str) else []


class NotificationOk(StageCheck):
    """A notification for (regime, stage) was on time, or late with a delay reason, or waived with a recorded decision."""

    type_name = "notification_ok"

    def evaluate_one(self, doc, regime):
        matching = _stage_items(doc, regime, self.stage)
        if not matching:
            return Outcome(FAIL, f"no {regime} {self.stage} obligation is recorded (obligations)")
        return _worst([judge_obligation(o) for o in matching])


class ObligationsOk(Check):
    """Every obligation of every regime on the incident (or of the listed regimes) is judged as notification_ok."""

    type_name = "obligations_ok"

    def __init__(self, regimes: list[str] | None = None) -> None:
        self.regimes = regimes

    def evaluate(self, doc):
        regimes = get_path(doc, "incident.regimes")
        regimes = [r for r in regimes if self.regimes is None or r in self.regimes] if isinstance(regimes, list) else []
        obligations = [o for o in _items(doc, "obligations") if isinstance(o, dict) and o.get("regime") in regimes]
        covered = {o.get("regime") for o in obligations}
        missing = [r for r in regimes if r not in covered]
        outcomes = [judge_obligation(o) for o in obligations]
        if missing:
            outcomes.append(Outcome(FAIL, f"no obligation is recorded for regime {', '.join(missing)} "
                                          f"(a clock instant it needs may be missing)"))
        return _worst(outcomes)

    def fields(self):
        return ["incident.regimes", "obligations"]

    def required_fields(self):
        return ["obligations"]


class FilingContent(StageCheck):
    """The filings of a stage (the first only, or all together) carried every named content element."""

    type_name = "filing_content"

    def __init__(self, regime: str | list[str], stage: str, elements: list[str], first_only: bool) -> None:
        super().__init__(regime, stage)
        self.elements, self.first_only = list(elements), first_only

    def evaluate(self, doc):
        if isinstance(self.regime, str):
            return self.evaluate_one(doc, self.regime)
        regimes = regimes_judged(doc, self.regime)
        if not regimes:
            return _none_on_incident(self.regime)
        filed = [r for r in regimes if not any(o.get("waived") is True for o in _stage_items(doc, r, self.stage))]
        if not filed:
            return Outcome(FAIL, f"{' and '.join(regimes)} {self.stage} was waived: nothing was filed")
        return _worst([self.evaluate_one(doc, r) for r in filed])

    def evaluate_one(self, doc, regime):
        what = f"{regime} {self.stage}"
        matching = _stage_items(doc, regime, self.stage)
        filings = [f for o in matching for f in (o.get("filings") or []) if isinstance(f, dict)]
        if not filings:
            pending = [o for o in matching if o.get("status") in _PENDING]
            if pending:
                return Outcome(PARTIAL, f"{what} is not filed yet (due {_when(pending[0].get('due'))})")
            return Outcome(FAIL, f"no {what} filing is recorded")
        chosen = filings[:1] if self.first_only else filings
        carried = {e for f in chosen for e in (f.get("content") or [])}
        absent = [e for e in self.elements if e not in carried]
        if absent:
            which = "the first filing" if self.first_only else "the filings"
            return Outcome(FAIL, f"{which} of {what} did not carry {', '.join(absent)} (obligations[].filings[].content)")
        return OK

    def describe(self) -> str:
        which = "the first filing" if self.first_only else "the filings"
        return f"{which} of {regime_label(self.regime)} {self.stage} carried {', '.join(self.elements)}"


class Notified(StageCheck):
    """A stage has at least one filing (with a list: the stage of every listed regime on the incident)."""

    type_name = "notified"

    def evaluate_one(self, doc, regime):
        if any(not is_empty(o.get("notified_at")) for o in _stage_items(doc, regime, self.stage)):
            return OK
        return Outcome(FAIL, f"{regime} {self.stage} was not notified")

    def describe(self) -> str:
        return f"{regime_label(self.regime)} {self.stage} was notified"


class Waived(StageCheck):
    """A stage was closed as not required (with a list: the stage of every listed regime on the incident)."""

    type_name = "waived"

    def evaluate_one(self, doc, regime):
        if any(o.get("waived") is True for o in _stage_items(doc, regime, self.stage)):
            return OK
        return Outcome(FAIL, f"{regime} {self.stage} was not waived")

    def describe(self) -> str:
        return f"{regime_label(self.regime)} {self.stage} was waived"


class ProgrammeEvidence(Check):
    """Each kind has a fresh programme document at as_of; with `updated_after`, one approved after that instant."""

    type_name = "programme_evidence"

    def __init__(self, kinds: list[str], updated_after: str | None = None, limit: timedelta | None = None,
                 text: str = "") -> None:
        self.kinds, self.updated_after, self.limit, self.text = list(kinds), updated_after, limit, text

    def evaluate(self, doc):
        documents = [p for p in _items(doc, "programme") if isinstance(p, dict)]
        problems = []
        for kind in self.kinds:
            of_kind = [p for p in documents if p.get("kind") == kind]
            if not of_kind:
                problems.append(Outcome(FAIL, f"no {kind} programme evidence is recorded"))
            elif not any(p.get("fresh") is True for p in of_kind):
                last = max(of_kind, key=lambda p: str(p.get("valid_until")))
                problems.append(Outcome(FAIL, f"{kind} programme evidence is stale ({last.get('ref')} valid until "
                                              f"{last.get('valid_until')})"))
            elif self.updated_after:
                problems.append(self._updated(doc, kind, of_kind))
        return _worst(problems) if problems else OK

    def _updated(self, doc: dict, kind: str, of_kind: list[dict]) -> Outcome:
        start = _as_instant(get_path(doc, self.updated_after), self.updated_after)
        if start is None:
            return Outcome(FAIL, f"{self.updated_after} is not recorded, so a later {kind} update cannot be shown")
        later = [p for p in of_kind if (_as_instant(p.get("approved_at"), "approved_at") or start) > start]
        if later:
            return OK
        if self.limit is not None:
            as_of = _as_instant(doc.get("as_of"), "as_of")
            due = start + self.limit
            if as_of is not None and as_of <= due:
                return Outcome(PARTIAL, f"no {kind} version approved after {self.updated_after} yet "
                                        f"(expected by {to_iso(due)})")
        return Outcome(FAIL, f"no {kind} version was approved after {self.updated_after}")

    def describe(self) -> str:
        return f"fresh programme evidence of {', '.join(self.kinds)}"

    def fields(self):
        extra = [self.updated_after] if self.updated_after else []
        return [*(f"programme[kind={k}]" for k in self.kinds), *extra]


class Communicated(Check):
    """Stakeholders were told: a timeline 'communication' entry (customer-visible with `external`) or a notification
    filed under any regime on the incident, a filing being a communication to an authority or to the people its
    stage names (issue 13 §2)."""

    type_name = "communicated"

    def __init__(self, external: bool = False) -> None:
        self.external = external
        self.timeline = TimelineHasKind("communication", True if external else None)

    def evaluate(self, doc):
        if self.timeline.evaluate(doc).state == PASS:
            return OK
        for obligation in _items(doc, "obligations"):
            if isinstance(obligation, dict) and (obligation.get("filings") or not is_empty(obligation.get("notified_at"))):
                return OK
        which = "customer-visible 'communication'" if self.external else "'communication'"
        return Outcome(FAIL, f"the timeline has no {which} entry and no notification was filed")

    def describe(self) -> str:
        return f"{self.timeline.describe()}, or a notification was filed under a regime of the incident"

    def fields(self):
        return [*self.timeline.fields(), "obligations"]

    def required_fields(self):
        return []  # either one suffices: neither is required on its own


class ForEachRegime(Check):
    """The inner check holds for every listed regime on the incident, each judged on that regime's own records.

    Per regime, the inner check sees a view of the document in which `breach_assessment` is that regime's own latest
    assessment (breach_assessments[regime], None when it has none), and incident.regimes and obligations hold no
    other listed regime: a regime-list stage check inside judges that regime only. A verdict never rests on a record
    of another regime (a GDPR waiver on a UK GDPR assessment). Each failure names its regime.
    """

    type_name = "for_each_regime"

    def __init__(self, regimes: list[str], check: Check) -> None:
        self.regimes, self.check = list(regimes), check

    def view(self, doc: dict, regime: str) -> dict:
        """Returns the document as `regime` alone sees it (other listed regimes' records removed)."""
        others = set(self.regimes) - {regime}
        incident = doc.get("incident") if isinstance(doc.get("incident"), dict) else {}
        regimes = incident.get("regimes") if isinstance(incident.get("regimes"), list) else []
        assessments = doc.get("breach_assessments") if isinstance(doc.get("breach_assessments"), dict) else {}
        return {**doc, "incident": {**incident, "regimes": [r for r in regimes if r not in others]},
                "obligations": [o for o in _items(doc, "obligations")
                                if not (isinstance(o, dict) and o.get("regime") in others)],
                "breach_assessment": assessments.get(regime)}

    def evaluate(self, doc):
        regimes = regimes_judged(doc, self.regimes)
        if not regimes:
            return _none_on_incident(self.regimes)
        outcomes = []
        for regime in regimes:
            outcome = self.check.run(self.view(doc, regime))
            outcomes.append(Outcome(outcome.state, f"{regime}: {outcome.detail}" if outcome.detail else "",
                                    tuple(f"{regime}: {e}" for e in outcome.exceptions)))
        return _worst(outcomes)

    def fields(self):
        return ["incident.regimes", "breach_assessments", *self.check.fields()]

    def required_fields(self):
        return []  # which records are read depends on the regimes on the incident

    def describe(self) -> str:
        return f"for each of {', '.join(self.regimes)} on the incident, on its own records: {describe(self.check)}"
