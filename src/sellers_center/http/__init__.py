"""HTTP transport rules (docs/api.md#transport-rules): auth, errors, rate limits, trailing slashes,
body limits."""
