"""A HubSpot-compatible sandbox portal: the real `hubspot-api-client` talks to it unchanged.

    from connector.sandbox.hubspot import HubSpotSandbox
    from hubspot import HubSpot

    with HubSpotSandbox.start(contacts=300, seed=7) as sb:        # a free port on 127.0.0.1
        client = HubSpot(access_token=sb.token, host=sb.url)
        client.crm.contacts.basic_api.get_page(limit=100)

`HubSpotSandbox.start(contacts=300, seed=7, token=None, faults=None, data_dir=None, clock=None,
rate_limit_per_10s=190, anchor=None, port=0, scopes=None)`:
- `contacts`, `seed`, `anchor`: the generated portal (connector.sandbox.seed); `anchor` (default
  today 00:00 UTC) is the end of the generated history.
- `token`: the one token accepted (a generated `pat-sandbox-...` otherwise; `sb.token`);
  `scopes`: that token's scopes (default all leadscore needs); `sb.add_token(t, scopes)` adds more.
- `data_dir`: keep the portal in `data_dir/hubspot-sandbox.sqlite` (state survives a restart; a
  seeded file is reused as is); None keeps it in memory.
- `clock`: a callable returning an aware UTC datetime, for modification dates and the rate limiter
  (tests move time on with it).

Inspection and acting on the portal:
- `sb.url`, `sb.token`, `sb.port`, `sb.stop()` (also on leaving the `with` block).
- `sb.requests()` → `[(method, path, status), ...]`, every request received, in order.
- `sb.write_history(contact_id)` → `[(when, {property: value as sent}), ...]`, every API write.
- `sb.set_contact(contact_id, {...})`: a person editing the record.
- `sb.add_engagement(contact_id, kind="meeting", at=None, properties=None, **attributes)`: new
  activity (engagement objects, or marketing counters and web events); returns the engagement id.
- `sb.contact(contact_id, [names])`: current values, read directly (not counted as a request).

Served (paths as hubspot-api-client 12 calls them): CRM v3 objects `contacts`, `emails`, `meetings`,
`calls`, `notes` (list, read, batch read, batch update, search) and the properties API (properties and
groups). Module map: `catalog` (default properties), `store` (SQLite), `seeding` (generated people →
portal), `objects`/`search`/`schema` (endpoints), `portal` (the request pipeline), `server` (HTTP).
"""

from connector.sandbox.hubspot.sandbox import HubSpotSandbox, new_token, open_store

__all__ = ["HubSpotSandbox", "new_token", "open_store"]
