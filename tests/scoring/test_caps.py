"""Caps: per rule (max_events, max_points), per group, and the bounds of each score."""

from datetime import timedelta

from connector.scoring import Event, Lead, score_lead

from .conftest import NOW, WIDE_BASE, fit_rule, make_model


def views(n: int, days_apart: float = 1.0, url: str = "/pricing") -> tuple[Event, ...]:
    return tuple(Event("page_view", NOW - timedelta(days=i * days_apart), {"url": url}) for i in range(n))


def test_max_points_caps_a_rules_total():
    model = make_model('[[engagement]]\nid = "v"\nevent = "page_view"\npoints = 10\nmax_points = 25\n')
    result = score_lead(Lead("1", {}, views(4)), model, NOW)
    assert result.engagement == 25
    assert result.reasons[0].text == "+25 page view 4 times (capped at 25)"


def test_max_points_bounds_the_size_of_a_negative_rule():
    model = make_model('[[engagement]]\nid = "b"\nevent = "email_bounce"\npoints = -15\nmax_points = 20\n', base=WIDE_BASE)
    events = tuple(Event("email_bounce", NOW - timedelta(days=i)) for i in range(3))
    assert score_lead(Lead("1", {}, events), model, NOW).engagement == -20


def test_max_events_counts_only_the_most_recent_events():
    model = make_model('[[engagement]]\nid = "v"\nevent = "page_view"\npoints = 8\nmax_events = 2\n'
                       'decay = { steps = [{ days = 10, factor = 1.0 }, { days = 100, factor = 0.5 }] }\n')
    events = (Event("page_view", NOW - timedelta(days=50)), Event("page_view", NOW - timedelta(days=1)),
              Event("page_view", NOW - timedelta(days=60)), Event("page_view", NOW - timedelta(days=2)))
    result = score_lead(Lead("1", {}, events), model, NOW)
    assert result.engagement == 16
    assert result.reasons[0].text == "+16 page view 2 times (4 in all, the 2 most recent counted)"


def test_max_events_applies_to_counted_events():
    model = make_model('[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 1\nmax_events = 5\n')
    result = score_lead(Lead("1", {}, (Event("email_open", NOW, count=40),)), model, NOW)
    assert result.engagement == 5


def test_group_cap_limits_the_sum_of_its_fit_rules():
    model = make_model('[groups.title]\nmax = 30\n'
                       + fit_rule('property = "jobtitle"\nop = "contains"\nvalue = "vp"', 25, "senior", 'group = "title"')
                       + fit_rule('property = "jobtitle"\nop = "contains"\nvalue = "sales"', 10, "sales", 'group = "title"'))
    result = score_lead(Lead("1", {"jobtitle": "VP Sales"}), model, NOW)
    assert result.fit == 30
    assert [r.text for r in result.reasons] == ["+25 jobtitle: VP Sales", "+5 jobtitle: VP Sales (group title capped at 30)"]


def test_group_cap_spans_rules_on_different_properties():
    model = make_model('[groups.firmo]\nmax = 20\n'
                       + fit_rule('property = "industry"\nop = "is_set"', 15, "industry", 'group = "firmo"')
                       + fit_rule('property = "country"\nop = "is_set"', 15, "country", 'group = "firmo"'))
    assert score_lead(Lead("1", {"industry": "Retail", "country": "US"}), model, NOW).fit == 20


def test_group_min_limits_how_much_its_rules_can_take_away():
    model = make_model('[groups.penalties]\nmin = -15\n'
                       + fit_rule('property = "email"\nop = "contains"\nvalue = "gmail"', -10, "free", 'group = "penalties"')
                       + fit_rule('property = "jobtitle"\nop = "contains"\nvalue = "student"', -10, "student",
                                  'group = "penalties"')
                       + fit_rule('property = "company"\nop = "is_set"', 40, "company"))
    result = score_lead(Lead("1", {"email": "a@gmail.com", "jobtitle": "Student", "company": "Uni"}), model, NOW)
    assert result.fit == 25


def test_group_cap_on_engagement_rules_of_different_events():
    model = make_model('[groups.email]\nmax = 6\n'
                       '[[engagement]]\nid = "open"\nevent = "email_open"\npoints = 2\ngroup = "email"\n'
                       '[[engagement]]\nid = "click"\nevent = "email_click"\npoints = 3\ngroup = "email"\n')
    events = (Event("email_open", NOW, count=2), Event("email_click", NOW, count=2))
    assert score_lead(Lead("1", {}, events), model, NOW).engagement == 6


def test_fit_score_is_held_at_its_maximum_with_a_reason():
    model = make_model(fit_rule('property = "a"\nop = "is_set"', 80, "a") + fit_rule('property = "b"\nop = "is_set"', 70, "b"))
    result = score_lead(Lead("1", {"a": "x", "b": "y"}), model, NOW)
    assert result.fit == 100
    assert result.reasons[-1].text == "-50 fit score held at its maximum of 100"


def test_engagement_score_is_held_at_its_minimum():
    model = make_model('[[engagement]]\nid = "unsub"\nevent = "unsubscribe"\npoints = -20\n')
    result = score_lead(Lead("1", {}, (Event("unsubscribe", NOW),)), model, NOW)
    assert result.engagement == 0
    assert [r.points for r in result.reasons] == [-20, 20]


def test_custom_score_bounds_are_used():
    model = make_model(fit_rule('property = "a"\nop = "is_set"', -150, "a"), base=WIDE_BASE)
    assert score_lead(Lead("1", {"a": "x"}), model, NOW).fit == -100
