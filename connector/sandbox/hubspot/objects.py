"""CRM v3 object endpoints (contacts and the engagement objects): list, read, batch read, batch
update, search, with HubSpot's limits, errors and lifecycle-stage rule (docs/crm-api-facts.md, HubSpot › Contacts).
Each function takes the store and the parsed request and returns the response body (and status).
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.hubspot import catalog, errors, inputs
from connector.sandbox.hubspot.associations import ALIASES, SINGULAR
from connector.sandbox.hubspot.search import search
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import InvalidValue, encode, iso

MAX_LIST = 100
MAX_BATCH = 100
MAX_HISTORY_BATCH = 50
OBJECT_LABEL = {"contacts": "CONTACT", "emails": "EMAIL", "meetings": "MEETING", "calls": "CALL", "notes": "NOTE",
                "tasks": "TASK", "companies": "COMPANY"}


def property_names(values: list[str] | None) -> list[str]:
    """Query or body list parameters: repeated keys (the Python client) and comma-separated
    values (the docs) both arrive here (docs/crm-api-facts.md, HubSpot › Contacts)."""
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def body_names(body: dict[str, Any], key: str) -> list[str]:
    """A body's list of property names (`properties`, `propertiesWithHistory`): strings only."""
    return property_names(inputs.texts(body.get(key), key))


def list_objects(store: Store, object_type: str, query: dict[str, list[str]], base_url: str) -> dict[str, Any]:
    limit = inputs.whole(query.get("limit", ["10"])[0], "limit", 10, low=1, high=MAX_LIST)
    after = query.get("after", ["0"])[0] or "0"
    if inputs.object_id(after) is None and after != "0":
        raise errors.validation(f"Invalid paging cursor after={after!r}.")
    names = store.known(object_type, property_names(query.get("properties")))
    archived = query.get("archived", ["false"])[0].lower() == "true"
    results, last = store.list_page(object_type, names, int(after), limit, archived)
    _add_history(store, object_type, results, property_names(query.get("propertiesWithHistory")))
    _add_associations(store, object_type, results, property_names(query.get("associations")))
    body: dict[str, Any] = {"results": results}
    if last is not None:
        link = f"{base_url}/crm/v3/objects/{object_type}?limit={limit}&after={last}"
        body["paging"] = {"next": {"after": str(last), "link": link}}
    return body


def get_object(store: Store, object_type: str, object_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
    names = store.known(object_type, property_names(query.get("properties")))
    id_property = _id_property(store, object_type, (query.get("idProperty") or [None])[0])
    if not id_property and inputs.object_id(object_id) is None:
        raise errors.not_found()
    found = store.read_many(object_type, names, [object_id], id_property)
    obj = found.get(object_id.lower() if id_property else object_id)
    if obj is None:
        raise errors.not_found()
    _add_history(store, object_type, [obj], property_names(query.get("propertiesWithHistory")))
    _add_associations(store, object_type, [obj], property_names(query.get("associations")))
    return obj


def batch_read(store: Store, object_type: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    started = _now(store)
    keys = [inputs.text(i.get("id"), f"inputs[{n}].id") or "" for n, i in enumerate(inputs.objects(body, "inputs"))]
    with_history = body_names(body, "propertiesWithHistory")
    limit = MAX_HISTORY_BATCH if with_history else MAX_BATCH
    if len(keys) > limit:
        if with_history:
            raise errors.validation(f"The maximum number of inputs supported in a batch request for property "
                                    f"histories is {MAX_HISTORY_BATCH}. {len(keys)} inputs were provided.")
        raise errors.validation(f"Too many inputs: {len(keys)}; a batch takes at most {MAX_BATCH}.")
    id_property = _id_property(store, object_type, inputs.text(body.get("idProperty"), "idProperty"))
    names = store.known(object_type, body_names(body, "properties"))
    found = store.read_many(object_type, names, keys, id_property)
    by_id = id_property and id_property != "hs_object_id"
    results, missing, seen = [], [], set()
    for key in keys:
        obj = found.get(key.lower() if by_id else key)
        if obj is None:
            missing.append(key)
        elif obj["id"] not in seen:
            seen.add(obj["id"])
            results.append(obj)
    _add_history(store, object_type, results, with_history)
    return _batch_response(store, object_type, results, missing, started, "read")


def batch_update(store: Store, object_type: str, body: dict[str, Any], source: str = "API") -> tuple[int, dict[str, Any]]:
    started = _now(store)
    items = inputs.objects(body, "inputs")
    if len(items) > MAX_BATCH:
        raise errors.validation(f"Too many inputs: {len(items)}; a batch takes at most {MAX_BATCH}.")
    ids = [inputs.text(i.get("id"), f"inputs[{n}].id") or "" for n, i in enumerate(items)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise errors.validation(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique")
    written = [input_properties(i, f"inputs[{n}].properties") for n, i in enumerate(items)]
    encoded = [validate_properties(store, object_type, props) for props in written]
    present = store.exists(object_type, [n for n in map(inputs.object_id, ids) if n is not None])
    results, missing = [], []
    at = store.now_ms()
    with store.tx() as db:
        for key, props, values in zip(ids, written, encoded):
            object_id = inputs.object_id(key)
            if object_id is None or object_id not in present:
                missing.append(key)
                continue
            store.log_write(db, object_type, object_id, at, source, props)
            if object_type == "contacts":
                values = _lifecycle_rule(store, db, object_id, values, at)
            store.apply(db, object_type, object_id, values, "INTEGRATION" if source == "API" else source, at)
    names = list(dict.fromkeys([*(k for props in written for k in props),
                                *catalog.DATE_PROPERTIES[object_type][1:], "hs_object_id"]))
    found = store.read_many(object_type, names, [k for k in ids if k not in missing])
    results = [found[k] for k in ids if k in found]
    return _batch_response(store, object_type, results, missing, started, "update")


def create_object(store: Store, object_type: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """`POST /crm/v3/objects/{type}`: a new object from `properties`; a contact whose email another
    contact has is a 409 CONFLICT naming it (docs/crm-api-facts.md, HubSpot › Single objects)."""
    written = input_properties(body, "properties")
    values = validate_properties(store, object_type, written)
    contacts = _contacts_to_associate(store, object_type, body.get("associations"))
    at = store.now_ms()
    with store.tx() as db:
        email = values.get("email") if object_type == "contacts" else None
        if email:
            row = db.execute("SELECT _id FROM obj_contacts WHERE email = ? COLLATE NOCASE AND _archived = 0",
                             (email,)).fetchone()
            if row:
                raise errors.ApiError(409, errors.error_body(f"Contact already exists. Existing ID: {row[0]}",
                                                             "CONFLICT"))
        new_id = None if object_type == "contacts" else store.next_engagement_id(db)
        object_id = store.insert_object(db, object_type, new_id, {}, at)
        store.log_write(db, object_type, object_id, at, "API", written)
        store.apply(db, object_type, object_id, values, "INTEGRATION", at)
        db.executemany("INSERT OR IGNORE INTO associations VALUES (?, ?, ?)",
                       [(cid, object_type, object_id) for cid in contacts])
    return 201, _one(store, object_type, object_id, written)


def _contacts_to_associate(store: Store, object_type: str, given: Any) -> list[int]:
    """The contacts a create's `associations` names (`[{"to": {"id"}, "types": [{"associationCategory",
    "associationTypeId"}]}]`, the engagement-to-contact type: docs/crm-api-facts.md, HubSpot ›
    Tasks); a wrong type or an unknown contact is a 400, as nothing is created then."""
    if not given:
        return []
    if object_type == "contacts" or not isinstance(given, list):
        raise errors.validation("associations: the sandbox associates a new engagement with contacts only.")
    wanted = catalog.ASSOCIATION_TYPE_IDS[object_type][1]
    ids: list[int] = []
    for item in given:
        target = inputs.object_id(str(((item or {}).get("to") or {}).get("id", "")))
        types = [(t or {}).get("associationTypeId") for t in (item or {}).get("types") or []]
        if target is None or not types or any(t != wanted for t in types):
            raise errors.validation(f"associations: each needs to.id and types with associationTypeId {wanted} "
                                    f"({SINGULAR[object_type]} to contact).")
        ids.append(target)
    missing = set(ids) - store.exists("contacts", ids)
    if missing:
        raise errors.validation(f"associations: no contact with id {', '.join(map(str, sorted(missing)))}.")
    return ids


def update_object(store: Store, object_type: str, key: str, query: dict[str, list[str]],
                  body: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /crm/v3/objects/{type}/{id}` (or by `idProperty`): the given properties, as one
    batch update input would be; an unknown id is a 404."""
    id_property = _id_property(store, object_type, (query.get("idProperty") or [None])[0])
    if id_property:
        found = store.read_many(object_type, [], [key], id_property).get(key.lower())
        object_id = int(found["id"]) if found else None
    else:
        object_id = inputs.object_id(key)
    if object_id is None or not store.exists(object_type, [object_id]):
        raise errors.not_found()
    written = input_properties(body, "properties")
    values = validate_properties(store, object_type, written)
    contacts = _contacts_to_associate(store, object_type, body.get("associations"))
    at = store.now_ms()
    with store.tx() as db:
        store.log_write(db, object_type, object_id, at, "API", written)
        if object_type == "contacts":
            values = _lifecycle_rule(store, db, object_id, values, at)
        store.apply(db, object_type, object_id, values, "INTEGRATION", at)
    return _one(store, object_type, object_id, written)


def _one(store: Store, object_type: str, object_id: int, written: dict[str, Any]) -> dict[str, Any]:
    names = list(dict.fromkeys([*written, *catalog.DATE_PROPERTIES[object_type], "hs_object_id"]))
    return store.read_many(object_type, names, [str(object_id)])[str(object_id)]


def input_properties(item: dict[str, Any], where: str) -> dict[str, str | None]:
    """An input's `properties`: an object of property name → value (a string; numbers and
    booleans read as text, null clears)."""
    raw = item.get("properties")
    if raw is None:
        return {}
    return {name: inputs.text(value, f"{where}.{name}") for name, value in inputs.obj(raw, where).items()}


def _id_property(store: Store, object_type: str, name: str | None) -> str | None:
    """`idProperty`, which must name a property that exists (an unknown one is a 400; SQLite
    would otherwise read a quoted unknown name as a string literal)."""
    if not name:
        return None
    if name not in store.properties(object_type):
        raise errors.validation(f"Unable to find property {name!r} to use as the idProperty.")
    return name


def validate_properties(store: Store, object_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    """Written values → stored ones; an unknown property or a bad value is a 400 for the batch."""
    props = store.properties(object_type)
    problems, out = [], {}
    for name, raw in properties.items():
        prop = props.get(name)
        if prop is None:
            problems.append({"name": name, "error": "PROPERTY_DOESNT_EXIST", "message": f'Property "{name}" does not exist'})
            continue
        if name in catalog.READ_ONLY:
            problems.append({"name": name, "error": "READ_ONLY_VALUE",
                             "message": f"{name} is a read only property; its value cannot be set."})
            continue
        try:
            out[name] = encode(prop, raw)
        except InvalidValue as exc:
            problems.append({"name": name, "error": exc.code, "message": str(exc)})
    if problems:
        raise errors.property_errors(problems)
    return out


def _lifecycle_rule(store: Store, db: Any, contact_id: int, values: dict[str, Any], at: int) -> dict[str, Any]:
    """A move to an earlier lifecycle stage is silently ignored; entering a stage stamps its
    `hs_lifecyclestage_<stage>_date` (docs/crm-api-facts.md, HubSpot › Contacts)."""
    if "lifecyclestage" not in values or values["lifecyclestage"] is None:
        return values
    new = values["lifecyclestage"]
    current = store.current(db, "contacts", contact_id, ["lifecyclestage"])["lifecyclestage"]
    order = list(store.properties("contacts")["lifecyclestage"].options)
    if current in order and new in order and order.index(new) < order.index(current):
        return {k: v for k, v in values.items() if k != "lifecyclestage"}
    stamp = f"hs_lifecyclestage_{new}_date"
    if new != current and stamp in store.properties("contacts"):
        return {**values, stamp: at}
    return values


def search_objects(store: Store, object_type: str, body: dict[str, Any], raw_length: int) -> dict[str, Any]:
    page = search(store, object_type, body, raw_length)
    out: dict[str, Any] = {"total": page.total, "results": page.results}
    if page.next_after is not None:
        out["paging"] = {"next": {"after": str(page.next_after)}}
    return out


def _add_history(store: Store, object_type: str, results: list[dict[str, Any]], names: list[str]) -> None:
    names = [n for n in names if n in store.properties(object_type)]
    if not names:
        return
    for obj in results:
        obj["propertiesWithHistory"] = {n: store.history(object_type, int(obj["id"]), n) for n in names}


def _add_associations(store: Store, object_type: str, results: list[dict[str, Any]], to_names: list[str]) -> None:
    """`associations=emails,meetings` on list and read: the associated ids inline, v3 style
    (`{"emails": {"results": [{"id", "type": "contact_to_email"}]}}`)."""
    targets = [ALIASES.get(n.lower(), n.lower()) for n in to_names]
    targets = [t for t in dict.fromkeys(targets) if t in catalog.OBJECT_TYPES and (t == "contacts") != (object_type == "contacts")]
    if not targets:
        return
    for obj in results:
        found = {}
        for target in targets:
            ids = store.associated(object_type, target, int(obj["id"]))
            if ids:
                kind = f"{SINGULAR[object_type]}_to_{SINGULAR[target]}"
                found[target] = {"results": [{"id": str(i), "type": kind} for i in ids]}
        if found:
            obj["associations"] = found


def _batch_response(store: Store, object_type: str, results: list[dict[str, Any]], missing: list[str], started: str,
                    verb: str) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _now(store)}
    if not missing:
        return 200, body
    label = OBJECT_LABEL[object_type]
    message = (f"Could not get some {label} objects, they may be deleted or not exist. Check that ids are valid."
               if verb == "read" else f"Could not update some {label} objects, they may be deleted or not exist. "
                                      "Check that ids are valid.")
    body["numErrors"] = 1
    body["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND", "message": message,
                       "context": {"ids": missing}, "links": {}, "errors": []}]
    return 207, body


def _now(store: Store) -> str:
    return iso(store.now_ms())
