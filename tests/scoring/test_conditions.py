"""Every operator of fit rules (and event conditions), on real-shaped CRM values."""

from connector.scoring import Lead, score_lead

from .conftest import NOW, fires, fit_rule, make_model


def test_equals_is_case_insensitive_and_ignores_surrounding_spaces():
    assert fires('property = "industry"\nop = "equals"\nvalue = "Computer Software"', {"industry": " computer SOFTWARE "})


def test_equals_does_not_match_a_different_value():
    assert not fires('property = "industry"\nop = "equals"\nvalue = "Computer Software"', {"industry": "Retail"})


def test_equals_a_number_compares_numerically():
    assert fires('property = "numemployees"\nop = "equals"\nvalue = 250', {"numemployees": "250.0"})


def test_equals_true_matches_a_checkbox_value():
    assert fires('property = "hs_is_customer"\nop = "equals"\nvalue = true', {"hs_is_customer": "TRUE"})


def test_one_of_matches_any_listed_value():
    condition = 'property = "country"\nop = "one_of"\nvalue = ["United States", "Canada"]'
    assert fires(condition, {"country": "canada"})
    assert not fires(condition, {"country": "Mexico"})


def test_one_of_reads_a_named_list():
    model = make_model('[lists]\nmarkets = ["Germany", "DE"]\n'
                       + fit_rule('property = "country"\nop = "one_of"\nlist = "markets"', points=10))
    assert score_lead(Lead("1", {"country": "de"}), model, NOW).fit == 10


def test_contains_matches_a_substring_in_any_case():
    assert fires('property = "jobtitle"\nop = "contains"\nvalue = "sales"', {"jobtitle": "Head of SALES Ops"})


def test_contains_with_a_list_matches_any_substring():
    condition = 'property = "jobtitle"\nop = "contains"\nvalue = ["marketing", "growth"]'
    assert fires(condition, {"jobtitle": "Growth Lead"})
    assert not fires(condition, {"jobtitle": "Engineer"})


def test_regex_searches_case_insensitively():
    condition = "property = \"jobtitle\"\nop = \"regex\"\nvalue = '\\b(vp|director)\\b'"
    assert fires(condition, {"jobtitle": "Regional VP, EMEA"})
    assert not fires(condition, {"jobtitle": "VPN administrator"})


def test_between_is_inclusive_at_both_ends():
    condition = 'property = "numemployees"\nop = "between"\nmin = 50\nmax = 1000'
    assert fires(condition, {"numemployees": "50"})
    assert fires(condition, {"numemployees": "1000"})
    assert not fires(condition, {"numemployees": "1001"})


def test_between_holds_for_a_hubspot_size_range_that_lies_within_it():
    condition = 'property = "numemployees"\nop = "between"\nmin = 50\nmax = 1000'
    assert fires(condition, {"numemployees": "100-500"})
    assert not fires(condition, {"numemployees": "25-50"})


def test_a_range_stops_before_its_upper_end_as_hubspots_neighbouring_ranges_share_it():
    condition = 'property = "numemployees"\nop = "between"\nmin = 50\nmax = 999'
    assert fires(condition, {"numemployees": "500-1000"})
    assert fires(condition, {"numemployees": "50-100"})
    assert not fires(condition, {"numemployees": "1000+"})


def test_a_range_straddling_the_condition_does_not_meet_it():
    condition = 'property = "numemployees"\nop = "between"\nmin = 50\nmax = 999'
    assert not fires(condition, {"numemployees": "25-100"})
    assert not fires('property = "numemployees"\nop = "gte"\nvalue = 1000', {"numemployees": "500-2000"})


def test_lte_holds_for_a_range_below_it_but_never_for_an_open_range():
    assert fires('property = "numemployees"\nop = "lte"\nvalue = 49', {"numemployees": "25-50"})
    assert not fires('property = "numemployees"\nop = "lte"\nvalue = 1000000', {"numemployees": "1000+"})


def test_a_reversed_range_is_not_a_number_and_says_so():
    model = make_model(fit_rule('property = "numemployees"\nop = "gte"\nvalue = 1'))
    result = score_lead(Lead("1", {"numemployees": "50-5"}), model, NOW)
    assert result.fit == 0
    assert [w.kind for w in result.warnings] == ["not_a_number"]


def test_plain_numbers_compare_as_themselves():
    condition = 'property = "numemployees"\nop = "between"\nmin = 50\nmax = 999'
    assert fires(condition, {"numemployees": 250})
    assert fires(condition, {"numemployees": "999"})
    assert not fires(condition, {"numemployees": 1000.0})


def test_gte_reads_formatted_numbers():
    condition = 'property = "annualrevenue"\nop = "gte"\nvalue = 10000000'
    assert fires(condition, {"annualrevenue": "$12,500,000"})
    assert fires(condition, {"annualrevenue": "1.2B"})
    assert not fires(condition, {"annualrevenue": "900k"})


def test_gte_reads_an_open_ended_range():
    assert fires('property = "numemployees"\nop = "gte"\nvalue = 1000', {"numemployees": "1000+"})


def test_lte_matches_values_at_or_below():
    condition = 'property = "numemployees"\nop = "lte"\nvalue = 10'
    assert fires(condition, {"numemployees": "10"})
    assert not fires(condition, {"numemployees": "11"})


def test_numeric_ops_never_match_text_that_is_not_a_number():
    assert not fires('property = "numemployees"\nop = "gte"\nvalue = 0', {"numemployees": "lots"})


def test_is_set_needs_a_real_value():
    condition = 'property = "company"\nop = "is_set"'
    assert fires(condition, {"company": "Acme"})
    assert not fires(condition, {"company": "  "})
    assert not fires(condition, {"company": "N/A"})
    assert not fires(condition, {})


def test_is_empty_matches_missing_blank_and_placeholder_values():
    condition = 'property = "industry"\nop = "is_empty"'
    assert fires(condition, {})
    assert fires(condition, {"industry": None})
    assert fires(condition, {"industry": ""})
    assert fires(condition, {"industry": "unknown"})
    assert not fires(condition, {"industry": "Retail"})


def test_email_domain_in_matches_the_domain_of_an_address():
    condition = 'property = "email"\nop = "email_domain_in"\nvalue = ["gmail.com"]'
    assert fires(condition, {"email": "Ann.Lee@GMAIL.com"})
    assert not fires(condition, {"email": "ann@gmail.company.com"})


def test_email_domain_in_matches_subdomains_of_a_listed_domain():
    condition = 'property = "email"\nop = "email_domain_in"\nvalue = ["rivalcrm.com"]'
    assert fires(condition, {"email": "jo@eu.rivalcrm.com"})
    assert not fires(condition, {"email": "jo@notrivalcrm.com"})


def test_email_domain_in_reads_a_website_value():
    condition = 'property = "website"\nop = "email_domain_in"\nvalue = ["rivalcrm.com"]'
    assert fires(condition, {"website": "https://www.rivalcrm.com/about"})


def test_not_equals_matches_other_values_but_never_an_empty_one():
    condition = 'property = "country"\nop = "not_equals"\nvalue = "United States"'
    assert fires(condition, {"country": "Canada"})
    assert not fires(condition, {"country": "united states"})
    assert not fires(condition, {"country": ""})


def test_not_one_of_matches_values_outside_the_list():
    condition = 'property = "industry"\nop = "not_one_of"\nvalue = ["Education", "Government"]'
    assert fires(condition, {"industry": "Retail"})
    assert not fires(condition, {"industry": "education"})


def test_not_contains_matches_text_without_any_of_the_substrings():
    condition = 'property = "jobtitle"\nop = "not_contains"\nvalue = ["intern", "student"]'
    assert fires(condition, {"jobtitle": "Account Executive"})
    assert not fires(condition, {"jobtitle": "Sales Intern"})


def test_not_regex_matches_text_the_pattern_does_not_find():
    condition = "property = \"jobtitle\"\nop = \"not_regex\"\nvalue = '^(mr|ms)\\b'"
    assert fires(condition, {"jobtitle": "Director"})
    assert not fires(condition, {"jobtitle": "Mr"})


def test_not_email_domain_in_matches_business_addresses():
    condition = 'property = "email"\nop = "not_email_domain_in"\nvalue = ["gmail.com", "yahoo.com"]'
    assert fires(condition, {"email": "ann@acme.io"})
    assert not fires(condition, {"email": "ann@gmail.com"})
    assert not fires(condition, {"email": "n/a"})
