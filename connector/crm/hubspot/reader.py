"""Reading from HubSpot: keyset search pages, batch reads, and a page's engagement.

Search (docs/crm-api-facts.md, Contacts: Search) allows one sort, `limit` ≤ 200 and at most 10,000
results per query. Every query here sorts by `hs_object_id` ascending and filters
`hs_object_id GT <last id seen>`, so each query starts at offset 0: paging never meets the cap,
and the order is stable however many records share a modification time. Incremental reads add a
window on the modification date.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from connector.crm.errors import CrmUnavailable
from connector.crm.hubspot.events import (
    ENGAGEMENT_PROPERTIES, ENGAGEMENT_TYPES, engagement_events, web_event,
)
from connector.scoring.types import Event

if TYPE_CHECKING:
    from connector.crm.hubspot.client import HubSpotClient

SEARCH_LIMIT = 200  # the most a search page holds
BATCH_READ = 100  # the most ids a batch read takes
BATCH_READ_WITH_HISTORY = 50  # ... when it asks for property histories (docs/crm-api-facts.md)
ASSOCIATION_BATCH = 1000  # the most ids an associations batch read takes
SEARCH_BODY_MAX = 3000  # characters (CRM search guide, Limits)


def _search_body(date_property: str | None, lo_ms: int | None, hi_ms: int | None,
                 after_id: int, properties: Sequence[str]) -> dict:
    filters = [{"propertyName": "hs_object_id", "operator": "GT", "value": str(after_id)}]
    if date_property and lo_ms is not None:
        filters.append({"propertyName": date_property, "operator": "GTE", "value": str(lo_ms)})
    if date_property and hi_ms is not None:
        filters.append({"propertyName": date_property, "operator": "LT", "value": str(hi_ms)})
    body = {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": SEARCH_LIMIT,
    }
    if len(json.dumps(body)) > SEARCH_BODY_MAX:
        raise ValueError(
            f"a search would ask for {len(properties)} properties, more than HubSpot's "
            f"{SEARCH_BODY_MAX}-character request body allows; use fewer properties in the model"
        )
    return body


def search_ids(client: HubSpotClient, object_type: str, *, date_property: str | None,
               lo_ms: int | None, hi_ms: int | None, after_id: int,
               properties: Sequence[str]) -> Iterator[list[dict]]:
    """Pages of objects with id > after_id (and modified in [lo, hi)), in id order."""
    if object_type == "contacts":
        endpoint, method, args = ("POST /crm/v3/objects/contacts/search",
                                  client.contacts_search.do_search_with_http_info, ())
    else:
        endpoint, method, args = (f"POST /crm/v3/objects/{object_type}/search",
                                  client.objects_search.do_search_with_http_info, (object_type,))
    while True:
        body = _search_body(date_property, lo_ms, hi_ms, after_id, properties)
        results = client.call(endpoint, method, *args, body, search=True).body.get("results", [])
        client.count_items(endpoint, len(results))
        if not results:
            return
        yield results
        if len(results) < SEARCH_LIMIT:
            return
        after_id = int(results[-1]["id"])


def retryable_failures(body: dict) -> list[str]:
    """Ids a 207 batch answer says could not be processed for a reason other than not existing
    (or having no associations): those must be asked for again, or data would be missing."""
    ids: list[str] = []
    for error in body.get("errors") or []:
        if not isinstance(error, dict) or error.get("category") == "OBJECT_NOT_FOUND":
            continue
        ids += [str(i) for i in (error.get("context") or {}).get("ids") or []]
    return ids


def _batch(client: HubSpotClient, endpoint: str, method, args: tuple, body_for, ids: Sequence[str]
           ) -> list[dict]:
    """One batch call for `ids`, asking again for the inputs a 207 left undone, a bounded number
    of times (the retry policy's attempts), then stopping the run rather than scoring on
    incomplete data."""
    results: list[dict] = []
    todo = list(ids)
    for attempt in range(1, client.options.attempts + 1):
        body = client.call(endpoint, method, *args, body_for(todo)).body
        results += body.get("results") or []
        todo = retryable_failures(body)
        if not todo:
            return results
        client.note_partial(attempt)
    raise CrmUnavailable(
        f"HubSpot kept failing {len(todo)} inputs of {endpoint} after "
        f"{client.options.attempts} attempts; nothing past the last checkpoint was lost, "
        "run the sync again later."
    )


def batch_read(client: HubSpotClient, object_type: str, ids: Sequence[str],
               properties: Sequence[str], with_history: Sequence[str] = ()) -> list[dict]:
    """The objects with these ids (missing ids are left out), 100 per call; with `with_history`,
    those properties' past values too (`propertiesWithHistory`), 50 per call (docs/crm-api-facts.md)."""
    found: list[dict] = []
    size = BATCH_READ_WITH_HISTORY if with_history else BATCH_READ
    endpoint = response_endpoint(object_type) + (HISTORY_SUFFIX if with_history else "")
    if object_type == "contacts":
        method, args = client.contacts_batch.read_with_http_info, ()
    else:
        method, args = client.objects_batch.read_with_http_info, (object_type,)

    def body_for(chunk: list[str]) -> dict:
        body = {"inputs": [{"id": i} for i in chunk], "properties": list(properties)}
        if with_history:
            body["propertiesWithHistory"] = list(with_history)
        return body

    for start in range(0, len(ids), size):
        results = _batch(client, endpoint, method, args, body_for, ids[start : start + size])
        client.count_items(endpoint, len(results))
        found += results
    return found


HISTORY_SUFFIX = " (with history)"  # counted apart: a call with histories carries half as many ids


def response_endpoint(object_type: str) -> str:
    return f"POST /crm/v3/objects/{object_type}/batch/read"


def associated_ids(client: HubSpotClient, from_type: str, to_type: str,
                   ids: Sequence[str]) -> dict[str, list[str]]:
    """{from id: [to ids]} through the v4 associations batch read (1,000 ids a call). An id with
    no associations comes back as a 207 error item (docs/crm-api-facts.md): it simply maps to []. A
    result with more associations than one response holds pages on through the per-object API."""
    found: dict[str, list[str]] = {}
    endpoint = f"POST /crm/v4/associations/{from_type}/{to_type}/batch/read"
    for start in range(0, len(ids), ASSOCIATION_BATCH):
        chunk = ids[start : start + ASSOCIATION_BATCH]
        results = _batch(client, endpoint, client.associations.get_page_with_http_info,
                         (from_type, to_type), lambda c: {"inputs": [{"id": i} for i in c]}, chunk)
        client.count_items(endpoint, len(chunk))
        for result in results:
            source = str(result["from"]["id"])
            targets = found.setdefault(source, [])
            targets += [str(t["toObjectId"]) for t in result.get("to", [])]
            after = ((result.get("paging") or {}).get("next") or {}).get("after")
            while after:
                page = client.call(
                    f"GET /crm/v4/objects/{from_type}/{{id}}/associations/{to_type}",
                    client.association_pages.get_page_with_http_info,
                    from_type, source, to_type, after=after, limit=500,
                ).body
                targets += [str(t["toObjectId"]) for t in page.get("results", [])]
                after = ((page.get("paging") or {}).get("next") or {}).get("after")
    return found


def engagement_for(client: HubSpotClient, contact_ids: Sequence[str],
                   types: Sequence[str] = ENGAGEMENT_TYPES) -> dict[str, list[Event]]:
    """Every engagement event of these contacts, by contact id."""
    events: dict[str, list[Event]] = {cid: [] for cid in contact_ids}
    for kind in types:
        links = associated_ids(client, "contacts", kind, contact_ids)
        wanted = sorted({eid for targets in links.values() for eid in targets}, key=int)
        if not wanted:
            continue
        by_id = {
            str(obj["id"]): engagement_events(kind, obj.get("properties") or {})
            for obj in batch_read(client, kind, wanted, ENGAGEMENT_PROPERTIES[kind])
        }
        for cid, targets in links.items():
            for eid in targets:
                events.setdefault(cid, []).extend(by_id.get(eid, ()))
    return events


EVENTS_PAGE = 100  # the events API's default page size (its maximum is unconfirmed)


def web_events_for(client: HubSpotClient, contact_id: str) -> list[Event]:
    """A contact's web analytics events (page views, form submissions), every page of them."""
    events: list[Event] = []
    after = None
    while True:
        kwargs = {"object_type": "contact", "object_id": int(contact_id), "limit": EVENTS_PAGE}
        if after:
            kwargs["after"] = after
        body = client.call("GET /events/v3/events", client.web_events.get_page_with_http_info,
                           **kwargs).body
        results = body.get("results") or []
        client.count_items("GET /events/v3/events", len(results))
        events += [e for e in (web_event(r) for r in results) if e is not None]
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return events
