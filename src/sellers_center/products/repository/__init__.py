"""All SQL about products: styles (``styles``) and variants (``variants``)."""
