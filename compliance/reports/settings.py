"""Per-store audit-pack settings (the settings table, key SETTINGS_KEY).

RP-SET-1  require_signature: `report verify --store` fails an unsigned pack, an untrusted signature
          or a missing --trust (as --require-signature does), and `report audit-pack` refuses to
          produce an unsigned pack from this store.
"""

from __future__ import annotations

from sqlmodel import Session

from compliance.db.settings import get_setting, set_setting

SETTINGS_KEY = "reports.signing"
DEFAULTS = {"require_signature": False}


def get_report_settings(*, session: Session) -> dict:
    """Returns the store's audit-pack settings (defaults filled in)."""
    stored = get_setting(session=session, key=SETTINGS_KEY)
    return {key: bool(stored.get(key, default)) for key, default in DEFAULTS.items()}


def set_report_settings(*, session: Session, require_signature: bool | None = None) -> dict:
    """Changes the given settings; returns them all."""
    settings = get_report_settings(session=session)
    if require_signature is not None:
        settings["require_signature"] = bool(require_signature)
    set_setting(session=session, key=SETTINGS_KEY, value=settings)
    return settings


def store_requires_signature(store) -> bool:
    """True when the store's settings require signed packs."""
    with store.session() as session:
        return get_report_settings(session=session)["require_signature"]
