"""Writing a pack and its side-car manifest: never a half pair, never a silent overwrite.

RP-FILE-1  An existing pack or manifest is not overwritten unless force=True (one-line ConflictError
           naming --output or --manifest; exit 1). Without force the files are created with
           link(2), which refuses an existing name atomically (no check-then-write race).
RP-FILE-2  Both files are written and fsynced as temporary files in their target folders before
           either is renamed. The manifest is put in place first, then the PDF. If the second
           step fails, the manifest that was there before is put back (or the new one removed),
           so the pair on disk is the old pair or the new pair.
RP-FILE-3  A process killed between the two steps leaves the new manifest beside the old PDF;
           `report verify` then fails on the pack hash and on the embedded manifest (exit 4),
           and says the side-car belongs to another pack. No state is silently mixed.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from compliance.core.errors import ConflictError, ValidationError
from compliance.reports.manifest import manifest_path_for

# Test hook: called between the manifest's step and the PDF's step (fault injection).
between_steps: Callable[[], None] | None = None


def check_output(output: str | Path, manifest_path: str | Path | None, *, force: bool = False) -> None:
    """Refuses a missing folder, a folder, a manifest that is the pack, or an existing pack without force."""
    output = Path(output)
    if output.is_dir():
        raise ValidationError(f"{output} is a folder; give a file name such as pack.pdf", field="--output")
    if not output.parent.is_dir():
        raise ValidationError(f"folder {output.parent} does not exist", field="--output")
    if not force and os.path.lexists(output):
        raise ConflictError(f"{output} exists: give --force to replace it", field="--output")
    mp = Path(manifest_path) if manifest_path is not None else manifest_path_for(output)
    if not mp.parent.is_dir():
        raise ValidationError(f"folder {mp.parent} does not exist", field="--manifest")
    if mp.resolve() == output.resolve():
        raise ValidationError("the manifest cannot be the pack itself", field="--manifest")
    if mp.is_dir():
        raise ValidationError(f"{mp} is a folder", field="--manifest")
    if not force and os.path.lexists(mp):
        raise ConflictError(f"{mp} exists: give --force to replace it", field="--manifest")


def write_pack_files(pdf_path: Path, pdf: bytes, manifest_path: Path, manifest: bytes, *, force: bool = False) -> None:
    """Writes the pack and its manifest as a pair (RP-FILE-1..3)."""
    temps: list[Path] = []
    backup: Path | None = None
    manifest_placed = False
    try:
        tmp_manifest = _temp_with(manifest_path, manifest)
        temps.append(tmp_manifest)
        tmp_pdf = _temp_with(pdf_path, pdf)
        temps.append(tmp_pdf)
        if force:
            if os.path.lexists(manifest_path):
                backup = manifest_path.with_name(f".{manifest_path.name}.{secrets.token_hex(6)}.old")
                os.link(manifest_path, backup)
            os.replace(tmp_manifest, manifest_path)
        else:
            _link_new(tmp_manifest, manifest_path, field="--manifest")
        manifest_placed = True
        if between_steps is not None:
            between_steps()
        if force:
            os.replace(tmp_pdf, pdf_path)
        else:
            _link_new(tmp_pdf, pdf_path, field="--output")
        manifest_placed = False
    except BaseException:
        if manifest_placed:  # the PDF step failed: put the previous manifest back (or remove the new one)
            try:
                if backup is not None:
                    os.replace(backup, manifest_path)
                    backup = None
                else:
                    os.unlink(manifest_path)
            except OSError:
                pass
        raise
    finally:
        for path in [*temps, *([backup] if backup else [])]:
            try:
                os.unlink(path)
            except OSError:
                pass


def _temp_with(target: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(tmp)


def _link_new(tmp: Path, target: Path, *, field: str) -> None:
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise ConflictError(f"{target} exists: give --force to replace it", field=field) from None
