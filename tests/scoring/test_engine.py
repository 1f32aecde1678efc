from datetime import timedelta

from connector.scoring import Event, Lead, load_model, score_lead

from .conftest import DEFAULT_MODEL, NOW, make_model

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


# ---- labels and grade -----------------------------------------------------------------------

def scored(fit: int, engagement: int, stage: str | None = None, rules: str = "", events: tuple = ()):
    """A lead whose fit and engagement come out exactly as given."""
    model = make_model(rules + f'[[fit]]\nid = "f"\nproperty = "f"\nop = "is_set"\npoints = {fit}\n'
                       f'[[engagement]]\nid = "e"\nevent = "note"\npoints = {engagement}\n')
    lead = Lead("1", {"f": "x"}, (Event("note", NOW),) + events, stage)
    return score_lead(lead, model, NOW)


def test_label_is_the_first_whose_minimums_hold():
    assert scored(60, 50).label == "hot"
    assert scored(60, 49).label == "warm"
    assert scored(30, 20).label == "warm"
    assert scored(29, 99).label == "cold"


def test_grade_combines_the_fit_and_engagement_bands():
    assert scored(75, 75).grade == "A1"
    assert scored(74, 50).grade == "B2"
    assert scored(25, 24).grade == "C4"
    assert scored(0, 0).grade == "D4"


# ---- stages ---------------------------------------------------------------------------------

STAGES = """
[[stages.rules]]
stage = "marketingqualifiedlead"
min_fit = 50
min_engagement = 40
[[stages.rules]]
stage = "salesqualifiedlead"
event = "meeting_booked"
within_days = 30
"""


def test_stage_rule_on_scores_promotes_a_lead():
    assert scored(50, 40, "lead", STAGES).stage == "marketingqualifiedlead"


def test_stage_rule_needs_every_minimum():
    assert scored(50, 39, "lead", STAGES).stage == "lead"


def test_stage_rule_on_an_event_promotes_a_lead(now):
    booked = (Event("meeting_booked", now - timedelta(days=29)),)
    assert scored(0, 0, "lead", STAGES, booked).stage == "salesqualifiedlead"


def test_stage_rule_on_an_event_respects_within_days(now):
    booked = (Event("meeting_booked", now - timedelta(days=31)),)
    assert scored(0, 0, "lead", STAGES, booked).stage == "lead"


def test_stage_event_rule_can_test_attributes(now):
    rules = ('[[stages.rules]]\nstage = "opportunity"\nevent = "meeting_held"\n'
             'where = [{ attribute = "outcome", op = "equals", value = "completed" }]\n')
    held = (Event("meeting_held", now, {"outcome": "COMPLETED"}),)
    canceled = (Event("meeting_held", now, {"outcome": "CANCELED"}),)
    assert scored(0, 0, "lead", rules, held).stage == "opportunity"
    assert scored(0, 0, "lead", rules, canceled).stage == "lead"


def test_the_furthest_qualifying_stage_wins(now):
    booked = (Event("meeting_booked", now),)
    assert scored(80, 80, "subscriber", STAGES, booked).stage == "salesqualifiedlead"


def test_stage_never_moves_backwards():
    assert scored(90, 90, "customer", STAGES).stage == "customer"


def test_lead_without_stage_is_promoted_or_left_unset():
    assert scored(90, 90, None, STAGES).stage == "marketingqualifiedlead"
    assert scored(0, 0, None, STAGES).stage is None


def test_stage_unknown_to_the_model_is_left_alone_with_a_warning():
    result = scored(90, 90, "other", STAGES)
    assert result.stage is None
    assert "stage 'other' is not in the model's stages, so it is left as is" in result.warnings


# ---- reasons and warnings -------------------------------------------------------------------


def test_reasons_list_fit_then_engagement_in_file_order(now):
    model = load_model(DEFAULT_MODEL)
    lead = Lead("1", {"email": "a@gmail.com", "jobtitle": "VP Sales", "country": "Canada"},
                (Event("unsubscribe", now), Event("email_open", now)))
    rules = [r.rule for r in score_lead(lead, model, now).reasons]
    assert rules == ["senior_title", "buying_function", "core_market", "free_mail", "email_open", "unsubscribed",
                     "engagement_bounds"]


def test_reason_value_is_shortened_to_one_line(now):
    result = score_lead(Lead("1", {"jobtitle": "VP " + "very " * 30 + "\nlong"}), make_model(FIT), now)
    text = result.reasons[0].text
    assert text.startswith("+20 senior title: VP very very")
    assert text.endswith("…") and "\n" not in text and len(text) < 100


def test_reason_points_are_the_rules_points_after_decay(now):
    model = make_model('[[engagement]]\nid = "d"\nevent = "form_submission"\npoints = 30\ndecay = { half_life_days = 10 }\n'
                       'reason = "requested a demo"\n')
    result = score_lead(Lead("1", {}, (Event("form_submission", now - timedelta(days=10)),)), model, now)
    assert result.reasons[0].points == 15
    assert result.reasons[0].text == "+15 requested a demo (decayed from 30)"


def test_fully_decayed_events_give_no_reason(now):
    model = make_model('[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 1\n'
                       'decay = { steps = [{ days = 30, factor = 1.0 }] }\n')
    result = score_lead(Lead("1", {}, (Event("email_open", now - timedelta(days=45)),)), model, now)
    assert result.reasons == ()


def test_default_engagement_reason_names_the_event_and_condition(now):
    model = make_model('[[engagement]]\nid = "p"\nevent = "page_view"\npoints = 2\n'
                       'where = [{ attribute = "url", op = "contains", value = "/pricing" }]\n')
    result = score_lead(Lead("1", {}, (Event("page_view", now, {"url": "/pricing"}),)), model, now)
    assert result.reasons[0].text == "+2 page view (url contains '/pricing')"


def test_event_conditions_must_all_hold(now):
    model = make_model('[[engagement]]\nid = "f"\nevent = "form_submission"\npoints = 5\n'
                       'where = [{ attribute = "form", op = "contains", value = "demo" }, '
                       '{ attribute = "url", op = "contains", value = "/enterprise" }]\n')
    both = Event("form_submission", now, {"form": "Demo request", "url": "/enterprise/demo"})
    one = Event("form_submission", now, {"form": "Demo request", "url": "/demo"})
    missing = Event("form_submission", now, {})
    assert score_lead(Lead("1", {}, (both,)), model, now).engagement == 5
    assert score_lead(Lead("1", {}, (one, missing)), model, now).engagement == 0


def test_placeholder_value_is_read_as_empty_with_a_warning(now):
    result = score_lead(Lead("1", {"numemployees": "n/a"}), load_model(DEFAULT_MODEL), now)
    assert "numemployees: 'n/a' was read as empty" in result.warnings


def test_value_that_is_not_a_number_is_reported(now):
    result = score_lead(Lead("1", {"numemployees": "about fifty"}), load_model(DEFAULT_MODEL), now)
    assert result.fit == 0
    assert any("numemployees: 'about fifty' is not a number" in w for w in result.warnings)


def test_wrongly_typed_values_never_crash(now):
    model = load_model(DEFAULT_MODEL)
    properties = {"numemployees": ["200"], "jobtitle": {"en": "VP"}, "annualrevenue": float("nan"),
                  "country": 49, "company": True, "email": 12.5}
    result = score_lead(Lead("1", properties), model, now)
    assert "numemployees: a list value cannot be compared, so it was treated as empty" in result.warnings
    assert "jobtitle: a dict value cannot be compared, so it was treated as empty" in result.warnings
    assert "annualrevenue: nan is not a usable number, so it was treated as empty" in result.warnings


def test_huge_values_never_crash_or_match_numeric_rules(now):
    model = load_model(DEFAULT_MODEL)
    properties = {"numemployees": "9" * 400, "annualrevenue": "1e999", "jobtitle": "VP " * 20_000}
    result = score_lead(Lead("1", properties), model, now)
    assert result.fit <= 100
    assert not any(r.rule.startswith("company_size") for r in result.reasons)


def test_events_without_timestamp_are_not_counted_and_reported(now):
    model = make_model('[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 3\n')
    result = score_lead(Lead("1", {}, (Event("email_open", None), Event("email_open", "yesterday"))), model, now)
    assert result.engagement == 0
    assert result.warnings == ("2 events without a usable timestamp not counted",)


def test_future_events_count_as_of_now_with_a_warning(now):
    model = make_model('[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 3\ndecay = { half_life_days = 1 }\n')
    result = score_lead(Lead("1", {}, (Event("email_open", now + timedelta(days=3)),)), model, now)
    assert result.engagement == 3
    assert result.warnings == ("1 event dated in the future (latest 2026-11-23T12:00:00+00:00) counted as of now",)


def test_a_booked_meeting_in_the_future_is_normal(now):
    model = make_model('[[engagement]]\nid = "m"\nevent = "meeting_booked"\npoints = 25\n')
    result = score_lead(Lead("1", {}, (Event("meeting_booked", now + timedelta(days=3)),)), model, now)
    assert result.engagement == 25
    assert result.warnings == ()


def test_unknown_event_types_and_bad_counts_are_reported(now):
    model = make_model('[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 3\n')
    events = (Event("tweet", now), Event("tweet", now), Event("email_open", now, count=0))
    result = score_lead(Lead("1", {}, events), model, now)
    assert result.engagement == 0
    assert set(result.warnings) == {"2 events of unknown type 'tweet' not counted", "1 event with a count below 1 not counted"}


def test_naive_now_and_timestamps_are_taken_as_utc(now):
    model = make_model('[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 4\ndecay = { half_life_days = 1 }\n')
    naive = now.replace(tzinfo=None)
    result = score_lead(Lead("1", {}, (Event("email_open", naive - timedelta(days=1)),)), model, naive)
    assert result.engagement == 2


def test_long_values_are_scored_but_not_remembered(now):
    model = load_model(DEFAULT_MODEL)
    title = "VP Sales " + "x" * 5000
    assert score_lead(Lead("1", {"jobtitle": title}), model, now).fit == 30
    assert all(title not in plan.cache for plan in model.fit_plan)


def test_lead_with_no_properties_or_events_mapping_is_scored(now):
    result = score_lead(Lead("1", None, None), load_model(DEFAULT_MODEL), now)  # type: ignore[arg-type]
    assert (result.fit, result.engagement, result.label) == (0, 0, "cold")


def test_fit_reasons_follow_file_order_when_rules_of_a_property_are_apart(now):
    model = make_model('[[fit]]\nid = "a"\nproperty = "jobtitle"\nop = "is_set"\npoints = 1\n'
                       '[[fit]]\nid = "b"\nproperty = "country"\nop = "is_set"\npoints = 1\n'
                       '[[fit]]\nid = "c"\nproperty = "jobtitle"\nop = "contains"\nvalue = "vp"\npoints = 1\n')
    result = score_lead(Lead("1", {"jobtitle": "VP", "country": "US"}), model, now)
    assert [r.rule for r in result.reasons] == ["a", "b", "c"]


def test_memo_caches_stay_bounded_and_never_change_results(now):
    from connector.scoring.engine import CACHE_LIMIT

    model = load_model(DEFAULT_MODEL)
    fresh = load_model(DEFAULT_MODEL)
    for i in range(CACHE_LIMIT + 500):
        lead = Lead(str(i), {"jobtitle": f"VP Sales {i}", "email": f"a@d{i}.com"},
                    (Event("page_view", now - timedelta(hours=i), {"url": f"/pricing?{i}"}),))
        score_lead(lead, model, now)
    assert all(len(plan.cache) <= CACHE_LIMIT for plan in model.fit_plan)
    assert all(len(plan.cache) <= CACHE_LIMIT for plan in model.event_plans.values())
    assert len(model.reason_cache) <= CACHE_LIMIT
    probe = Lead("p", {"jobtitle": "VP Sales 7", "email": "a@d7.com"}, (Event("page_view", now, {"url": "/pricing?7"}),))
    assert score_lead(probe, model, now) == score_lead(probe, fresh, now)


def test_data_warnings_carry_their_kind_for_counting():
    model = make_model('[[fit]]\nid = "size"\nproperty = "numemployees"\nop = "gte"\nvalue = 50\npoints = 10\n'
                       '[[engagement]]\nid = "met"\nevent = "meeting_held"\npoints = 20\n')
    lead = Lead("1", {"numemployees": "lots"}, (Event("meeting_held", None), Event("tweet", now_minus(1))), "other")
    result = score_lead(lead, model, NOW)
    assert sorted(w.kind for w in result.warnings) == ["no_timestamp", "not_a_number", "unknown_event", "unknown_stage"]
    assert "numemployees: 'lots' is not a number, so rules comparing it as a number did not apply" in result.warnings


def now_minus(days: float):
    return NOW - timedelta(days=days)


def test_the_default_model_does_not_make_a_cold_lead_sales_qualified_on_one_meeting():
    model = load_model(DEFAULT_MODEL)
    student = Lead("1", {"jobtitle": "Student", "email": "kim@gmail.com"}, (Event("meeting_booked", now_minus(2)),), "lead")
    result = score_lead(student, model, NOW)
    assert result.label == "cold"
    assert result.stage == "lead"


def test_the_default_model_makes_a_fitting_lead_with_a_booked_meeting_sales_qualified():
    model = load_model(DEFAULT_MODEL)
    buyer = Lead("2", {"jobtitle": "VP Sales", "numemployees": "100-500", "email": "ann@acme.io", "country": "United States"},
                 (Event("meeting_booked", now_minus(2)),), "lead")
    result = score_lead(buyer, model, NOW)
    assert result.label != "cold"
    assert result.stage == "salesqualifiedlead"


def test_the_default_model_scores_every_hubspot_size_range_as_intended():
    model = load_model(DEFAULT_MODEL)
    expected = {"1-5": "company_size_small", "5-25": "company_size_small", "25-50": "company_size_small",
                "50-100": "company_size_mid", "100-500": "company_size_mid", "500-1000": "company_size_mid",
                "1000+": "company_size_enterprise", "250": "company_size_mid", "12000": "company_size_enterprise"}
    for size, rule in expected.items():
        fired = [r.rule for r in score_lead(Lead("1", {"numemployees": size}), model, NOW).reasons]
        assert fired == [rule], size
