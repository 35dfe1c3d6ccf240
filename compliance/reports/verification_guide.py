"""How to check a pack with standard tools only: the appendix of every pack and a README section.

RP-GUIDE-1  One text, two renderings: `guide_sections()` feeds the pack's appendix (guide_section.py)
            and `guide_markdown()` is the README section (a test keeps the README equal to it).
RP-GUIDE-2  Every command block is a POSIX shell snippet that runs as written with PACK, MANIFEST,
            CA and EVIDENCE set; tests/reports/test_verification_guide.py runs them against real
            packs and asserts they agree with `compliance report verify`.
No ReportLab import here: the text is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE = "Appendix: checking this pack with standard tools"
LEDGER_NOTES = "notes/ledger-verify.md"


@dataclass(frozen=True)
class GuideSection:
    """A titled step: paragraphs of prose and one shell block (may be empty)."""

    title: str
    prose: tuple[str, ...]
    commands: str = ""


VARIABLES = """PACK=q1.pdf                   # the pack
MANIFEST=q1.manifest.json     # its side-car manifest
CA=ca.pem                     # the CA (or certificate) you trust for the signer and the TSA
EVIDENCE=/srv/compliance/evidence   # the store's evidence folder"""

EXTRACT = """# extract N: signed bytes of the N-th signature or timestamp into $2.bytes, its CMS into $2.der
extract() {
  set -- $(grep -a -o '/ByteRange *\\[[0-9 ]*\\]' "$PACK" | sed -n "$1p" | sed 's/[^0-9 ]//g') "$2"
  { head -c "$2" "$PACK"; tail -c +"$(($3 + 1))" "$PACK" | head -c "$4"; } > "$5.bytes"
  head -c "$(($3 - 1))" "$PACK" | tail -c +"$(($2 + 2))" | xxd -r -p > "$5.der"
}"""


def guide_sections() -> list[GuideSection]:
    """The steps of the guide, in order."""
    return [
        GuideSection("What each check proves", (
            "The pack hash shows that this PDF and its manifest agree; it proves nothing on its own, because "
            "whoever can edit the PDF can edit the manifest. A signature that chains to a certificate you "
            "trust shows who produced the pack and that no byte changed since. An RFC 3161 timestamp shows "
            "that the pack existed, as it is, at the timestamp's instant; the generation instant on the cover "
            "is the producer's claim (it can be set with --generated-at) and must not be later than the "
            "timestamp. Evidence and ledger checks show that the store still holds what the pack states.",
            "Set these variables, then run the steps below in a POSIX shell (coreutils, grep, sed, xxd, "
            "openssl; pdfsig and pdfdetach come with poppler-utils).",
        ), VARIABLES),
        GuideSection("1. The pack hash", (
            "The SHA-256 of the final file, signature and timestamp included, must equal pack.sha256 in the "
            "manifest (the only \"sha256\" key indented by four spaces; jq -r .pack.sha256 prints it too). "
            "sha256sum -c prints the pack's name followed by OK.",
        ), """sha256sum "$PACK"
echo "$(grep -E '^    "sha256": ' "$MANIFEST" | cut -d'"' -f4)  $PACK" | sha256sum -c"""),
        GuideSection("2. The embedded manifest", (
            "The pack carries its manifest as the attached file audit-pack-manifest.json, covered by the "
            "signature and the timestamp. It is the side-car manifest without the four keys that cannot be "
            "known inside the file: pack.file, pack.sha256, pack.size and pack.timestamp. Every other key "
            "must be identical.",
        ), """pdfdetach -list "$PACK"
pdfdetach -savefile audit-pack-manifest.json -o embedded-manifest.json "$PACK\""""),
        GuideSection("3. The signature", (
            "pdfsig reports whether the signature is valid and who signed. With openssl: the first "
            "/ByteRange of the file is the signature's; openssl checks the CMS signature over exactly those "
            "bytes and that the signer chains to $CA, and writes the signer's certificate so its SHA-256 "
            "fingerprint and subject can be compared with the output of compliance report verify. When the "
            "pack is also timestamped, the signature covers the file up to the timestamp, and the timestamp "
            "(step 4) covers the rest.",
        ), EXTRACT + """
pdfsig "$PACK"
extract 1 signature
openssl cms -verify -binary -inform DER -in signature.der -content signature.bytes \\
    -CAfile "$CA" -purpose any -signer signer.pem -out /dev/null
openssl x509 -in signer.pem -noout -fingerprint -sha256 -subject"""),
        GuideSection("4. The timestamp", (
            "A timestamped pack ends with an RFC 3161 document timestamp: its /ByteRange is the last one in "
            "the file and must end at the file's last byte. openssl checks the token's signature against $CA "
            "and that its message imprint is the SHA-256 of those bytes; the reply text shows the "
            "timestamp's instant, which report verify prints beside the claimed generation instant.",
        ), """extract "$(grep -a -c '/ByteRange' "$PACK")" timestamp
openssl ts -verify -data timestamp.bytes -in timestamp.der -token_in -CAfile "$CA"
openssl ts -reply -in timestamp.der -token_in -token_out -text | grep 'Time stamp'"""),
        GuideSection("5. Every evidence file", (
            "Evidence is stored under its own SHA-256 (blobs/aa/bb/<sha256>), so each blob's name is the "
            "hash its content must have. Every line must say OK, and every SHA-256 in the pack's evidence "
            "manifest must have a blob.",
        ), """(cd "$EVIDENCE/blobs" && find . -type f -printf '%f  %p\\n' | sha256sum -c --quiet && echo all blobs OK)"""),
        GuideSection("6. The ledger", (
            f"The store's ledger (every record the pack states, hash-chained) is recomputed by the short "
            f"standalone script documented in {LEDGER_NOTES}, which uses only the Python standard library "
            "and an RFC 8785 (JSON Canonicalization Scheme) encoder; its head and length must equal the ones "
            "in the manifest, which is what compliance report verify --store checks.",
        ), ""),
    ]


def guide_markdown() -> str:
    """The guide as the README section (heading level 3 for each step)."""
    lines = ["## Checking a pack with standard tools", "",
             "<!-- verification-guide: generated from compliance/reports/verification_guide.py -->", ""]
    for section in guide_sections():
        lines += [f"### {section.title}", ""]
        for para in section.prose:
            lines += [para, ""]
        if section.commands:
            lines += ["```sh", section.commands, "```", ""]
    lines.append("<!-- verification-guide:end -->")
    return "\n".join(lines) + "\n"


def guide_script() -> str:
    """Every command block joined, for the test that runs them (variables come from the environment)."""
    return "\n".join(s.commands for s in guide_sections()[1:] if s.commands) + "\n"


def cover_rows(*, signer_fingerprint: str | None, timestamp_authority: str | None) -> list[tuple[str, str]]:
    """The cover lines on anchoring: the signer certificate's fingerprint and what the generation instant is."""
    rows = []
    if signer_fingerprint:
        rows.append(("Signer certificate SHA-256", signer_fingerprint))
    if timestamp_authority:
        rows.append(("Trusted timestamp", f"RFC 3161 document timestamp requested from {timestamp_authority}; its "
                                          "instant is in the final file (report verify prints it). The generation "
                                          "instant above is the producer's claim."))
    else:
        rows.append(("Trusted timestamp", "none: the generation instant above is the producer's claim"))
    return rows
