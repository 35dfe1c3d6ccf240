"""PDF audit packs: the pack model, its rendering, signing and verification.

model.py    AuditPack and its parts (what the gatherer fills, what the renderer reads)
render.py   render_pack(pack, public=) -> PDF bytes (ReportLab platypus); text.py escaping, layout.py styles,
            document.py doc template, writer.py building blocks, sections/ one module per section
charts.py   trend charts (ReportLab graphics)
manifest.py PACK.manifest.json (pack SHA-256, contents, evidence hashes)
sign.py     PAdES signing and RFC 3161 document timestamps with pyHanko
attach.py   the manifest embedded in the PDF as an attached file
authenticity.py  the pack-file checks of verify: signatures, trust, timestamps, verdict
packfiles.py     writing pack + manifest as a pair, no overwrite without force
settings.py      per-store audit-pack settings (signatures required)
verification_guide.py / guide_section.py  the standard-tools appendix (text / flowables)
verify.py   verify_pack(): pack-file checks, manifest (side-car or embedded), evidence against the store
service.py  build_audit_pack() / produce_pack(); gather_pack_model() reads the store
sample.py   seeded synthetic packs for tests, benchmarks and layout previews
"""
