"""Benchmark: build a seeded HubSpot sandbox portal and time its pages.

    .venv/bin/python bench/bench_sandbox.py [--contacts 100000] [--pages 20] [--data-dir DIR]

Prints the seconds to generate and store the portal (issue 4 aims under 60 s for 100,000
contacts), its size, and milliseconds per page through the real hubspot-api-client over loopback
(and, for the incremental search, in the store alone and over plain HTTP, since most of a client
page's time is the client building its models):
search pages (incremental on lastmodifieddate, keyset on hs_object_id, a filter on a non-indexed
property), list pages, batch reads and batch updates. The rate limits are lifted for the timing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
import resource
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
)

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.sandbox import DB_NAME
from connector.sandbox.hubspot.seeding import seed_portal
from connector.sandbox.hubspot.store import Store

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


def build(data_dir: Path, contacts: int) -> None:
    store = Store(data_dir / DB_NAME)
    started = time.perf_counter()
    seed_portal(store, 7, contacts, ANCHOR)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = {t: store.db.execute(f"SELECT COUNT(*) FROM obj_{t}").fetchone()[0]
              for t in ("contacts", "emails", "meetings", "calls", "notes")}
    events = store.db.execute("SELECT COUNT(*) FROM web_events").fetchone()[0]
    store.close()
    size = sum(p.stat().st_size for p in data_dir.iterdir()) / 1e6
    engagements = sum(v for k, v in counts.items() if k != "contacts")
    print(f"build: {contacts:,} contacts in {seconds:.1f} s ({contacts / seconds:,.0f} contacts/s), "
          f"peak RSS {peak_mb:.0f} MB")
    print(f"portal: {engagements:,} engagement objects {dict((k, v) for k, v in counts.items() if k != 'contacts')}, "
          f"{events:,} web events, {size:.0f} MB on disk")


def timed(label: str, calls: list) -> None:
    ms = []
    for call in calls:
        started = time.perf_counter()
        call()
        ms.append((time.perf_counter() - started) * 1000)
    ms.sort()
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{label:<58} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   ({len(ms)} pages)")


def server_side(sb: HubSpotSandbox, since: str, n: int) -> None:
    """The same incremental search without HTTP and the client's model building: the store's share."""
    from connector.sandbox.hubspot.search import search

    def page(after: int):
        body = {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": since}]}],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}], "limit": 200,
                "after": str(after), "properties": ["email", "jobtitle", "lifecyclestage", "lastmodifieddate"]}
        return lambda: search(sb.store, "contacts", body, 300)

    timed("  the same search in the store alone (no HTTP, no client)", [page(200 * i) for i in range(n)])


def plain_http(sb: HubSpotSandbox, since: str, n: int) -> None:
    """The same search over HTTP without the client's model building (JSON parsed only)."""
    def page(after: int):
        body = json.dumps({"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE",
                                                          "value": since}]}],
                           "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}], "limit": 200,
                           "after": str(after), "properties": ["email", "jobtitle", "lifecyclestage", "lastmodifieddate"]})

        def call():
            req = urllib.request.Request(sb.url + "/crm/v3/objects/contacts/search", data=body.encode(), method="POST",
                                         headers={"Authorization": f"Bearer {sb.token}", "Content-Type": "application/json"})
            with urllib.request.urlopen(req) as resp:
                json.loads(resp.read())
        return call

    timed("  the same search over plain HTTP (no client models)", [page(200 * i) for i in range(n)])


def pages(data_dir: Path, contacts: int, n: int) -> None:
    with HubSpotSandbox.start(contacts=contacts, data_dir=data_dir, anchor=ANCHOR, rate_limit_per_10s=10**9,
                              daily_limit=10**9, search_per_second=10**9) as sb:
        client = HubSpot(access_token=sb.token, host=sb.url)
        search = client.crm.contacts.search_api.do_search
        since = str(int((ANCHOR - timedelta(days=30)).timestamp() * 1000))
        props = ["email", "jobtitle", "lifecyclestage", "hs_analytics_num_page_views", "lastmodifieddate"]

        def incremental(after: int):
            return lambda: search(PublicObjectSearchRequest(
                filter_groups=[{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": since}]}],
                sorts=[{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}], properties=props, limit=200,
                after=str(after)))

        def keyset(last_id: int):
            return lambda: search(PublicObjectSearchRequest(
                filter_groups=[{"filters": [{"propertyName": "hs_object_id", "operator": "GT", "value": str(last_id)}]}],
                sorts=["hs_object_id"], properties=props, limit=200))

        def unindexed(after: int):
            return lambda: search(PublicObjectSearchRequest(
                filter_groups=[{"filters": [{"propertyName": "jobtitle", "operator": "CONTAINS_TOKEN", "value": "director"}]}],
                properties=props, limit=200, after=str(after)))

        total = search(PublicObjectSearchRequest(filter_groups=[{"filters": [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": since}]}], limit=1)).total
        print(f"search: {total:,} contacts modified in the last 30 days of history")
        step = max(1, contacts // n)
        timed("search 200, lastmodifieddate GTE, sorted, paged (after)", [incremental(200 * i) for i in range(n)
                                                                           if 200 * i < min(total, 9800)])
        server_side(sb, since, n)
        plain_http(sb, since, n)
        timed("search 200, hs_object_id GT (keyset), sorted", [keyset(i * step) for i in range(n)])
        timed("search 200, CONTAINS_TOKEN on jobtitle (no index)", [unindexed(200 * i) for i in range(n)])
        timed("list 100 contacts (after)", [lambda a=i * step: client.crm.contacts.basic_api.get_page(
            limit=100, after=str(a), properties=props) for i in range(n)])
        timed("batch read 100 contacts", [lambda a=i * step: client.crm.contacts.batch_api.read(
            BatchReadInputSimplePublicObjectId(inputs=[{"id": str(a + k + 1)} for k in range(100) if a + k < contacts],
                                               properties=props)) for i in range(n)])
        timed("batch update 100 contacts", [lambda a=i * step: client.crm.contacts.batch_api.update(
            BatchInputSimplePublicObjectBatchInput(inputs=[{"id": str(a + k + 1), "properties": {"jobtitle": f"Bench {a}"}}
                                                           for k in range(100) if a + k < contacts])) for i in range(n)])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        if (data_dir / DB_NAME).exists():
            print(f"reusing the portal in {data_dir}")
        else:
            build(data_dir, args.contacts)
        pages(data_dir, args.contacts, args.pages)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
