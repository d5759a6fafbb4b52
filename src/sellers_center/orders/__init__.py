"""Customer orders of a seller's variants: placement, fulfilment and their documents."""
