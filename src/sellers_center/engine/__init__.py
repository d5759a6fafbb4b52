"""The batch engine: one generic pipeline that every batch kind plugs into
(docs/architecture.md)."""
