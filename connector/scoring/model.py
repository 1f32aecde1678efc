"""The scoring model: a TOML file revops edit (`config/scoring.toml`), loaded into a validated,
precompiled, frozen `ScoringModel`.

`load_model` / `parse_model` report every problem of a file at once (see checker.py), as a
`ModelError`: a UserError the CLI prints without a traceback. The format is documented for users
in docs/scoring-model.md; the model's types live in compiled.py.
"""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path

from connector.scoring.checker import ModelError, check
from connector.scoring.compiled import (
    HUBSPOT_STAGES,
    Band,
    Bounds,
    EngagementRule,
    EventPlan,
    FitPlan,
    FitRule,
    Group,
    Label,
    ScoringModel,
    StageRule,
)

__all__ = [
    "DEFAULT_MODEL",
    "HUBSPOT_STAGES",
    "Band",
    "Bounds",
    "EngagementRule",
    "EventPlan",
    "FitPlan",
    "FitRule",
    "Group",
    "Label",
    "ModelError",
    "ScoringModel",
    "StageRule",
    "load_model",
    "parse_model",
]


DEFAULT_MODEL = "scoring.toml"  # in the package connector.defaults (config/scoring.toml links to it)


def load_model(path: str | Path | None = None, *, named_by: str | None = None) -> ScoringModel:
    """Read and validate a model file; ModelError (a UserError) says what to fix.

    `path` None: the default model shipped with leadscore, read as package data so an installed
    wheel has it anywhere. A relative path is relative to the current directory, the one rule
    every command follows; `named_by` says where the path came from (`--model`,
    `LEADSCORE_MODEL_PATH`) so the error can name it."""
    if path is None:
        resource = files("connector.defaults").joinpath(DEFAULT_MODEL)
        return parse_model(resource.read_text(encoding="utf-8"), str(resource))
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(str(path), [_missing(path, named_by)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(str(path), [f"{path}: cannot be read ({exc}); fix: save it as UTF-8 text."]) from None
    return parse_model(text, str(path))


def _missing(path: Path, named_by: str | None) -> str:
    setting = bool(named_by) and named_by.startswith("LEADSCORE_")
    given = f"{named_by}{'=' if setting else ' '}{path}" if named_by else str(path)
    unset = f", or leave {named_by} unset for the default model shipped with leadscore" if setting else ""
    return (f"{given}: no such file; fix: pass the path of a scoring model, absolute or relative to "
            f"the current directory (this looked for {path.absolute()}){unset}.")


def parse_model(text: str, source: str) -> ScoringModel:
    """Parse and validate model text; `source` names it in messages (usually the file path)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(source, [_toml_problem(source, text, exc)]) from None
    return check(data, text, source)


def _toml_problem(source: str, text: str, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    what = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    where = f"{source}:{found[1]}" if found else source
    line = ""
    if found:
        lines = text.splitlines()
        number = int(found[1])
        if 0 < number <= len(lines):
            line = f" in `{lines[number - 1].strip()}`"
        where += f":{found[2]}"
    return (f"{where}: TOML syntax error: {what}{line}; fix: check the quotes, brackets and `key = value` "
            "form on that line (text values need quotes, lists use [ ], tables use { } on one line).")
