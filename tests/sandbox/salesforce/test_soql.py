"""SOQL as a real org reads it (docs/crm-api-facts.md, Salesforce › SOQL literals and typing,
SOQL clauses, Polymorphic Who), driven through the real simple-salesforce over HTTPS."""

from datetime import UTC, datetime, timedelta

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.salesforce.store import stamp

CLOCK = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox():
    with SalesforceSandbox.start(people=0, clock=lambda: CLOCK) as sb:
        sb.lead_ids = [
            sb.add_lead(Email="Ada@Example.com", LastName="Lovelace", NumberOfEmployees=120, AnnualRevenue=5e6),
            sb.add_lead(Email="grace@example.com", LastName="Hopper", NumberOfEmployees=None),
            sb.add_lead(Email="linus@example.com", LastName="Torvalds", NumberOfEmployees=40,
                        CreatedDate=stamp(CLOCK - timedelta(days=45))),
        ]
        account = sb.store.insert("Account", Name="Initech", Industry="Computer Software")
        sb.contact_id = sb.store.insert("Contact", LastName="Lumbergh", Email="bill@initech.com", AccountId=account)
        sb.task_ids = [sb.add_task(sb.contact_id, "Call", "Call: Left VM"), sb.add_task(sb.lead_ids[0])]
        yield sb


@pytest.fixture
def sf(sandbox) -> Salesforce:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sandbox.ca_bundle)
    return Salesforce(session_id=sandbox.new_token(), instance_url=sandbox.url, version="65.0", session=session)


def refused(sf: Salesforce, soql: str) -> dict:
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query(soql)
    return err.value.content[0]


def ids(sf: Salesforce, soql: str) -> list[str]:
    return [r["Id"] for r in sf.query_all(soql)["records"]]


def test_a_quoted_datetime_is_refused_as_invalid_field(sf):
    error = refused(sf, "SELECT Id FROM Lead WHERE SystemModstamp >= '2026-11-01T00:00:00Z'")
    assert error["errorCode"] == "INVALID_FIELD"
    assert "must be of type dateTime and should not be enclosed in quotes" in error["message"]


def test_a_date_value_on_a_datetime_field_is_refused(sf):
    error = refused(sf, "SELECT Id FROM Lead WHERE CreatedDate > 2026-11-01")
    assert error["errorCode"] == "INVALID_FIELD"


def test_a_datetime_value_on_a_date_field_is_refused(sf):
    assert refused(sf, "SELECT Id FROM Task WHERE ActivityDate = 2026-11-20T00:00:00Z")["errorCode"] == "INVALID_FIELD"


def test_quoted_numbers_and_booleans_are_refused(sf):
    assert refused(sf, "SELECT Id FROM Lead WHERE NumberOfEmployees > '50'")["errorCode"] == "INVALID_FIELD"
    assert refused(sf, "SELECT Id FROM Lead WHERE IsConverted = 'false'")["errorCode"] == "INVALID_FIELD"


def test_an_unquoted_number_on_a_text_field_is_refused(sf):
    error = refused(sf, "SELECT Id FROM Lead WHERE Email = 5")
    assert (error["errorCode"], "should be enclosed in quotes" in error["message"]) == ("INVALID_FIELD", True)


def test_unquoted_typed_literals_filter(sf, sandbox):
    soql = ("SELECT Id FROM Lead WHERE IsConverted = FALSE AND NumberOfEmployees >= 100 "
            "AND SystemModstamp >= 2026-11-20T11:00:00+01:00")
    assert ids(sf, soql) == [sandbox.lead_ids[0]]


def test_string_comparison_ignores_case(sf, sandbox):
    assert ids(sf, "SELECT Id FROM Lead WHERE Email = 'ADA@EXAMPLE.COM'") == [sandbox.lead_ids[0]]
    assert ids(sf, "SELECT Id FROM Lead WHERE Email IN ('GRACE@example.COM')") == [sandbox.lead_ids[1]]
    assert ids(sf, "SELECT Id FROM Lead WHERE LastName LIKE 'tor%'") == [sandbox.lead_ids[2]]


def test_a_fifteen_character_id_finds_the_record(sf, sandbox):
    lead = sandbox.lead_ids[1]
    assert ids(sf, f"SELECT Id FROM Lead WHERE Id = '{lead[:15]}'") == [lead]


def test_an_eighteen_character_id_matches_in_any_case(sf, sandbox):
    lead = sandbox.lead_ids[1]
    assert ids(sf, f"SELECT Id FROM Lead WHERE Id IN ('{lead.lower()}')") == [lead]


def test_a_malformed_id_is_an_invalid_id_error(sf):
    assert refused(sf, "SELECT Id FROM Lead WHERE Id = 'nope'")["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"


def test_object_and_field_names_ignore_case(sf, sandbox):
    rows = sf.query(f"select id, EMAIL from lead where ID = '{sandbox.lead_ids[0]}'")["records"]
    assert rows[0]["attributes"]["type"] == "Lead" and rows[0]["Email"] == "Ada@Example.com"


def test_count_answers_total_size_without_records(sf):
    answer = sf.query("SELECT COUNT() FROM Lead WHERE NumberOfEmployees != null")
    assert (answer["totalSize"], answer["done"], answer["records"]) == (2, True, [])


def test_limit_and_offset_page_in_order(sf, sandbox):
    assert ids(sf, "SELECT Id FROM Lead ORDER BY Id LIMIT 1 OFFSET 1") == [sandbox.lead_ids[1]]


def test_count_with_order_by_is_refused(sf):
    assert refused(sf, "SELECT COUNT() FROM Lead ORDER BY Id")["errorCode"] == "MALFORMED_QUERY"


def test_last_90_days_is_last_n_days_90(sf, sandbox):
    assert ids(sf, "SELECT Id FROM Lead WHERE CreatedDate = LAST_90_DAYS ORDER BY Id") == sandbox.lead_ids


def test_an_offset_over_2000_is_refused(sf):
    assert refused(sf, "SELECT Id FROM Lead OFFSET 2001")["errorCode"] == "NUMBER_OUTSIDE_VALID_RANGE"


def test_last_n_days_covers_today_and_the_days_before(sf, sandbox):
    assert ids(sf, "SELECT Id FROM Lead WHERE CreatedDate = LAST_N_DAYS:30 ORDER BY Id") == sandbox.lead_ids[:2]
    assert ids(sf, "SELECT Id FROM Lead WHERE CreatedDate < LAST_N_DAYS:30") == [sandbox.lead_ids[2]]


def test_a_date_literal_on_a_date_field_compares_days(sf, sandbox):
    assert ids(sf, "SELECT Id FROM Task WHERE ActivityDate = TODAY ORDER BY Id") == sandbox.task_ids


def test_a_date_literal_on_a_text_field_is_refused(sf):
    assert refused(sf, "SELECT Id FROM Lead WHERE Email = TODAY")["errorCode"] == "INVALID_FIELD"


def test_nulls_sort_first_by_default_in_both_directions(sf, sandbox):
    first, second, third = sandbox.lead_ids
    assert ids(sf, "SELECT Id FROM Lead ORDER BY NumberOfEmployees") == [second, third, first]
    assert ids(sf, "SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC") == [second, first, third]
    assert ids(sf, "SELECT Id FROM Lead ORDER BY NumberOfEmployees DESC NULLS LAST") == [first, third, second]


def test_who_on_a_task_reads_the_contact_it_points_to(sf, sandbox):
    [row] = sf.query(f"SELECT Id, Who.Type, Who.Email FROM Task WHERE Id = '{sandbox.task_ids[0]}'")["records"]
    url = f"/services/data/v65.0/sobjects/Contact/{sandbox.contact_id}"
    assert row["Who"] == {"attributes": {"type": "Name", "url": url}, "Type": "Contact", "Email": "bill@initech.com"}


def test_who_can_filter_by_the_type_it_points_to(sf, sandbox):
    assert ids(sf, "SELECT Id FROM Task WHERE Who.Type = 'Lead'") == [sandbox.task_ids[1]]


def test_a_parent_relationship_reads_the_parent_fields(sf, sandbox):
    [row] = sf.query(f"SELECT Account.Industry FROM Contact WHERE Id = '{sandbox.contact_id}'")["records"]
    assert row["Account"]["Industry"] == "Computer Software"
    assert row["Account"]["attributes"]["type"] == "Account"


@pytest.mark.parametrize(("soql", "named"), [
    ("SELECT Id FROM Lead WHERE Id IN (SELECT WhoId FROM Task)", "semi-joins"),
    ("SELECT Id, (SELECT Id FROM Tasks) FROM Lead", "subqueries"),
    ("SELECT Industry FROM Lead GROUP BY Industry", "GROUP BY"),
    ("SELECT COUNT(Id) FROM Lead", "COUNT()"),
    ("SELECT TYPEOF Who WHEN Lead THEN Email END FROM Task", "TYPEOF"),
    ("SELECT Id FROM Lead WHERE CreatedDate = THIS_FISCAL_QUARTER", "THIS_FISCAL_QUARTER"),
])
def test_what_the_sandbox_does_not_model_is_refused_by_name(sf, soql, named):
    error = refused(sf, soql)
    assert error["errorCode"] == "MALFORMED_QUERY" and named in error["message"]
    assert "not modeled" in error["message"]


def test_and_with_or_needs_parentheses(sf):
    assert refused(sf, "SELECT Id FROM Lead WHERE IsConverted = false AND Email = 'a' OR Email = 'b'")[
        "errorCode"] == "MALFORMED_QUERY"


def test_all_or_none_rolls_every_record_back_on_one_failure(sf, sandbox):
    good = sandbox.lead_ids[0]
    before = sandbox.record(good)["Leadscore_Fit__c"]
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": True, "records": [
        {"attributes": {"type": "Lead"}, "id": good, "Leadscore_Fit__c": 77},
        {"attributes": {"type": "Lead"}, "id": "00Q5e0000099999EAA", "Leadscore_Fit__c": 1}]})
    assert [r["errors"][0]["statusCode"] for r in results] == ["ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                                               "INVALID_CROSS_REFERENCE_KEY"]
    assert sandbox.record(good)["Leadscore_Fit__c"] == before
    assert all(h[1] != {"Leadscore_Fit__c": 77} for h in sandbox.write_history(good))
