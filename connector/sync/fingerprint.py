"""The scoring model's fingerprint: what the state store keeps per portal to notice a new model.

A model's scores change with its content, not only with its declared version (people edit a
threshold and forget to bump it), so the fingerprint holds the name, the version and a hash of
the file's text. The text itself is kept beside it (the last model a portal was scored with is
the natural baseline to compare a new one against).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from connector.errors import UserError

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel


@dataclass(frozen=True, slots=True)
class ModelStamp:
    """A model's fingerprint ("name version sha256:<12 hex>") and its text."""

    fingerprint: str
    text: str


def stamp(model: ScoringModel, text: str) -> ModelStamp:
    """The stamp of `model`, parsed from `text`."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return ModelStamp(f"{model.name} {model.version} sha256:{digest}", text)


def stamp_of(model: ScoringModel) -> ModelStamp:
    """The stamp of a model loaded from a file (`model.source`, the file it was parsed from)."""
    try:
        text = Path(model.source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{model.source}: the scoring model cannot be read again to fingerprint it "
                        f"({exc.strerror}); fix: keep the model file in place while leadscore runs.") from None
    return stamp(model, text)
