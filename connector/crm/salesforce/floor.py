"""The fewest Salesforce API calls a sync's work allows, to measure a run against.

Reads: every query call returns at most 2,000 records (REST API guide, "Query"), so reading R
records of an object costs at least ceil(R / 2,000) calls, and each query costs at least one.
Writes: sObject Collections take 200 records a call, counted per object as leadscore writes them
(Leads, Contacts and Accounts in calls of their own; the Accounts after their contacts, whose
scores they roll up); a Bulk API 2.0 job needs at least four
(create, upload, close, one status poll) plus one for failed results when some failed.
Describe: one call per object checked. Reads are counted per kind of query ("query:Task" for
activity, "queryAll:Task" for finding changed activity); a kind that found nothing still costs one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

PAGE = 2000
COLLECTION = 200
BULK_MIN = 4


def floor_calls(calls: Mapping[str, int], rows: Mapping[str, int], written: Mapping[str, int]) -> int:
    """`calls`, `rows` and `written` as counted by SalesforceClient for the work done."""
    reads = sum(max(1, math.ceil(n / PAGE)) for n in rows.values())  # keys "query:Task", ...
    writes = sum(math.ceil(n / COLLECTION) for key, n in written.items() if key.startswith("collections:"))
    writes += BULK_MIN * written.get("bulk_jobs", 0) + calls.get("jobs/ingest/failedResults", 0)
    return reads + writes + calls.get("describe", 0)
