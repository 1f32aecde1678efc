"""The pure scoring core: CRM-neutral leads and a scoring model in, scores with reasons out.

No I/O and no clock reads: callers load the model (`load_model`) and pass `now` in.
"""

from connector.scoring.engine import score_lead
from connector.scoring.model import ModelError, ScoringModel, load_model, parse_model
from connector.scoring.types import DataWarning, Event, Lead, Reason, ScoreResult

__all__ = [
    "DataWarning",
    "Event",
    "Lead",
    "ModelError",
    "Reason",
    "ScoreResult",
    "ScoringModel",
    "load_model",
    "parse_model",
    "score_lead",
]
