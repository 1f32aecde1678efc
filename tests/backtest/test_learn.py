"""The whole fit: the model file it writes is valid and scores every lead as the fit's points do."""

from connector.backtest.fit import FitOptions
from connector.backtest.learn import learn
from connector.backtest.loader import LabeledLead, LeadHistory
from connector.scoring import parse_model, score_lead
from tests.backtest.synthetic import NOW, history


def _history(dated):
    leads, outcomes = history(n=500, dated=dated)
    return leads, LeadHistory("synthetic", "won", [LabeledLead(lead, y) for lead, y in zip(leads, outcomes)])


def test_the_written_model_scores_each_lead_as_the_points_table_does():
    leads, past = _history(dated=True)
    learned = learn(past, NOW, FitOptions(folds=2), "learned", validate=False)
    model = parse_model(learned.text, "learned.toml")  # what `leadscore validate` runs
    table = learned.fitted.points
    for lead in leads:
        result = score_lead(lead, model, NOW)
        assert (result.fit, result.engagement) == (table.fit_score(lead, NOW), table.engagement_score(lead, NOW))


def test_labels_in_the_file_are_the_bands_the_fit_chose():
    leads, past = _history(dated=False)
    learned = learn(past, NOW, FitOptions(folds=2), "learned", validate=False)
    hot = learned.fitted.labels[0]
    for lead in leads:
        result = score_lead(lead, learned.model, NOW)
        in_hot = result.fit >= hot.min_fit and result.engagement >= hot.min_engagement
        assert (result.label == "hot") == in_hot
