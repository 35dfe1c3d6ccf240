"""Notification regimes as data: one YAML file per regime, validated with file and line in every error.

Built-in regimes live in builtin_dir("controls")/regimes; organisations add theirs in
`<dir>/regimes/*.yaml` for every folder named by COMPLIANCE_CONTROLS (os.pathsep-separated) or
`--controls-dir`. Nothing about a regime is hard-coded in Python.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from compliance.core.choices import check_known
from compliance.core.errors import DefinitionError, NotFoundError
from compliance.core.resources import builtin_dir
from compliance.deadlines.regime_model import (  # noqa: F401 - the names the rest of the code imports from here
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
    for_state,
)
from compliance.deadlines.regime_parser import collect_regime_errors, parse_regime_file  # noqa: F401

# --------------------------------------------------------------------------- discovery


def builtin_regime_dir() -> Path:
    """Returns the folder of the built-in regime files."""
    return builtin_dir("controls") / "regimes"


def regime_dirs(*, extra_dirs: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """Returns the regime folders: built-in, then COMPLIANCE_CONTROLS folders, then `extra_dirs` (each once)."""
    roots = [p for p in os.environ.get("COMPLIANCE_CONTROLS", "").split(os.pathsep) if p] + [str(d) for d in extra_dirs]
    dirs = [builtin_regime_dir()]
    for root in roots:
        dirs.append(Path(root) / "regimes")
    unique: list[Path] = []
    seen: set[Path] = set()
    for d in dirs:
        key = d.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def _regime_files(dirs: list[Path]) -> list[Path]:
    files = []
    for d in dirs:
        if d.is_dir():
            files.extend(sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
    return files


_CACHE: dict[tuple, dict[str, Regime]] = {}


def load_regimes(*, extra_dirs: Iterable[str | os.PathLike] = ()) -> dict[str, Regime]:
    """Returns every regime by id (built-in and extra folders); DefinitionError ('file:line: …') on a bad file."""
    files = _regime_files(regime_dirs(extra_dirs=extra_dirs))
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if key in _CACHE:
        return dict(_CACHE[key])
    regimes: dict[str, Regime] = {}
    for path in files:
        regime = parse_regime_file(path)
        if regime.id in regimes:
            raise DefinitionError(f"{path}:1: regime id {regime.id!r} is already defined in {regimes[regime.id].path}")
        regimes[regime.id] = regime
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[key] = regimes
    return dict(regimes)


def known_regime_ids(*, extra_dirs: Iterable[str | os.PathLike] = ()) -> set[str]:
    """Returns the ids of every known regime (built-in, COMPLIANCE_CONTROLS and `extra_dirs`)."""
    return set(load_regimes(extra_dirs=extra_dirs))


def get_known_entity_types(regime_ids: Iterable[str] = (), *, extra_dirs: Iterable[str | os.PathLike] = ()) -> list[str]:
    """Returns the entity types the given regimes (or, with none given, all regimes) distinguish."""
    regimes = load_regimes(extra_dirs=extra_dirs)
    chosen = [regimes[r] for r in regime_ids if r in regimes] or list(regimes.values())
    return sorted({t for regime in chosen for t in regime.entity_types})


def get_known_member_states(*, extra_dirs: Iterable[str | os.PathLike] = ()) -> list[str]:
    """Returns the Member State codes any regime knows."""
    return sorted({c for regime in load_regimes(extra_dirs=extra_dirs).values() for c in regime.member_states})


def check_incident_entity_type(value: str | None, regime_ids: Iterable[str], *, field: str = "--entity-type") -> str | None:
    """Returns the entity type when one of the incident's regimes (or any regime) knows it; refuses it otherwise."""
    if value is None or not str(value).strip():
        return None
    ids = list(regime_ids)
    scope = f"regimes {', '.join(ids)}" if ids else "any regime"
    return check_known(value, get_known_entity_types(ids), field=field, what="entity type", context=f" for {scope}")


def get_regime(regime_id: str, *, extra_dirs: Iterable[str | os.PathLike] = (), field: str = "--regime") -> Regime:
    """Returns the regime `regime_id`, or NotFoundError listing the valid ones."""
    regimes = load_regimes(extra_dirs=extra_dirs)
    if regime_id not in regimes:
        raise NotFoundError(f"unknown regime {regime_id!r} (valid: {', '.join(sorted(regimes))})", field=field)
    return regimes[regime_id]
