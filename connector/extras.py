"""Optional parts of the install: `leadscore[backtest]` (numpy, scikit-learn, matplotlib) and
`leadscore[sandbox]` (trustme). A command that needs one checks it first with `require_extra`,
so a base install says what to install instead of failing with an ImportError."""

from __future__ import annotations

from importlib.util import find_spec

from connector.errors import UserError

EXTRAS = {
    "backtest": ("numpy", "sklearn", "matplotlib"),
    "sandbox": ("trustme",),
}


def require_extra(extra: str, command: str) -> None:
    """Raise a UserError naming the pip command when a module of `extra` is not installed."""
    missing = [name for name in EXTRAS[extra] if find_spec(name) is None]
    if missing:
        raise UserError(f"`leadscore {command}` needs {', '.join(missing)}, which this install lacks; "
                        f"fix: pip install 'leadscore[{extra}]'")
