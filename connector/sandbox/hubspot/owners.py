"""The owners API v3 (docs/crm-api-facts.md, HubSpot › Owners): the portal's users who can own
records, `GET /crm/v3/owners` (paged, filtered by `email`, `archived`) and
`GET /crm/v3/owners/{ownerId}` (`idProperty=id` or `userId`). A fixed set, the same in every portal.
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.hubspot import errors, inputs

MAX_LIMIT = 500  # the owners list's page size limit (unconfirmed)
CREATED = "2024-01-15T09:00:00.000Z"
TEAMS = {"Sales": "301", "Marketing": "302"}
# (id, userId, first name, last name, email, team)
OWNERS = (
    (101, 9001, "Ada", "Lovelace", "ada@portal.example", "Sales"),
    (102, 9002, "Grace", "Hopper", "grace@portal.example", "Sales"),
    (103, 9003, "Alan", "Turing", "alan@portal.example", "Marketing"),
    (104, 9004, "Katherine", "Johnson", "katherine@portal.example", "Sales"),
)


def owner_json(owner: tuple[int, int, str, str, str, str]) -> dict[str, Any]:
    oid, user, first, last, email, team = owner
    return {"id": str(oid), "userId": user, "firstName": first, "lastName": last, "email": email, "type": "PERSON",
            "teams": [{"id": TEAMS[team], "name": team, "primary": True}],
            "createdAt": CREATED, "updatedAt": CREATED, "archived": False}


def list_owners(query: dict[str, list[str]], base_url: str) -> dict[str, Any]:
    def one(name: str) -> str | None:
        return (query.get(name) or [None])[0]

    limit = inputs.whole(one("limit"), "limit", 100, low=1, high=MAX_LIMIT)
    cursor = one("after") or "0"
    after = inputs.object_id(cursor) if cursor != "0" else 0
    if after is None:
        raise errors.validation(f"Invalid paging cursor after={cursor!r}.")
    email, archived = one("email"), (one("archived") or "false").lower() == "true"
    found = [o for o in OWNERS if o[0] > after and not archived and (email is None or o[4].lower() == email.lower())]
    body: dict[str, Any] = {"results": [owner_json(o) for o in found[:limit]]}
    if len(found) > limit:
        last = str(found[limit - 1][0])
        body["paging"] = {"next": {"after": last, "link": f"{base_url}/crm/v3/owners?limit={limit}&after={last}"}}
    return body


def get_owner(owner_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
    id_property = (query.get("idProperty") or ["id"])[0]
    if id_property not in ("id", "userId"):
        raise errors.validation(f"idProperty must be id or userId; got {id_property!r}.")
    column = 0 if id_property == "id" else 1
    number = inputs.object_id(owner_id)
    for owner in OWNERS:
        if owner[column] == number:
            return owner_json(owner)
    raise errors.not_found(f"Owner {owner_id} not found.")
