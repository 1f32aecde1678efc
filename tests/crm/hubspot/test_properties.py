"""Property setup against a recorded properties API (creation, 409s and wrong types are covered
end to end against the sandbox; the sandbox serves no property PATCH, so option updates are
checked here on the request leadscore sends)."""

from types import SimpleNamespace

import pytest

from connector.crm.hubspot.client import Response
from connector.crm.hubspot.properties import ensure_properties, property_specs
from connector.errors import UserError

MODEL = SimpleNamespace(label_names=("hot", "warm", "cold"), grades=("A1", "A2"), key=None,
                        moves_stage=False, source="model.toml", account=None)
NAMES = {f: "leadscore_" + f for f in ("fit", "engagement", "label", "grade", "reasons", "model", "scored_at")}


def existing(**overrides):
    props = []
    for spec in property_specs(MODEL):
        prop = {"name": NAMES[spec.field], "type": spec.type,
                "options": [{"value": v, "label": v} for v in spec.options]}
        prop.update(overrides.get(spec.field, {}))
        props.append(prop)
    return props


class PropertiesApi:
    def __init__(self, props):
        self.props = props
        self.sent = []
        self.properties = SimpleNamespace(get_all_with_http_info="list", update_with_http_info="update",
                                          create_with_http_info="create")
        self.groups = SimpleNamespace(create_with_http_info="group")

    def call(self, endpoint, method, *args):
        self.sent.append((endpoint, args))
        return Response(200, {}, {"results": self.props} if method == "list" else {})


def test_everything_in_place_costs_one_listing_call():
    api = PropertiesApi(existing())
    assert ensure_properties(api, MODEL, NAMES, "leadscore", create=True) == []
    assert [e for e, _ in api.sent] == ["GET /crm/v3/properties/contacts"]


def test_a_label_new_in_the_model_is_added_to_the_options_keeping_the_old_ones():
    api = PropertiesApi(existing(label={"options": [{"value": "hot"}, {"value": "lukewarm"}]}))
    ensure_properties(api, MODEL, NAMES, "leadscore", create=True)
    endpoint, (object_type, name, body) = api.sent[1]
    assert endpoint == "PATCH /crm/v3/properties/contacts/leadscore_label"
    assert [o["value"] for o in body["options"]] == ["hot", "lukewarm", "warm", "cold"]


def test_a_dry_run_only_reports_what_a_sync_would_set_up():
    api = PropertiesApi([p for p in existing() if p["name"] != "leadscore_grade"])
    todo = ensure_properties(api, MODEL, NAMES, "leadscore", create=False)
    assert todo == ["create property leadscore_grade"]
    assert len(api.sent) == 1


def test_a_wrong_type_is_refused_naming_the_property_and_the_fix():
    api = PropertiesApi(existing(engagement={"type": "string"}))
    with pytest.raises(UserError, match="'leadscore_engagement' exists with type 'string'.*LEADSCORE_PROPERTY_PREFIX"):
        ensure_properties(api, MODEL, NAMES, "leadscore", create=True)
    assert len(api.sent) == 1
