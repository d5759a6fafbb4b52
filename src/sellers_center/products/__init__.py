"""Product variants: the upsert kind, its rules, and the product reads."""
