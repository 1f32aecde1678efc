"""A HubSpot-compatible sandbox portal: the real `hubspot-api-client` talks to it unchanged.

    from connector.sandbox.hubspot import HubSpotSandbox
    from hubspot import HubSpot

    with HubSpotSandbox.start(contacts=300, seed=7) as sb:        # a free port on 127.0.0.1
        client = HubSpot(access_token=sb.token, host=sb.url)
        client.crm.contacts.basic_api.get_page(limit=100)

`HubSpotSandbox.start(contacts=300, seed=7, token=None, faults=None, data_dir=None, clock=None,
rate_limit_per_10s=190, anchor=None, port=0, scopes=None, daily_limit=625_000, search_per_second=5,
rate_clock=None, search_lag_seconds=2.0)`:
- `contacts`, `seed`, `anchor`: the generated portal (connector.sandbox.seed); `anchor` (default
  today 00:00 UTC) is the end of the generated history.
- `token`: the one token accepted (a generated `pat-sandbox-...` otherwise; `sb.token`);
  `scopes`: that token's scopes (default all leadscore needs); `sb.add_token(t, scopes)` adds more.
- `data_dir`: keep the portal in `data_dir/hubspot-sandbox.sqlite` (state survives a restart; a
  seeded file is reused as is); None keeps it in memory.
- `clock`: a callable returning an aware UTC datetime, for modification dates, `createdAt`,
  `updatedAt` (tests move time on with it). The rate limiter keeps real time (`time.time`) unless
  `rate_clock` (a callable returning epoch seconds) is given.
- `rate_limit_per_10s`, `daily_limit`, `search_per_second`: the portal's limits, per token
  (connector.sandbox.hubspot.limits); `sb.set_rate_limits(...)` changes them while it runs.
- `faults`: a fault profile (connector.sandbox.hubspot.faults): `"flaky"`, `"flaky,seed=3"`,
  `"rate_429=0.1,retry_after=1,rate_5xx=0.05,rate_drop=0.02,rate_partial=0.1"`, a dict, or None;
  `sb.set_faults(...)` switches them while it runs (and replays the seed from the start).

Inspection and acting on the portal:
- `sb.url`, `sb.token`, `sb.port`, `sb.stop()` (also on leaving the `with` block).
- `sb.requests()` → `[(method, path, status), ...]`, every request received, in order.
- `sb.write_history(contact_id)` → `[(when, {property: value as sent}), ...]`, every API write.
- `sb.set_contact(contact_id, {...})`: a person editing the record.
- `sb.add_engagement(contact_id, kind="meeting", at=None, properties=None, **attributes)`: new
  activity (engagement objects, or marketing counters and web events); returns the engagement id.
- `sb.contact(contact_id, [names])`: current values, read directly (not counted as a request).

Served (paths as hubspot-api-client 12 calls them): CRM v3 objects `contacts`, `emails`, `meetings`,
`calls`, `notes` (list, read, create, PATCH, batch read, batch update, search), the properties API
(properties and groups), v4 associations (batch read, per-object read), the events v3 API
(`e_visited_page`, `e_submitted_form`), owners, and admin endpoints under `/_sandbox/` (requests by
path and status, writes per object, faults). Search trails writes by `search_lag_seconds` (2 by
default; `sb.set_search_lag(s)`, `sb.wait_for_search_index()`).

Module map: `catalog` (default properties), `store` (SQLite), `seeding` (generated people → portal),
`inputs` (reading request values), `objects`/`search`/`schema`/`associations`/`events`/`owners` (endpoints), `activity` (new activity),
`limits` (rate limits), `faults` (fault profiles), `portal` (the request pipeline), `server` (HTTP).
Run it as a process with `leadscore sandbox serve` or `python -m connector.sandbox serve`.
"""

from connector.sandbox.hubspot.sandbox import HubSpotSandbox, new_token, open_store

__all__ = ["HubSpotSandbox", "new_token", "open_store"]
