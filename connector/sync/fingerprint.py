"""The scoring model's fingerprint: what the state store keeps per portal to notice a new model.

A model's scores change with its content, not only with its declared version (people edit a
threshold and forget to bump it), so the fingerprint holds the name, the version and a hash of
the file's text. The text itself is kept beside it (the last model a portal was scored with is
the natural baseline to compare a new one against).

A portal scored with several models (a ModelSet) has one stamp covering all of them, in the
order listed: a change to any model (or to which models are listed) rescores every lead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from connector.errors import UserError

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel
    from connector.scoring.modelset import ModelSet

# The state store's column for the fingerprint (connector/state/schema.py, models.fingerprint).
FINGERPRINT_MAX = 300
_HEADER = "# model "  # what starts each model's text in the text of several models' stamp
# A fingerprint of several models: "key=<fingerprint>; key=..." or, when too long, "3 models sha256:..."
_SEVERAL = re.compile(r"[a-z][a-z0-9_]*=[^;]+(; [a-z][a-z0-9_]*=[^;]+)+|\d+ models sha256:[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class ModelStamp:
    """A model's fingerprint ("name version sha256:<12 hex>") and its text."""

    fingerprint: str
    text: str


def stamp(model: ScoringModel, text: str) -> ModelStamp:
    """The stamp of `model`, parsed from `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return ModelStamp(f"{model.name} {model.version} sha256:{digest}", text)


def stamp_of(model: ScoringModel | ModelSet) -> ModelStamp:
    """The stamp of a model loaded from a file (`model.source`, the file it was parsed from), or
    of every model of a set: one model's stamp alone, so a portal keeps its fingerprint when it
    scores with just that model."""
    models = list(getattr(model, "models", (model,)))
    stamps = [_file_stamp(m) for m in models]
    if len(stamps) == 1:
        return stamps[0]
    return combine([(m.key, s) for m, s in zip(models, stamps)])


def combine(stamps: list[tuple[str | None, ModelStamp]]) -> ModelStamp:
    """One stamp for several models' stamps (by their `[model] key`), in the order listed."""
    parts = [f"{key or 'default'}={s.fingerprint}" for key, s in stamps]
    text = "".join(f"{_HEADER}{key or 'default'}\n{s.text.rstrip()}\n" for key, s in stamps)
    fingerprint = "; ".join(parts)
    if len(fingerprint) > FINGERPRINT_MAX:
        digest = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:12]
        fingerprint = f"{len(stamps)} models sha256:{digest}"
    return ModelStamp(fingerprint, text)


def split_text(stamp: ModelStamp) -> dict[str, str]:
    """The model texts of a stamp of several models (`combine`), by key ("default" for the model
    without one); empty for a single model's stamp."""
    if not _SEVERAL.fullmatch(stamp.fingerprint) or not stamp.text.startswith(_HEADER):
        return {}
    parts: dict[str, str] = {}
    for chunk in stamp.text[len(_HEADER):].split("\n" + _HEADER):
        key, _, body = chunk.partition("\n")
        parts[key] = body
    return parts


def _file_stamp(model: ScoringModel) -> ModelStamp:
    try:
        text = Path(model.source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{model.source}: the scoring model cannot be read again to fingerprint it "
                        f"({exc.strerror}); fix: keep the model file in place while leadscore runs.") from None
    return stamp(model, text)
