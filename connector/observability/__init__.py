"""What an operator sees of a running worker: JSON logs with secrets redacted, Prometheus
metrics, and the health/readiness/metrics HTTP endpoint."""
