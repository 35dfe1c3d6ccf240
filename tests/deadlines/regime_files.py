"""The custom regime the deadline tests add as an organisation would: one State-law YAML file, written one way."""

from __future__ import annotations

from pathlib import Path

STATE_LAW = """\
id: state_law
name: Example State breach law
jurisdiction: US-XX
citation: Example Code 1.2
stages:
  - id: attorney_general
    title: Notify the Attorney General
    citation: Example Code 1.2(b)
    recipient: Attorney General
    trigger: aware_at
    clock: {hours: 24}
"""


def write_regime(folder: Path, text: str = STATE_LAW, *, name: str = "state_law.yaml") -> Path:
    """Writes `text` as `<folder>/regimes/<name>` (the layout COMPLIANCE_CONTROLS reads); returns the file."""
    path = folder / "regimes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
