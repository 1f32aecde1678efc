"""Invariants of the scoring core, checked on generated leads (hypothesis)."""

from datetime import timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from connector.scoring import Event, Lead, load_model, score_lead
from connector.scoring.engine import _matches
from connector.scoring.events import EVENT_TYPES
from connector.scoring.points import to_points, to_units

from .conftest import DEFAULT_MODEL, NOW, WIDE_BASE, make_model

DEFAULT = load_model(DEFAULT_MODEL)
# A second model with negative scores allowed, a group min and a half-life default, so the
# invariants are not only checked where the default model happens to be gentle.
OTHER = make_model("""
[decay]
half_life_days = 20
[groups.intent]
max = 35
[groups.penalty]
min = -25
[[fit]]
id = "title"
property = "jobtitle"
op = "contains"
value = ["vp", "head"]
points = 40
[[fit]]
id = "free"
property = "email"
op = "email_domain_in"
value = ["gmail.com"]
points = -30
[[engagement]]
id = "pricing"
event = "page_view"
where = [{ attribute = "url", op = "contains", value = "/pricing" }]
points = 15
max_points = 40
group = "intent"
[[engagement]]
id = "demo"
event = "form_submission"
points = 25
max_events = 1
group = "intent"
[[engagement]]
id = "opens"
event = "email_open"
points = 2
max_events = 4
decay = { steps = [{ days = 7, factor = 1.0 }, { days = 30, factor = 0.3 }] }
[[engagement]]
id = "bounce"
event = "email_bounce"
points = -20
group = "penalty"
[[engagement]]
id = "unsub"
event = "unsubscribe"
points = -15
group = "penalty"
[[stages.rules]]
stage = "marketingqualifiedlead"
min_fit = 20
min_engagement = 20
[[stages.rules]]
stage = "salesqualifiedlead"
event = "meeting_booked"
within_days = 60
""", base=WIDE_BASE)
MODELS = st.sampled_from([DEFAULT, OTHER])

URLS = ["https://x.io/pricing", "https://x.io/demo", "https://x.io/blog/a", "https://x.io/careers", "https://x.io/customers"]
FORMS = ["Request a demo", "Contact sales", "Newsletter", "Get a quote"]
text_values = st.one_of(
    st.sampled_from(["VP Sales", "Head of RevOps", "Student", "n/a", "", "  ", "Marketing Manager", "100-500", "1000+",
                     "25-50", "Computer Software", "United States", "ann@gmail.com", "bo@acme.io", "jo@rivalcrm.com",
                     "12,000", "$2.5M", "UNQUALIFIED"]),
    st.text(max_size=30),
    st.none(),
    st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
)
properties = st.dictionaries(
    st.sampled_from(["jobtitle", "numemployees", "industry", "country", "email", "annualrevenue", "company",
                     "hs_lead_status"]),
    text_values,
)
ages = st.floats(min_value=-30, max_value=400, allow_nan=False)


@st.composite
def events(draw, types=st.sampled_from(EVENT_TYPES + ("tweet",))):
    kind = draw(types)
    attributes = {"url": draw(st.sampled_from(URLS)), "form": draw(st.sampled_from(FORMS))}
    timestamp = None if draw(st.integers(0, 19)) == 0 else NOW - timedelta(days=draw(ages))
    return Event(kind, timestamp, attributes, draw(st.integers(min_value=0, max_value=12)))


stages = st.sampled_from([None, "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "customer", "other"])
leads = st.builds(Lead, st.just("1"), properties, st.lists(events(), max_size=8).map(tuple), stages)


def group_of(model, rule_id):
    for rule in model.fit_rules + model.engagement_rules:
        if rule.id == rule_id:
            return rule
    return None


@settings(max_examples=300, deadline=None)
@given(model=MODELS, lead=leads)
def test_scores_stay_within_their_bounds_and_caps(model, lead):
    result = score_lead(lead, model, NOW)
    assert model.fit_bounds.min <= result.fit <= model.fit_bounds.max
    assert model.engagement_bounds.min <= result.engagement <= model.engagement_bounds.max
    group_totals: dict[str, list[int]] = {}
    for reason in result.reasons:
        rule = group_of(model, reason.rule)
        if rule is None:
            continue
        if getattr(rule, "max_points", None) is not None:
            assert abs(reason.points) <= to_points(to_units(rule.max_points))
        if rule.group is not None:
            group_totals.setdefault(rule.group, []).append(reason.points)
    for name, points in group_totals.items():
        group = model.groups[name]
        slack = len(points)  # each reason is rounded on its own
        if group.max is not None:
            assert sum(points) <= group.max + slack
        if group.min is not None:
            assert sum(points) >= group.min - slack


@settings(max_examples=300, deadline=None)
@given(model=MODELS, lead=leads, later=st.floats(min_value=0, max_value=500, allow_nan=False))
def test_engagement_never_rises_as_now_moves_later(model, lead, later):
    before = score_lead(lead, model, NOW).engagement
    after = score_lead(lead, model, NOW + timedelta(days=later)).engagement
    assert after <= before


def positive_only(model, event: Event) -> bool:
    """The event matches at least one rule and only rules giving positive points."""
    matched = [r for r in model.engagement_rules if r.event == event.type and (not r.where or _matches(r.where, event.attributes))]
    return bool(matched) and all(r.points > 0 for r in matched)


@settings(max_examples=300, deadline=None)
@given(model=MODELS, lead=leads, extra=events(types=st.sampled_from(EVENT_TYPES)))
def test_adding_a_positive_point_event_never_lowers_engagement(model, lead, extra):
    assume(extra.timestamp is not None and extra.count >= 1 and positive_only(model, extra))
    before = score_lead(lead, model, NOW).engagement
    after = score_lead(Lead(lead.id, lead.properties, lead.events + (extra,), lead.stage), model, NOW).engagement
    assert after >= before


@settings(max_examples=300, deadline=None)
@given(model=MODELS, lead=leads)
def test_stage_never_moves_backwards(model, lead):
    result = score_lead(lead, model, NOW)
    if lead.stage in model.stage_rank:
        assert result.stage is not None
        assert model.stage_rank[result.stage] >= model.stage_rank[lead.stage]
    elif lead.stage is not None:
        assert result.stage is None


@settings(max_examples=200, deadline=None)
@given(model=MODELS, lead=leads, seed=st.randoms(use_true_random=False))
def test_event_order_never_changes_the_result(model, lead, seed):
    shuffled = list(lead.events)
    seed.shuffle(shuffled)
    assert score_lead(lead, model, NOW) == score_lead(Lead(lead.id, lead.properties, tuple(shuffled), lead.stage), model, NOW)
