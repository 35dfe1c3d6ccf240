"""Recorded delays as data: the bases a regime declares (`delays:` in its YAML) and the pure arithmetic of their limits.

A basis is a rule of law that lets a notification wait (Form 8-K Item 1.05(c): the Attorney General;
45 CFR 164.412: a law enforcement official). It names the stages it applies to and, per form of the
request (written, oral), the periods it allows: the first period counted from the due the delay moves
(`counted_from: due`) or from the statement (`counted_from: statement`); each later entry of
`periods_days` is one further extension counted from the end of the previous period. A form without
`periods_days` allows the period the statement itself specifies (its end must be given).

DL-DELAY-1  A delay never ends beyond what its basis allows; a longer one is refused, never shortened.
DL-DELAY-2  The due of a delayed stage is the end of its latest recorded delay (or the due it had, when later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from compliance.core.yamlload import LineDict
from compliance.deadlines.yamlcheck import _Errors, _keys, _line, _text

FORMS = ("written", "oral")
COUNTED_FROM = ("due", "statement")


@dataclass(frozen=True)
class DelayForm:
    """What a basis allows for one form of request: the periods in days (None: the period the statement gives)."""

    form: str
    counted_from: str
    periods_days: tuple[int, ...] | None = None

    def describe(self) -> str:
        """'up to 30 days, then 30, then 60 (from the due)' or 'the period the statement specifies'."""
        if self.periods_days is None:
            return "the period the statement specifies"
        first, *more = self.periods_days
        extensions = "".join(f", then {d}" for d in more)
        anchor = "the due it moves" if self.counted_from == "due" else "the statement"
        return f"up to {first} days from {anchor}{extensions}"


@dataclass(frozen=True)
class DelayBasis:
    """A legal basis on which a regime's stages may be delayed (declared in the regime's YAML)."""

    id: str
    title: str
    citation: str
    stages: tuple[str, ...]
    forms: tuple[DelayForm, ...]
    beyond: str | None = None  # what the law says about a longer delay (not recordable here)
    note: str | None = None

    def form(self, name: str) -> DelayForm | None:
        """Returns the rule of `name` (written/oral), None when the basis does not allow that form."""
        return next((f for f in self.forms if f.form == name), None)


def add_days(start: datetime, days: int, zone: tzinfo) -> datetime:
    """Returns the same local clock time `days` calendar days later in `zone`, as a UTC instant."""
    local = start.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=days), local.time().replace(tzinfo=None),
                            tzinfo=zone).astimezone(UTC)


def delay_limit(form: DelayForm, *, index: int, due: datetime, stated_at: datetime, previous_until: datetime | None,
                zone: tzinfo) -> datetime | None:
    """Returns the latest end the `index`-th delay (0: the first) may have; None: the statement sets it.

    Raises IndexError when the basis allows no further extension.
    """
    if form.periods_days is None:
        return None
    days = form.periods_days[index]
    if index > 0 and previous_until is not None:
        anchor = previous_until
    else:
        anchor = due if form.counted_from == "due" else stated_at
    return add_days(anchor, days, zone)


def apply_delay(due: datetime | None, until: datetime | None) -> datetime | None:
    """Returns the due of a delayed stage (DL-DELAY-2): the end of the delay, or the due when that is later."""
    if due is None or until is None:
        return due
    return max(due, until)


# --------------------------------------------------------------------------- parsing


def _form(name: str, node: Any, where: str, errors: _Errors) -> DelayForm | None:
    where = f"{where} {name}"
    if node is None or node == {}:
        node = LineDict()
    if not isinstance(node, LineDict):
        errors.add(_line(node), f"{where}: must be a mapping (counted_from, periods_days)")
        return None
    _keys(node, {"counted_from", "periods_days"}, where, errors)
    counted = node.get("counted_from", "statement")
    if counted not in COUNTED_FROM:
        errors.add(node.line_of("counted_from"), f"{where}: 'counted_from' must be one of {', '.join(COUNTED_FROM)}, "
                                                 f"not {counted!r}")
        return None
    periods = None
    if "periods_days" in node:
        raw = node["periods_days"]
        if not isinstance(raw, list) or not raw:
            errors.add(node.line_of("periods_days"), f"{where}: 'periods_days' must be a non-empty list of days "
                                                     "(the first period, then each extension)")
            return None
        bad = [i for i, v in enumerate(raw) if isinstance(v, bool) or not isinstance(v, int) or v <= 0]
        for i in bad:
            errors.add(_line(raw, i), f"{where}: 'periods_days' entry {raw[i]!r} must be a positive whole number of days")
        if bad:
            return None
        periods = tuple(raw)
    elif counted == "due":
        errors.add(node.line, f"{where}: 'counted_from: due' needs 'periods_days'")
        return None
    return DelayForm(form=name, counted_from=counted, periods_days=periods)


def _basis(node: Any, index: int, raw: list, stage_ids: dict[str, bool], errors: _Errors) -> DelayBasis | None:
    if not isinstance(node, LineDict):
        errors.add(_line(raw, index), f"delay {index + 1}: must be a mapping (id, title, citation, stages, forms)")
        return None
    basis_id = node.get("id")
    where = f"delay {basis_id!r}" if isinstance(basis_id, str) else f"delay {index + 1}"
    _keys(node, {"id", "title", "citation", "stages", "forms", "beyond", "note"}, where, errors)
    if not isinstance(basis_id, str) or not basis_id.replace("_", "").isalnum() or not basis_id[:1].islower():
        errors.add(node.line_of("id"), f"{where}: 'id' must be lower_snake_case (a-z, 0-9, _)")
        basis_id = None
    title = _text(node, "title", where, errors)
    citation = _text(node, "citation", where, errors)
    beyond = _text(node, "beyond", where, errors, required=False)
    note = _text(node, "note", where, errors, required=False)
    stages = node.get("stages")
    if not isinstance(stages, list) or not stages or not all(isinstance(s, str) for s in stages):
        errors.add(node.line_of("stages") if "stages" in node else node.line,
                   f"{where}: 'stages' must be a non-empty list of stage ids of this regime")
        stages = []
    for i, stage in enumerate(stages):
        if stage not in stage_ids:
            errors.add(_line(stages, i), f"{where}: unknown stage {stage!r} (stages: {', '.join(stage_ids)})")
    forms_node = node.get("forms")
    forms = []
    if not isinstance(forms_node, LineDict) or not forms_node:
        errors.add(node.line_of("forms") if "forms" in node else node.line,
                   f"{where}: 'forms' must map {' and/or '.join(FORMS)} to their periods")
    else:
        for name in forms_node:
            if name not in FORMS:
                errors.add(forms_node.line_of(name), f"{where}: unknown form {name!r} (valid: {', '.join(FORMS)})")
                continue
            form = _form(name, forms_node[name], where, errors)
            if form is not None:
                forms.append(form)
    if not (basis_id and title and citation and stages and forms):
        return None
    return DelayBasis(id=basis_id, title=title, citation=citation, stages=tuple(stages), forms=tuple(forms),
                      beyond=beyond, note=note)


def parse_delays(data: LineDict, stage_ids: dict[str, bool], errors: _Errors) -> tuple[DelayBasis, ...]:
    """Parses a regime's `delays:` list (stage_ids: id -> per_state); every error kept with its line."""
    raw = data.get("delays", [])
    if not isinstance(raw, list):
        errors.add(data.line_of("delays"), "regime: 'delays' must be a list of delay bases")
        return ()
    out: list[DelayBasis] = []
    seen: set[str] = set()
    for index, node in enumerate(raw):
        basis = _basis(node, index, raw, stage_ids, errors)
        if basis is None:
            continue
        if basis.id in seen:
            errors.add(_line(raw, index), f"delay {basis.id!r}: duplicate delay id")
        seen.add(basis.id)
        out.append(basis)
    return tuple(out)


# --------------------------------------------------------------------------- applying recorded delays


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def effective_delays(delays: tuple[DelayBasis, ...], records: list[Any], *, due: datetime | None,
                     zone: tzinfo) -> list[tuple[Any, datetime | None, datetime]]:
    """Returns (record, allowed end, effective end) per record in recorded order, limits judged on today's due.

    A record whose end is beyond what its basis allows with the due as it is now (an incident instant moved
    since) counts only up to that limit (DL-DELAY-1, fail closed); a basis no longer declared moves nothing.
    """
    out = []
    chains: dict[tuple[str, str], datetime] = {}
    for record in records:
        basis = next((b for b in delays if b.id == record.basis), None)
        form = basis.form(record.form) if basis else None
        key = (record.basis, record.form)
        if form is None or due is None:
            out.append((record, None, record.due_before if due is None else due))
            continue
        index = sum(1 for r, _, _ in out if (r.basis, r.form) == key)
        try:
            limit = delay_limit(form, index=index, due=due, stated_at=record.stated_at,
                                previous_until=chains.get(key), zone=zone)
        except IndexError:
            limit = chains.get(key, due)
        end = record.until if limit is None else min(record.until, limit)
        chains[key] = end
        out.append((record, limit, end))
    return out


def delayed_row(row: dict[str, Any], delays: tuple[DelayBasis, ...], records: list[Any], *,
                zone: tzinfo) -> dict[str, Any]:
    """Returns the evaluated stage `row` with its due moved by the latest recorded delay, the reason in its notes."""
    if not records:
        return row
    if row["due"] is None:
        note = "a delay is recorded, but the due it would move is not known now (clock start or facts missing)"
        return {**row, "notes": [note, *row["notes"]]}
    applied = effective_delays(delays, records, due=row["due"], zone=zone)
    record, limit, end = applied[-1]
    basis = next((b for b in delays if b.id == record.basis), None)
    citation = basis.citation if basis else record.basis
    if basis is None or basis.form(record.form) is None:
        note = (f"recorded delay on basis {record.basis!r} ({record.form}) is not declared by the regime any more: "
                f"the due is not moved")
        return {**row, "notes": [note, *row["notes"]]}
    due = apply_delay(row["due"], end)
    reason = f"delayed under {citation} until {_iso(due)}"
    notes = [f"{reason} ({record.form} request of {record.requested_by}"
             f"{f', ref. {record.reference}' if record.reference else ''})"]
    if end < record.until:
        notes.append(f"the recorded delay ends {_iso(record.until)}, beyond what {citation} allows with the due as it "
                     f"is now: counted to {_iso(end)}")
    if row["due"] is not None and end < row["due"]:
        notes.append(f"the delay ended {_iso(end)}, before the due: the due stands")
    delay = {"basis": record.basis, "citation": citation, "form": record.form, "requested_by": record.requested_by,
             "reference": record.reference, "stated_at": record.stated_at, "until": end,
             "allowed_until": limit, "extension": record.extension, "recorded_by": record.recorded_by,
             "recorded_at": record.recorded_at, "records": len(records)}
    return {**row, "due": due, "due_undelayed": row["due"], "delay": delay, "delay_reason": reason,
            "notes": [*notes, *row["notes"]]}
