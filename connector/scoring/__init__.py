"""The pure scoring core: CRM-neutral leads and a scoring model in, scores with reasons out.

No I/O and no clock reads: callers load the model (`load_model`) and pass `now` in.
"""

from connector.scoring.engine import score_lead
from connector.scoring.model import ModelError, ScoringModel, load_model, parse_model
from connector.scoring.modelset import ModelSet, label_of, load_models
from connector.scoring.types import DataWarning, Event, Lead, Reason, ScoreResult

__all__ = [
    "DataWarning",
    "Event",
    "Lead",
    "ModelError",
    "ModelSet",
    "Reason",
    "ScoreResult",
    "ScoringModel",
    "label_of",
    "load_model",
    "load_models",
    "parse_model",
    "score_lead",
]
