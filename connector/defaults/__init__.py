"""Package data: the default scoring model (`scoring.toml`), read through importlib.resources so an
installed wheel has it outside the source tree. `config/scoring.toml` is a link to this file: the
one copy revops edit in a checkout."""
