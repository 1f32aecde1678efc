from datetime import timedelta

from connector.scoring import Event, Lead, load_model, score_lead

from .conftest import DEFAULT_MODEL, make_model

FIT = """
[[fit]]
id = "senior_title"
property = "jobtitle"
op = "regex"
value = '\\b(vp|director)\\b'
points = 20
reason = "senior title: {value}"

[[fit]]
id = "free_mail"
property = "email"
op = "email_domain_in"
value = ["gmail.com"]
points = -10
reason = "free email domain"
"""


def test_fit_rule_gives_points_and_a_reason_with_the_value(now):
    result = score_lead(Lead("1", {"jobtitle": "VP Sales"}), make_model(FIT), now)
    assert result.fit == 20
    assert [r.text for r in result.reasons] == ["+20 senior title: VP Sales"]


def test_negative_fit_rule_subtracts_points(now):
    lead = Lead("1", {"jobtitle": "Director of Ops", "email": "ann@gmail.com"})
    result = score_lead(lead, make_model(FIT), now)
    assert result.fit == 10
    assert "-10 free email domain" in [r.text for r in result.reasons]


def test_result_carries_model_name_and_version(now):
    result = score_lead(Lead("1", {}), make_model(FIT), now)
    assert (result.model_name, result.model_version) == ("test", "0.1")


def test_decayed_engagement_reason_says_what_it_decayed_from(now):
    model = make_model("""
[[engagement]]
id = "pricing"
event = "page_view"
where = [{ attribute = "url", op = "contains", value = "/pricing" }]
points = 10
decay = { half_life_days = 30 }
reason = "visited the pricing page"
""")
    events = tuple(Event("page_view", now - timedelta(days=30), {"url": "https://a.io/pricing"}) for _ in range(3))
    result = score_lead(Lead("1", {}, events), model, now)
    assert result.engagement == 15
    assert [r.text for r in result.reasons] == ["+15 visited the pricing page 3 times (decayed from 30)"]


def test_default_model_scores_a_strong_lead_hot_a1_and_sql(now):
    lead = Lead(
        "42",
        {"jobtitle": "VP Sales", "numemployees": "100-500", "industry": "Computer Software",
         "country": "United States", "email": "ann@acme.com", "company": "Acme"},
        (
            Event("page_view", now - timedelta(days=2), {"url": "https://acme.io/pricing"}, 3),
            Event("form_submission", now - timedelta(days=1), {"form": "Request a demo"}),
            Event("meeting_booked", now - timedelta(hours=3), {"outcome": "SCHEDULED"}),
        ),
        stage="lead",
    )
    result = score_lead(lead, load_model(DEFAULT_MODEL), now)
    assert result.label == "hot"
    assert result.grade == "A1"
    assert result.stage == "salesqualifiedlead"
    assert result.warnings == ()


def test_same_input_gives_identical_output_whatever_the_event_order(now):
    model = load_model(DEFAULT_MODEL)
    events = tuple(Event("page_view", now - timedelta(days=d, seconds=7), {"url": "/pricing"}) for d in (1, 13, 29, 61, 97))
    first = score_lead(Lead("1", {"jobtitle": "CTO"}, events), model, now)
    second = score_lead(Lead("1", {"jobtitle": "CTO"}, events[::-1]), model, now)
    assert first == second
