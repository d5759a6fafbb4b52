"""Stock and price batches: the cheap, frequent updates of existing variants (SPEC §5)."""
