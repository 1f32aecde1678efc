"""The scoring model: a TOML file revops edit (`config/scoring.toml`), loaded into a validated,
precompiled, frozen `ScoringModel`.

`load_model` / `parse_model` report every problem of a file at once (see checker.py), as a
`ModelError`: a UserError the CLI prints without a traceback. The format is documented for users
in docs/scoring-model.md; the model's types live in compiled.py.
"""

from __future__ import annotations

import re
import tomllib
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


def load_model(path: str | Path) -> ScoringModel:
    """Read and validate a model file; ModelError (a UserError) says what to fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(str(path), [f"{path}: no such file; fix: pass the path of a scoring model "
                                     "(the default is config/scoring.toml)."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(str(path), [f"{path}: cannot be read ({exc}); fix: save it as UTF-8 text."]) from None
    return parse_model(text, str(path))


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
