"""Command modules; each exposes `register(app)`, and `connector.cli` lists them. They take their
settings from `invocation`, never from `connector.cli`."""
