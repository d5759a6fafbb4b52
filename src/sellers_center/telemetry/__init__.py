"""What the service tells its operator: Prometheus metrics and structured logs."""
