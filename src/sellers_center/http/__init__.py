"""HTTP transport rules of SPEC §1: auth, errors, rate limits, trailing slashes, body limits."""
