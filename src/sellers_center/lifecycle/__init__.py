"""Publication lifecycle: the status kind, the state machine, operator review, history."""
