"""Sample files for the seller's tools (``docs/sdk.md``), made by the scripts beside them."""
