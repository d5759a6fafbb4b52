"""Stock and price batches: the cheap, frequent updates of existing variants
(docs/api.md#stock-batches, #price-batches)."""
