from tests.state.postgres import postgres_server, postgres_url, state_url  # noqa: F401 (fixtures)
