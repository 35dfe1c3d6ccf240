"""Parsing a regime YAML file into a Regime, every error kept with its file and line."""

from __future__ import annotations

import os
import re
from datetime import date, time
from pathlib import Path
from typing import Any

from compliance.core.errors import DefinitionError, ValidationError
from compliance.core.timeutil import get_zone
from compliance.core.yamlload import LineDict, LineList, load_yaml_file
from compliance.deadlines.delay_rules import parse_delays
from compliance.deadlines.regime_model import (
    ALWAYS,
    CLOCK_KINDS,
    FILINGS,
    MONTH_READINGS,
    PENDING,
    BusinessCalendar,
    Cap,
    Clock,
    Condition,
    InForce,
    Regime,
    Relief,
    Stage,
    Variant,
)
from compliance.deadlines.yamlcheck import _Errors, _keys, _line, _positive_int, _text
from compliance.incidents.enums import CLOCK_FIELDS
from compliance.incidents.enums import STATE_CODE as _STATE

_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")



def _hhmm(node: LineDict, key: str, where: str, errors: _Errors) -> time | None:
    value = node.get(key)
    match = _HHMM.match(str(value)) if isinstance(value, str) else None
    if not match:
        errors.add(node.line_of(key), f"{where}: {key!r} must be a quoted HH:MM time, not {value!r}")
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _calendar_problem(country: str, subdivision: str | None, financial: str | None, *, deep: bool) -> str | None:
    """Returns why a holiday calendar is unknown, or None. Loading checks the codes against the `holidays`
    registry (importing one country imports all of them, about a second); `deep` (validation) builds it."""
    if deep:
        import holidays

        try:
            holidays.country_holidays(country, subdiv=subdivision, years=[2026])
            if financial:
                holidays.financial_holidays(financial, years=[2026])
        except NotImplementedError as exc:
            return str(exc)
        return None
    from holidays.registry import COUNTRIES, FINANCIAL

    if not any(country in names[1:] for names in COUNTRIES.values()):
        return f"Country {country} not available"
    if financial and not any(financial in names[1:] for names in FINANCIAL.values()):
        return f"Financial market {financial} not available"
    return None


def _calendar(node: Any, where: str, errors: _Errors) -> BusinessCalendar | None:
    if not isinstance(node, LineDict):
        errors.add(_line(node), f"{where}: 'calendar' must be a mapping (country, subdivision, financial, extra_closed)")
        return None
    _keys(node, {"country", "subdivision", "financial", "extra_closed"}, where, errors)
    country = _text(node, "country", where, errors)
    subdivision = _text(node, "subdivision", where, errors, required=False)
    financial = _text(node, "financial", where, errors, required=False)
    extra: list[date] = []
    uncertain: list[date] = []
    closed = node.get("extra_closed", [])
    if not isinstance(closed, list):
        errors.add(node.line_of("extra_closed"), f"{where}: 'extra_closed' must be a list of dates")
        closed = []
    for index, item in enumerate(closed):
        if isinstance(item, LineDict):  # {date, source, uncertain}
            _keys(item, {"date", "source", "uncertain"}, f"{where} extra_closed", errors)
            _text(item, "source", f"{where} extra_closed", errors)
            if not isinstance(item.get("uncertain", False), bool):
                errors.add(item.line_of("uncertain"), f"{where} extra_closed: 'uncertain' must be true or false")
            flagged, item = item.get("uncertain") is True, item.get("date")
        else:
            flagged = False
        try:
            day = item if isinstance(item, date) else date.fromisoformat(str(item))
        except ValueError:
            errors.add(_line(closed, index), f"{where}: extra_closed entry {item!r} is not a YYYY-MM-DD date")
            continue
        extra.append(day)
        if flagged:
            uncertain.append(day)
    if country:
        problem = _calendar_problem(country, subdivision, financial, deep=errors.deep)
        if problem:
            errors.add(node.line, f"{where}: unknown holiday calendar ({problem})")
            return None
        return BusinessCalendar(country=country, subdivision=subdivision, financial=financial, extra_closed=tuple(extra),
                                uncertain_closed=tuple(uncertain))
    return None


def _clock(node: Any, where: str, errors: _Errors) -> Clock | None:
    where = f"{where} clock"
    if not isinstance(node, LineDict):
        errors.add(_line(node), f"{where}: must be a mapping with one of {', '.join(CLOCK_KINDS)}")
        return None
    _keys(node, set(CLOCK_KINDS) | {"reading", "from_end_of_calendar_year", "calendar", "cutoff", "timezone",
                                    "configurable"}, where, errors)
    kinds = [k for k in CLOCK_KINDS if k in node]
    if len(kinds) != 1:
        errors.add(node.line, f"{where}: give exactly one of {', '.join(CLOCK_KINDS)} (found {', '.join(kinds) or 'none'})")
        return None
    kind = kinds[0]
    if kind == "undue_delay":
        if node["undue_delay"] is not True:
            errors.add(node.line_of("undue_delay"), f"{where}: 'undue_delay' must be true")
        configurable = _text(node, "configurable", where, errors, required=False)
        return Clock(kind=kind, configurable=configurable)
    amount = _positive_int(node, kind, where, errors)
    reading = node.get("reading", "same_time")
    if reading not in MONTH_READINGS or ("reading" in node and kind != "months"):
        errors.add(node.line_of("reading"),
            f"{where}: 'reading' is for month clocks and must be one of {', '.join(MONTH_READINGS)}")
    end_of_year = node.get("from_end_of_calendar_year", False)
    if not isinstance(end_of_year, bool) or (end_of_year and kind != "calendar_days"):
        errors.add(node.line_of("from_end_of_calendar_year"),
            f"{where}: 'from_end_of_calendar_year' is a true/false for calendar_days clocks")
    calendar = cutoff = zone = None
    if kind == "business_days":
        if "calendar" not in node:
            errors.add(node.line, f"{where}: business_days needs a 'calendar' (e.g. country: US)")
        else:
            calendar = _calendar(node["calendar"], where, errors)
        if "cutoff" in node:
            cutoff = _hhmm(node, "cutoff", where, errors)
    elif "calendar" in node or "cutoff" in node:
        errors.add(node.line, f"{where}: 'calendar' and 'cutoff' are for business_days clocks")
    if "timezone" in node:
        zone = _text(node, "timezone", where, errors)
        if zone:
            try:
                get_zone(zone)
            except ValidationError:
                errors.add(node.line_of("timezone"), f"{where}: unknown time zone {zone!r}")
                zone = None
    if amount is None:
        return None
    return Clock(kind=kind, amount=amount, reading=reading if reading in MONTH_READINGS else "same_time",
                 from_end_of_calendar_year=end_of_year is True, calendar=calendar, cutoff=cutoff, timezone=zone)


def _condition(node: Any, where: str, errors: _Errors) -> Condition | None:
    if not isinstance(node, LineDict) or not node:
        errors.add(_line(node), f"{where}: a condition is a mapping of entity_types / affected_at_least / "
                                "affected_more_than / affected_below")
        return None
    _keys(node, {"entity_types", "affected_at_least", "affected_more_than", "affected_below"}, where, errors)
    types = node.get("entity_types", [])
    if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
        errors.add(node.line_of("entity_types"), f"{where}: 'entity_types' must be a list of names")
        types = []
    numbers = {}
    for key in ("affected_at_least", "affected_more_than", "affected_below"):
        if key in node:
            value = node[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors.add(node.line_of(key), f"{where}: {key!r} must be a whole number")
            else:
                numbers[key] = value
    return Condition(entity_types=tuple(types), **numbers)


_STAGE_KEYS = {"id", "title", "citation", "recipient", "trigger", "clock", "variants", "cap", "relief", "applies_when",
               "only_if_triggered", "late_requires_reason", "waivable", "content", "source", "in_force_from",
               "per_state", "required_when"}
# The assessment levels a stage's required_when may name (compliance.decisions RiskLevel, above none).
REQUIRED_LEVELS = ("risk", "high")


def _in_force(node: LineDict, where: str, errors: _Errors) -> InForce | None:
    """Parses `in_force_from`: a YYYY-MM-DD date, or `pending` while the start date is not fixed."""
    if "in_force_from" not in node:
        return None
    value = node["in_force_from"]
    if value == PENDING:
        return InForce(pending=True)
    try:
        return InForce(from_date=value if isinstance(value, date) else date.fromisoformat(str(value)))
    except ValueError:
        errors.add(node.line_of("in_force_from"),
                   f"{where}: 'in_force_from' must be a YYYY-MM-DD date or {PENDING!r}, not {value!r}")
        return None


def _required_from(node: LineDict, where: str, errors: _Errors) -> str | None:
    """Parses `required_when: {breach_assessment: LEVEL}`: the assessment level from which the stage is required."""
    if "required_when" not in node:
        return None
    raw = node["required_when"]
    if not isinstance(raw, LineDict) or list(raw) != ["breach_assessment"]:
        if isinstance(raw, LineDict):
            _keys(raw, {"breach_assessment"}, f"{where} required_when", errors)
        errors.add(node.line_of("required_when"), f"{where}: 'required_when' must be {{breach_assessment: LEVEL}} "
                                                  f"(LEVEL one of {', '.join(REQUIRED_LEVELS)})")
        return None
    level = raw["breach_assessment"]
    if level not in REQUIRED_LEVELS:
        errors.add(raw.line_of("breach_assessment"), f"{where} required_when: unknown breach_assessment level "
                                                     f"{level!r} (valid: {', '.join(REQUIRED_LEVELS)})")
        return None
    return level


def _stage(node: Any, index: int, stages_node: LineList, errors: _Errors) -> Stage | None:
    if not isinstance(node, LineDict):
        errors.add(_line(stages_node, index), f"stage {index + 1}: must be a mapping")
        return None
    stage_id = node.get("id")
    where = f"stage {stage_id!r}" if isinstance(stage_id, str) else f"stage {index + 1}"
    _keys(node, _STAGE_KEYS, where, errors)
    if not isinstance(stage_id, str) or not _ID.match(stage_id):
        errors.add(node.line_of("id"), f"{where}: 'id' must be lower_snake_case (a-z, 0-9, _)")
    title = _text(node, "title", where, errors)
    citation = _text(node, "citation", where, errors)
    recipient = _text(node, "recipient", where, errors)
    source = _text(node, "source", where, errors, required=False)
    trigger = node.get("trigger")
    trigger_field = after_stage = None
    after_filing = "first"
    if isinstance(trigger, str):
        if trigger not in CLOCK_FIELDS:
            errors.add(node.line_of("trigger"), f"{where}: unknown trigger {trigger!r} (an incident instant: "
                                                f"{', '.join(CLOCK_FIELDS)}; or {{stage: ID}})")
        trigger_field = trigger
    elif isinstance(trigger, LineDict) and isinstance(trigger.get("stage"), str):
        _keys(trigger, {"stage", "filing"}, f"{where} trigger", errors)
        after_stage = trigger["stage"]
        after_filing = trigger.get("filing", "first")
        if after_filing not in FILINGS:
            errors.add(trigger.line_of("filing"), f"{where} trigger: 'filing' must be one of {', '.join(FILINGS)}")
            after_filing = "first"
    else:
        errors.add(node.line_of("trigger") if "trigger" in node else node.line,
                   f"{where}: 'trigger' must name an incident instant ({', '.join(CLOCK_FIELDS)}) or be {{stage: ID}}")
    clock = _clock(node.get("clock"), where, errors) if "clock" in node else None
    if "clock" not in node:
        errors.add(node.line, f"{where}: missing 'clock'")
    variants = []
    raw_variants = node.get("variants", [])
    if not isinstance(raw_variants, list):
        errors.add(node.line_of("variants"), f"{where}: 'variants' must be a list of {{when, clock}}")
        raw_variants = []
    for vi, item in enumerate(raw_variants):
        vwhere = f"{where} variant {vi + 1}"
        if not isinstance(item, LineDict) or "when" not in item or "clock" not in item:
            errors.add(_line(raw_variants, vi), f"{vwhere}: must be a mapping with 'when' and 'clock'")
            continue
        _keys(item, {"when", "clock"}, vwhere, errors)
        cond, vclock = _condition(item["when"], vwhere, errors), _clock(item["clock"], vwhere, errors)
        if cond and vclock:
            variants.append(Variant(when=cond, clock=vclock))
    cap = None
    if "cap" in node:
        raw = node["cap"]
        if isinstance(raw, LineDict):
            _keys(raw, {"hours", "from"}, f"{where} cap", errors)
            hours = _positive_int(raw, "hours", f"{where} cap", errors)
            src = raw.get("from")
            if src not in CLOCK_FIELDS:
                errors.add(raw.line_of("from"), f"{where} cap: 'from' must be an incident instant ({', '.join(CLOCK_FIELDS)})")
            elif hours:
                cap = Cap(hours=hours, from_field=src)
        else:
            errors.add(node.line_of("cap"), f"{where}: 'cap' must be a mapping (hours, from)")
    relief = None
    if "relief" in node:
        raw = node["relief"]
        if isinstance(raw, LineDict):
            _keys(raw, {"until", "not_for_entity_types"}, f"{where} relief", errors)
            until = _hhmm(raw, "until", f"{where} relief", errors)
            excluded = raw.get("not_for_entity_types", [])
            if not isinstance(excluded, list) or not all(isinstance(t, str) for t in excluded):
                errors.add(raw.line_of("not_for_entity_types"), f"{where} relief: 'not_for_entity_types' must be a list")
                excluded = []
            if until:
                relief = Relief(until=until, not_for_entity_types=tuple(excluded))
        else:
            errors.add(node.line_of("relief"), f"{where}: 'relief' must be a mapping (until, not_for_entity_types)")
    applies = _condition(node["applies_when"], f"{where} applies_when", errors) if "applies_when" in node else None
    flags = {}
    for key, default in (("only_if_triggered", False), ("late_requires_reason", False), ("waivable", True),
                         ("per_state", False)):
        value = node.get(key, default)
        if not isinstance(value, bool):
            errors.add(node.line_of(key), f"{where}: {key!r} must be true or false")
            value = default
        flags[key] = value
    content = node.get("content", [])
    if not isinstance(content, list) or not all(isinstance(c, str) for c in content):
        errors.add(node.line_of("content"), f"{where}: 'content' must be a list of text items")
        content = []
    if not (isinstance(stage_id, str) and _ID.match(stage_id) and title and citation and recipient and clock
            and (trigger_field or after_stage)):
        return None
    return Stage(id=stage_id, title=title, citation=citation, recipient=recipient, clock=clock,
                 trigger_field=trigger_field, after_stage=after_stage, after_filing=after_filing,
                 variants=tuple(variants), cap=cap, relief=relief, applies_when=applies,
                 content=tuple(content), source=source, in_force=_in_force(node, where, errors),
                 required_from=_required_from(node, where, errors), **flags)


def _parse_regime(data: Any, path: Path, errors: _Errors) -> Regime | None:
    if not isinstance(data, LineDict):
        errors.add(_line(data), "a regime file is a mapping with id, name, jurisdiction, citation and stages")
        return None
    _keys(data, {"id", "name", "jurisdiction", "citation", "status_note", "in_force_from", "residents_of", "stages",
                 "entity_types", "member_states", "delays"},
          "regime", errors)
    regime_id = data.get("id")
    if not isinstance(regime_id, str) or not _ID.match(regime_id):
        errors.add(data.line_of("id"), "regime: 'id' must be lower_snake_case (a-z, 0-9, _)")
    name = _text(data, "name", "regime", errors)
    jurisdiction = _text(data, "jurisdiction", "regime", errors)
    citation = _text(data, "citation", "regime", errors)
    note = _text(data, "status_note", "regime", errors, required=False)
    in_force = _in_force(data, "regime", errors) or ALWAYS
    residents_of = _text(data, "residents_of", "regime", errors, required=False)
    if residents_of and not _STATE.match(residents_of):
        errors.add(data.line_of("residents_of"), f"regime: 'residents_of' must be a State code such as US-CA, "
                                                 f"not {residents_of!r}")
    raw_stages = data.get("stages")
    stages: list[Stage] = []
    if not isinstance(raw_stages, list) or not raw_stages:
        errors.add(data.line_of("stages"), "regime: 'stages' must be a non-empty list")
        raw_stages = LineList()
    for index, node in enumerate(raw_stages):
        stage = _stage(node, index, raw_stages, errors)
        if stage is not None:
            stages.append(stage)
    seen: dict[str, int] = {}
    for index, node in enumerate(raw_stages):
        sid = node.get("id") if isinstance(node, LineDict) else None
        if isinstance(sid, str):
            if sid in seen:
                errors.add(_line(raw_stages, index), f"stage {sid!r}: duplicate stage id")
            seen[sid] = index
    for index, node in enumerate(raw_stages):
        if not isinstance(node, LineDict):
            continue
        trigger = node.get("trigger")
        if isinstance(trigger, LineDict) and isinstance(trigger.get("stage"), str):
            target = trigger["stage"]
            if target not in seen or seen[target] >= index:
                errors.add(trigger.line, f"stage {node.get('id')!r}: trigger stage {target!r} must be an earlier "
                                         f"stage of this regime")
    declared_types = _name_list(data, "entity_types", errors)
    states = _name_list(data, "member_states", errors)
    for index, code in enumerate(states):
        if _calendar_problem(code, None, None, deep=False):  # the registry only: building calendars costs a second
            errors.add(_line(data["member_states"], index), f"regime: member state {code!r} has no holiday calendar")
    used = [t for st in stages for cond in [st.applies_when, *(v.when for v in st.variants)] if cond
            for t in cond.entity_types] + [t for st in stages if st.relief for t in st.relief.not_for_entity_types]
    if "entity_types" in data:
        for name_ in dict.fromkeys(used):
            if name_ not in declared_types:
                errors.add(data.line_of("entity_types"), f"regime: entity type {name_!r} is used by a stage but not "
                                                         "listed in 'entity_types'")
    delays = parse_delays(data, {st.id: st.per_state for st in stages}, errors)
    if errors.items or not (isinstance(regime_id, str) and name and jurisdiction and citation):
        return None
    return Regime(id=regime_id, name=name, jurisdiction=jurisdiction, citation=citation, stages=tuple(stages),
                  path=str(path), status_note=note, in_force=in_force, residents_of=residents_of,
                  entity_types=tuple(dict.fromkeys([*declared_types, *used])),
                  member_states=tuple(states), delays=delays)


def _name_list(data: LineDict, key: str, errors: _Errors) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.add(data.line_of(key), f"regime: {key!r} must be a list of names")
        return []
    return [v.strip() for v in value]


def collect_regime_errors(path: str | os.PathLike) -> list[str]:
    """Returns every error of one regime file ('file:line: what is wrong'); empty when it is valid."""
    errors = _Errors(str(path), deep=True)
    try:
        data = load_yaml_file(path)
    except DefinitionError as exc:
        return [str(exc)]
    _parse_regime(data, Path(path), errors)
    return errors.items


def parse_regime_file(path: str | os.PathLike) -> Regime:
    """Returns the regime defined in `path`, or DefinitionError with its first error."""
    errors = _Errors(str(path))
    data = load_yaml_file(path)
    regime = _parse_regime(data, Path(path), errors)
    if errors.items or regime is None:
        raise DefinitionError(errors.items[0] if errors.items else f"{path}: invalid regime")
    return regime
