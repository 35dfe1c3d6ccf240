"""The manifest embedded in the pack as an attached file, so the PDF is self-contained.

RP-ATT-1  The embedded copy is added as an incremental update of the rendered PDF, before signing
          and timestamping, so the signature and the timestamp cover it. Its second document id is
          derived from the bytes (not random) and /ModDate is left at the pack's instant: an
          unsigned pack stays byte-reproducible.
RP-ATT-2  It is attached as EMBEDDED_NAME (application/json); `pdfdetach -list PACK.pdf` shows it.
          What it contains, and how it relates to the side-car, is manifest.py's RP-MAN-3.
"""

from __future__ import annotations

import hashlib
from io import BytesIO

EMBEDDED_NAME = "audit-pack-manifest.json"
DESCRIPTION = "Manifest of this audit pack (the side-car manifest without pack.file, pack.sha256, pack.size, pack.timestamp)"


def embed_manifest(pdf: bytes, manifest: bytes) -> bytes:
    """Returns `pdf` with `manifest` attached as EMBEDDED_NAME (deterministic, see RP-ATT-1)."""
    from pyhanko.pdf_utils import embed, generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    seed = hashlib.sha256(pdf + manifest).digest()[:16]

    class _Writer(IncrementalPdfFileWriter):
        @classmethod
        def _handle_id(cls, prev):
            ids = super()._handle_id(prev)
            ids[1] = generic.ByteStringObject(seed)
            return ids

        def _update_meta(self):  # keep /ModDate (the pack's instant) instead of stamping 'now'
            pass

    writer = _Writer(BytesIO(pdf))
    data = embed.EmbeddedFileObject.from_file_data(writer, manifest, mime_type="application/json",
                                                   params=embed.EmbeddedFileParams(embed_checksum=False))
    embed.embed_file(writer, embed.FileSpec(file_spec_string=EMBEDDED_NAME, file_name=EMBEDDED_NAME,
                                            embedded_data=data, description=DESCRIPTION))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def read_embedded_manifest(reader) -> bytes | None:
    """Returns the bytes of the attached manifest of a pyHanko PdfFileReader, or None when absent."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return None
    pairs = list(names)
    for i in range(0, len(pairs) - 1, 2):
        if str(pairs[i]) == EMBEDDED_NAME:
            spec = pairs[i + 1].get_object()
            return spec["/EF"]["/F"].get_object().data
    return None
