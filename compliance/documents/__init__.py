"""The incident document: what control checks, the audit pack and the exports read, assembled from every domain."""
