"""How the pack writes instants, dates, sizes, percentages and metric values (plain strings, no markup)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from compliance.reports.model import AuditPack


def fmt_instant(dt: datetime | None) -> str:
    """'2026-03-01 14:23 UTC' (seconds shown when not zero)."""
    if dt is None:
        return "—"
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S" if dt.second else "%Y-%m-%d %H:%M") + " UTC"


def fmt_short(dt: datetime | None) -> str:
    """'2026-03-01 14:23' in UTC, for table columns whose header says (UTC)."""
    if dt is None:
        return "—"
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def fmt_stacked(dt: datetime | None) -> str:
    """'2026-03-01\n14:23' in UTC: a date over its time, for narrow table columns."""
    return fmt_short(dt).replace(" ", "\n", 1)


def fmt_date(d: date | None) -> str:
    """ISO date or a dash."""
    return "—" if d is None else d.isoformat()


def fmt_size(n: int | None) -> str:
    """Bytes in B, KiB, MiB or GiB."""
    if n is None:
        return "—"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def period_text(pack: AuditPack, all_time: str = "all recorded incidents") -> str:
    """The pack's period as 'from – to' (or the all-time wording)."""
    if pack.period_from is None and pack.period_to is None:
        return all_time
    return f"{fmt_date(pack.period_from) if pack.period_from else '…'} – {fmt_date(pack.period_to) if pack.period_to else '…'}"


def pct(part: int, whole: int) -> str:
    """'42 %' or a dash when there is nothing to divide by."""
    return "—" if not whole else f"{100 * part / whole:.0f} %"


def metric_value(value: float | None, unit: str) -> str:
    """A metric value with its unit ('18.5 h', '80 %')."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.0f} %"
    if unit == "ratio":
        return f"{100 * value:.0f} %"
    text = f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
    return f"{text} {unit}".strip()


def fmt_exact(dt: datetime, zone: str) -> str:
    """An exact instant in the organisation's zone and in UTC: '2026-01-01 00:00:00 Europe/Berlin (… UTC)'."""
    from compliance.core.timeutil import get_zone

    local = dt.astimezone(get_zone(zone))
    pattern = "%Y-%m-%d %H:%M:%S.%f" if dt.microsecond else "%Y-%m-%d %H:%M:%S"
    if zone == "UTC":
        return f"{local.strftime(pattern)} UTC"
    return f"{local.strftime(pattern)} {zone} ({dt.astimezone(UTC).strftime(pattern)} UTC)"


def population_period_text(pack: AuditPack, cover: dict) -> str:
    """The period in words: dates and zone, or 'all incidents recorded up to …'; 'period still open' when it is."""
    population = pack.population
    if population is None:
        return period_text(pack, cover["all_time"])
    if pack.period_from is None and pack.period_to is None:
        text = cover["all_time_up_to"].format(generated=fmt_instant(pack.generated_at))
    else:
        text = f"{period_text(pack)} ({population.zone})"
    return text + (f"; {cover['still_open']}" if population.still_open else "")


def fmt_duration(delta: timedelta) -> str:
    """A duration the one way the pack writes them, number and unit apart: '1 d 15 h', '19 h 43 min', '45 min'."""
    sign = "-" if delta < timedelta(0) else ""
    total = int(abs(delta).total_seconds())
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if rem // 60 or not parts:
        parts.append(f"{rem // 60} min")
    return sign + " ".join(parts[:2])


_COMPACT_DURATION = re.compile(r"(?<![\w.:/-])(\d+)([dhm])(?![\w-])")


def spaced_durations(text: str) -> str:
    """Engine findings write '4d 3h' and '48h'; the pack writes '4 d 3 h' and '48 h' (fmt_duration's units)."""
    return _COMPACT_DURATION.sub(lambda m: f"{m.group(1)} {'min' if m.group(2) == 'm' else m.group(2)}", text)


def stage_label(regime: str, stage: str) -> str:
    """A notification stage as it is named everywhere in the pack: 'gdpr / authority_notification' (the
    identifiers of the regime file, never prose in one place and identifiers in another)."""
    return f"{regime} / {stage}"
