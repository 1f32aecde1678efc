from connector.crm.hubspot.floor import floor_calls
from connector.crm.hubspot.reader import retryable_failures


def test_floor_is_items_over_each_endpoints_page_or_batch_size():
    calls = {"POST /crm/v3/objects/contacts/search": 6, "POST /crm/v3/objects/emails/batch/read": 12,
             "POST /crm/v4/associations/contacts/emails/batch/read": 2,
             "POST /crm/v3/objects/contacts/batch/update": 11, "GET /crm/v3/properties/contacts": 1}
    items = {"POST /crm/v3/objects/contacts/search": 1000, "POST /crm/v3/objects/emails/batch/read": 1001,
             "POST /crm/v4/associations/contacts/emails/batch/read": 1000,
             "POST /crm/v3/objects/contacts/batch/update": 1000}
    assert floor_calls(calls, items) == 5 + 11 + 1 + 10 + 1


def test_a_search_that_found_nothing_still_needed_its_one_call():
    assert floor_calls({"POST /crm/v3/objects/notes/search": 1}, {}) == 1


def test_only_failures_other_than_not_found_are_asked_again():
    body = {"errors": [
        {"category": "OBJECT_NOT_FOUND", "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
         "context": {"ids": ["7"]}},
        {"category": "CONFLICT", "message": "Could not process some CONTACT objects right now; retry them.",
         "context": {"ids": ["8", "9"]}}]}
    assert retryable_failures(body) == ["8", "9"]
