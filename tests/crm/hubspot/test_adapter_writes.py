"""The adapter's write results: 207 items, and a batch refused as a whole split down to the one
bad record. The client layer is replaced by a recorder of request bodies (HTTP is covered by the
end-to-end tests against the sandbox)."""

from types import SimpleNamespace

import pytest

from connector.crm.base import ScoreUpdate
from connector.crm.errors import CrmRequestError
from connector.crm.hubspot.adapter import HubSpotAdapter
from connector.crm.hubspot.client import Response

MODEL = SimpleNamespace(fit_plan=(SimpleNamespace(property="jobtitle"),), key=None, moves_stage=False,
                        source="model.toml", account=None)
INVALID_OPTION = {"status": "error", "message": "Property values were not valid",
                  "category": "VALIDATION_ERROR",
                  "errors": [{"message": "'lukewarm' is not a valid option", "code": "INVALID_OPTION"}]}


class RecordingClient:
    def __init__(self, answer):
        self.answer = answer
        self.bodies = []
        self.contacts_batch = SimpleNamespace(update_with_http_info=None)
        self.items = {}

    def call(self, endpoint, method, body, **_):
        self.bodies.append(body)
        return self.answer(body)

    def count_items(self, endpoint, n):
        self.items[endpoint] = self.items.get(endpoint, 0) + n


def adapter(answer):
    return HubSpotAdapter(RecordingClient(answer), MODEL)


def updates(*ids):
    return [ScoreUpdate(i, {"label": "hot", "stage": "marketingqualifiedlead"}) for i in ids]


def ok(body):
    return Response(200, {}, {"status": "COMPLETE", "results": [
        {"id": i["id"], "properties": {}, "updatedAt": f"2026-03-02T12:00:0{i['id']}.000Z"} for i in body["inputs"]]})


def test_values_are_written_under_prefixed_names_and_the_stage_as_lifecyclestage():
    a = adapter(ok)
    a.write_batch(updates("1"))
    assert a.client.bodies[0]["inputs"][0]["properties"] == {
        "leadscore_label": "hot", "lifecyclestage": "marketingqualifiedlead"}


def test_each_success_carries_the_updated_at_its_write_produced():
    results = adapter(ok).write_batch(updates("1", "2"))
    assert [(r.lead_id, r.ok, r.marker) for r in results] == [
        ("1", True, "2026-03-02T12:00:01.000Z"), ("2", True, "2026-03-02T12:00:02.000Z")]


def test_207_items_fail_with_their_reason_and_the_others_succeed():
    def partial(body):
        return Response(207, {}, {"status": "COMPLETE", "numErrors": 1,
                                  "results": [{"id": "1", "updatedAt": "2026-03-02T12:00:01.000Z"}],
                                  "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND",
                                              "message": "Could not get some CONTACT objects",
                                              "context": {"ids": ["2"]}}]})
    results = adapter(partial).write_batch(updates("1", "2"))
    assert results[0].ok
    assert not results[1].ok and "OBJECT_NOT_FOUND Could not get some CONTACT objects" == results[1].error


def test_a_batch_refused_for_one_bad_record_is_split_until_that_record_alone_fails():
    def refuse_13(body):
        if any(i["id"] == "13" for i in body["inputs"]):
            raise CrmRequestError("HubSpot refused it", status=400, category="VALIDATION_ERROR",
                                  body=INVALID_OPTION)
        return ok(body)
    results = adapter(refuse_13).write_batch(updates(*map(str, range(10, 18))))
    assert [r.lead_id for r in results if not r.ok] == ["13"]
    assert sum(r.ok for r in results) == 7


def test_a_property_that_does_not_exist_stops_the_run_instead_of_splitting():
    body = {"status": "error", "category": "VALIDATION_ERROR",
            "errors": [{"code": "PROPERTY_DOESNT_EXIST", "message": "Property leadscore_label does not exist"}]}

    def refuse(_):
        raise CrmRequestError("refused", status=400, category="VALIDATION_ERROR", body=body)
    a = adapter(refuse)
    with pytest.raises(CrmRequestError):
        a.write_batch(updates("1", "2", "3"))
    assert len(a.client.bodies) == 1
