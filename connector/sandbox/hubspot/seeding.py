"""Maps the neutral generated people (connector.sandbox.seed) onto a HubSpot portal.

A person becomes a contact whose properties carry the marketing activity HubSpot keeps on the
contact (page views, sessions, forms, marketing email counters and dates, unsubscribe); their
sales emails, replies, meetings, calls and notes become engagement objects associated with the
contact; page views and form submissions are also kept as web analytics events for the events API.
Rows stream into SQLite in batches, so a million contacts never sit in memory.

Property history is what the portal would have recorded (`history_rows`): the lifecycle stage as
the contact moved through it, the lead status a customer had before converting (cleared then),
and each marketing counter and date as it changed. So values read "as of" a moment through
`propertiesWithHistory` are the values the contact had then. Other properties were set when the
contact was created.
"""

from __future__ import annotations

import functools
import json
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from connector.sandbox import seed as gen
from connector.sandbox.hubspot import catalog
from connector.sandbox.hubspot.store import Store, q
from connector.sandbox.hubspot.values import iso, to_ms

STAGE_MAP = {
    "subscriber": "subscriber", "lead": "lead", "marketing_qualified": "marketingqualifiedlead",
    "sales_qualified": "salesqualifiedlead", "opportunity": "opportunity", "customer": "customer",
}
SOURCE_MAP = {
    "organic_search": "ORGANIC_SEARCH", "paid_search": "PAID_SEARCH", "direct": "DIRECT_TRAFFIC",
    "referral": "REFERRALS", "social": "SOCIAL_MEDIA", "email": "EMAIL_MARKETING", "offline": "OFFLINE",
    "events": "OTHER_CAMPAIGNS",
}
# Standard web analytics event types (events API, `eventType`).
PAGE_VIEW_EVENT = "e_visited_page"
FORM_EVENT = "e_submitted_form"
SESSION_GAP = timedelta(minutes=30)
BATCH = 2000
PARALLEL_FROM = 10  # batches; smaller portals are generated in this process
AHEAD = 4
FIRST_COMPANY_ID = 30_000_000_001
SEQUENCE_EMAILS = 520  # logged on the heavy contact (more than associations.ASSOCIATIONS_PAGE)


def contact_values(p: gen.Person) -> dict[str, object]:
    """The stored values of a person's contact record (numbers, epoch ms, text)."""
    c = p.company
    stage = STAGE_MAP[p.stage]
    values: dict[str, object] = {
        "email": p.email, "firstname": p.first_name, "lastname": p.last_name, "phone": p.phone,
        "jobtitle": p.job_title, "company": c.name if p.index % 37 else "n/a", "website": f"https://www.{c.domain}",
        "industry": c.industry if p.index % 23 else None, "numemployees": employee_range(c.employees),
        "annualrevenue": revenue_text(c.annual_revenue, p.index), "country": country_text(p.country, p.index), "city": p.city,
        "lifecyclestage": stage,
        # Most contacts have an owner (a rep); one in seven nobody has claimed yet.
        "hubspot_owner_id": None if p.index % 7 == 3 else catalog.OWNER_IDS[p.index % len(catalog.OWNER_IDS)],
        "hs_analytics_source": SOURCE_MAP[p.source],
        "hs_lead_status": None if stage == "customer" else LEAD_STATUSES[p.index % 6],
    }
    # The stage's entry date, and creation as the entry date of the early stages passed through.
    passed = catalog.LIFECYCLE_STAGES[: catalog.LIFECYCLE_STAGES.index(stage)]
    for step in passed[:2]:
        values[f"hs_lifecyclestage_{step}_date"] = to_ms(p.created_at)
    values[f"hs_lifecyclestage_{stage}_date"] = _stage_date(p)
    values.update(_marketing_counters(p.activities))
    return values


def company_id(c: gen.Company) -> int:
    """The record id of a generated company (ids of their own, apart from contacts' and engagements')."""
    return FIRST_COMPANY_ID + c.index


def company_values(c: gen.Company) -> dict[str, object]:
    """The stored values of a generated company's record: the industry as the option's internal
    name, employees and revenue as numbers (docs/crm-api-facts.md, HubSpot › Companies)."""
    return {"name": c.name, "domain": c.domain, "industry": catalog.COMPANY_INDUSTRIES.get(c.industry),
            "numberofemployees": c.employees, "annualrevenue": c.annual_revenue, "country": c.country,
            "city": c.city, "lifecyclestage": "lead"}


def has_company(p: gen.Person) -> bool:
    """Whether the person's contact is associated with their company (not when its company name
    reads "n/a": nobody linked it)."""
    return bool(p.index % 37)


LEAD_STATUSES = ("NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "CONNECTED", "UNQUALIFIED")


def employee_range(employees: int | None) -> str | None:
    """A head count as the contact's "Number of Employees" dropdown holds it: the option whose
    range it falls in ("25-50"; docs/crm-api-facts.md, HubSpot › Default contact properties)."""
    if employees is None:
        return None
    for option in catalog.EMPLOYEE_RANGES[:-1]:
        if employees < int(option.split("-")[1]):
            return option
    return catalog.EMPLOYEE_RANGES[-1]


def revenue_text(revenue: int | None, index: int) -> str | None:
    """Annual revenue as people type it into the contact's free-text property: plain digits most
    often, else with thousands separators, a currency sign, a short scale ("$12.5M"), or a
    placeholder."""
    if revenue is None:
        return None
    style = index % 10
    if style < 5:
        return str(revenue)
    if style < 7:
        return f"{revenue:,}"
    if style == 7:
        return f"${revenue:,}"
    if style == 8:
        return f"${revenue / 1e6:g}M" if revenue >= 1_000_000 else f"{revenue / 1e3:g}k"
    return "n/a"


# Country/Region is free text on a contact: the same country arrives spelled several ways.
COUNTRY_SPELLINGS = {"United States": ("USA", "US", "united states"), "United Kingdom": ("UK", "GB"),
                     "Germany": ("DE",), "Netherlands": ("NL",)}


def country_text(country: str | None, index: int) -> str | None:
    spellings = COUNTRY_SPELLINGS.get(country or "")
    if not spellings or index % 4:
        return country
    return spellings[(index // 4) % len(spellings)]


def _stage_date(p: gen.Person) -> int:
    """When the contact entered its stage: on converting; a day after the meeting that qualified
    it for a sales stage; else at its latest activity."""
    if p.converted_at is not None:
        return to_ms(p.converted_at)
    if p.stage in ("sales_qualified", "opportunity"):
        met = [a.at for a in p.activities if a.kind == "meeting" and a.attributes["outcome"] == "completed"]
        if met:
            return to_ms(min(met[0] + timedelta(days=1), p.activities[-1].at))
    return to_ms(max([p.created_at] + [a.at for a in p.activities][-1:]))


def _marketing_counters(activities: Iterable[gen.Activity]) -> dict[str, object]:
    out: dict[str, object] = {}
    views = [a.at for a in activities if a.kind == "page_view"]
    if views:
        sessions, last = 0, None
        for at in views:
            if last is None or at - last > SESSION_GAP:
                sessions += 1
            last = at
        out.update(hs_analytics_num_page_views=len(views), hs_analytics_num_visits=sessions,
                   hs_analytics_first_visit_timestamp=to_ms(views[0]), hs_analytics_last_visit_timestamp=to_ms(views[-1]))
    forms = [a for a in activities if a.kind == "form_submission"]
    if forms:
        out.update(num_conversion_events=len(forms), num_unique_conversion_events=len({f.attributes["form"] for f in forms}),
                   first_conversion_event_name=forms[0].attributes["form"], first_conversion_date=to_ms(forms[0].at),
                   recent_conversion_event_name=forms[-1].attributes["form"], recent_conversion_date=to_ms(forms[-1].at))
    counts = {"marketing_email_delivered": "hs_email_delivered", "marketing_email_open": "hs_email_open",
              "marketing_email_click": "hs_email_click", "marketing_email_bounce": "hs_email_bounce"}
    for kind, prop in counts.items():
        n = sum(1 for a in activities if a.kind == kind)
        if n:
            out[prop] = n
    for kind, prop in (("marketing_email_open", "hs_email_last_open_date"),
                       ("marketing_email_click", "hs_email_last_click_date")):
        dates = [a.at for a in activities if a.kind == kind]
        if dates:
            out[prop] = to_ms(dates[-1])
    if any(a.kind == "unsubscribe" for a in activities):
        out["hs_email_optout"] = "true"
    contacted = [a.at for a in activities if a.kind in ("sales_email_sent", "call", "meeting")]
    if contacted:
        out.update(notes_last_contacted=to_ms(contacted[-1]), num_contacted_notes=len(contacted))
    replies = [a.at for a in activities if a.kind == "sales_email_reply"]
    if replies:
        out["hs_sales_email_last_replied"] = to_ms(replies[-1])
    sales = [a.at for a in activities if a.kind in ("sales_email_sent", "sales_email_reply", "call", "meeting", "note")]
    if sales:
        out["hs_last_sales_activity_timestamp"] = to_ms(sales[-1])
    return out


def history_rows(p: gen.Person) -> list[tuple[str, str, int, str]]:
    """(property, value as HubSpot sends it, epoch ms, source type) in the order they were set:
    the lifecycle stages passed, the lead status cleared at conversion, the counters' changes."""
    created = to_ms(p.created_at)
    stage = STAGE_MAP[p.stage]
    passed = catalog.LIFECYCLE_STAGES[: catalog.LIFECYCLE_STAGES.index(stage)]
    rows = [("lifecyclestage", step, created, "AUTOMATION_PLATFORM") for step in passed[:2]]
    rows.append(("lifecyclestage", stage, _stage_date(p), "AUTOMATION_PLATFORM"))
    if stage == "customer":
        rows += [("hs_lead_status", LEAD_STATUSES[p.index % 6], created, "CRM_UI"),
                 ("hs_lead_status", "", _stage_date(p), "AUTOMATION_PLATFORM")]
    return rows + _counter_changes(p.activities)


_EMAIL_COUNTERS = {"marketing_email_delivered": "hs_email_delivered", "marketing_email_open": "hs_email_open",
                   "marketing_email_click": "hs_email_click", "marketing_email_bounce": "hs_email_bounce"}
_LAST_DATES = {"marketing_email_open": "hs_email_last_open_date", "marketing_email_click": "hs_email_last_click_date"}


def _counter_changes(activities: Iterable[gen.Activity]) -> list[tuple[str, str, int, str]]:
    """Each marketing counter and date as it moved, activity by activity (the same values
    `_marketing_counters` gives for all of them)."""
    rows: list[tuple[str, str, int, str]] = []
    counts: dict[str, int] = {}
    last_view = None
    opted_out = False

    def bump(name: str, at: int, source: str) -> None:
        counts[name] = counts.get(name, 0) + 1
        rows.append((name, str(counts[name]), at, source))

    for a in activities:
        at = to_ms(a.at)
        if a.kind == "page_view":
            bump("hs_analytics_num_page_views", at, "ANALYTICS")
            if last_view is None or a.at - last_view > SESSION_GAP:
                bump("hs_analytics_num_visits", at, "ANALYTICS")
            rows.append(("hs_analytics_last_visit_timestamp", iso(at), at, "ANALYTICS"))
            last_view = a.at
        elif a.kind == "form_submission":
            bump("num_conversion_events", at, "ANALYTICS")
            rows += [("recent_conversion_event_name", a.attributes["form"], at, "ANALYTICS"),
                     ("recent_conversion_date", iso(at), at, "ANALYTICS")]
        elif a.kind in _EMAIL_COUNTERS:
            bump(_EMAIL_COUNTERS[a.kind], at, "EMAIL")
            if a.kind in _LAST_DATES:
                rows.append((_LAST_DATES[a.kind], iso(at), at, "EMAIL"))
        elif a.kind == "unsubscribe" and not opted_out:
            opted_out = True
            rows.append(("hs_email_optout", "true", at, "EMAIL"))
    return rows


def engagement(activity: gen.Activity) -> tuple[str, dict[str, object]] | None:
    """A sales activity → (engagement object type, its stored values); None for marketing ones."""
    at, attrs = to_ms(activity.at), activity.attributes
    base: dict[str, object] = {"hs_timestamp": at}
    if activity.kind in ("sales_email_sent", "sales_email_reply"):
        sent = activity.kind == "sales_email_sent"
        return "emails", {**base, "hs_email_subject": attrs["subject"], "hs_email_direction": "EMAIL" if sent else "INCOMING_EMAIL",
                          "hs_email_status": "SENT", "hs_email_text": "Hi, " + attrs["subject"].lower() + "."}
    if activity.kind == "meeting":
        return "meetings", {**base, "hs_meeting_title": attrs["title"], "hs_meeting_outcome": attrs["outcome"].upper(),
                            "hs_meeting_start_time": at, "hs_meeting_end_time": at + 30 * 60_000}
    if activity.kind == "call":
        status = {"no_answer": "NO_ANSWER", "busy": "BUSY"}.get(attrs["disposition"], "COMPLETED")
        return "calls", {**base, "hs_call_title": "Call", "hs_call_direction": attrs["direction"].upper(),
                         "hs_call_status": status, "hs_call_disposition": catalog.CALL_DISPOSITIONS[attrs["disposition"]],
                         "hs_call_duration": int(attrs["duration_seconds"]) * 1000}
    if activity.kind == "note":
        return "notes", {**base, "hs_note_body": attrs["body"]}
    return None


def web_event(activity: gen.Activity) -> tuple[str, dict[str, str]] | None:
    if activity.kind == "page_view":
        return PAGE_VIEW_EVENT, {"hs_url": activity.attributes["url"], "hs_page_title": activity.attributes["title"]}
    if activity.kind == "form_submission":
        return FORM_EVENT, {"hs_form_title": activity.attributes["form"], "hs_url": activity.attributes["url"]}
    return None


def seed_portal(store: Store, seed: int, count: int, anchor: datetime,
                progress: Callable[[int], None] | None = None) -> None:
    """Fill an empty store with `count` generated contacts and their history.

    People are generated in batches (in a second process when the portal is big enough to be worth
    it) and inserted in order, so ids and content do not depend on how the work was split."""
    contact_cols = sorted({p.name for p in catalog.CONTACT_PROPERTIES} - {"hs_object_id", "createdate", "lastmodifieddate"})
    eng_cols = {kind: [p.name for p in props if p.name not in ("hs_object_id", "hs_createdate", "hs_lastmodifieddate")]
                for kind, props in catalog.ENGAGEMENT_PROPERTIES.items()}
    company_cols = sorted({p.name for p in catalog.COMPANY_PROPERTIES}
                          - {"hs_object_id", *catalog.DATE_PROPERTIES["companies"], *catalog.CALCULATED["companies"]})
    with store.tx() as db:
        store.set_meta(db, "seed", str(seed))
        store.set_meta(db, "contacts", str(count))
        store.set_meta(db, "anchor", anchor.isoformat())
        next_id = int(db.execute("SELECT value FROM meta WHERE key = 'next_engagement_id'").fetchone()[0])
    contact_sql = (f"INSERT INTO obj_contacts (_id, _created, _updated, {', '.join(map(q, contact_cols))}) "
                   f"VALUES ({','.join('?' * (len(contact_cols) + 3))})")
    eng_sql = {kind: f"INSERT INTO obj_{kind} (_id, _created, _updated, {', '.join(map(q, cols))}) "
                     f"VALUES ({','.join('?' * (len(cols) + 3))})" for kind, cols in eng_cols.items()}
    company_sql = (f"INSERT OR IGNORE INTO obj_companies (_id, _created, _updated, {', '.join(map(q, company_cols))}) "
                   f"VALUES ({','.join('?' * (len(company_cols) + 3))})")
    jobs = [(seed, start, min(count, start + BATCH), anchor, contact_cols, eng_cols, company_cols)
            for start in range(0, count, BATCH)]
    done = 0
    with store.bulk_load(), _mapper(len(jobs)) as mapper:
        for contacts, activities, events, companies, history in mapper(_batch_rows, jobs):
            engagements: dict[str, list[tuple]] = {k: [] for k in eng_sql}
            assoc = [(cid, "companies", row[0]) for cid, row in companies]
            for kind, cid, row in activities:
                engagements[kind].append((next_id, *row))
                assoc.append((cid, kind, next_id))
                next_id += 1
            with store.tx() as db:
                db.executemany(contact_sql, contacts)
                db.executemany(company_sql, [row for _, row in companies])
                for kind, rows in engagements.items():
                    db.executemany(eng_sql[kind], rows)
                db.executemany("INSERT INTO associations VALUES (?, ?, ?)", assoc)
                db.executemany("INSERT INTO web_events(contact_id, event_type, occurred, properties) VALUES (?, ?, ?, ?)",
                               events)
                db.executemany("INSERT INTO history VALUES ('contacts', ?, ?, ?, ?, ?)", history)
                store.set_meta(db, "next_engagement_id", str(next_id))
            done += len(contacts)
            if progress:
                progress(done)


def _batch_rows(job: tuple) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple], list[tuple]]:
    """The rows of people start..stop: contacts, engagements (kind, contact id, row without its id,
    in activity order), web events, (contact id, the row of its company: created with its first
    contact; inserted once) and property history."""
    seed, start, stop, anchor, contact_cols, eng_cols, company_cols = job
    contacts, activities, events, companies, history = [], [], [], [], []
    for p in gen.generate_people_range(seed, start, stop, anchor):
        cid = p.index + 1
        values = contact_values(p)
        created = to_ms(p.created_at)
        updated = max([created] + [to_ms(a.at) for a in p.activities[-1:]])
        contacts.append((cid, created, updated, *(values.get(c) for c in contact_cols)))
        if has_company(p):
            company = company_values(p.company)
            companies.append((cid, (company_id(p.company), created, created, *(company.get(c) for c in company_cols))))
        history += [(cid, *row) for row in history_rows(p)]
        if p.index == gen.HEAVY_INDEX:
            activities += _sequence_emails(cid, to_ms(anchor), eng_cols["emails"])
        for a in p.activities:
            eng = engagement(a)
            if eng is not None:
                kind, vals = eng
                at = vals["hs_timestamp"]
                activities.append((kind, cid, (at, at, *(vals.get(c) for c in eng_cols[kind]))))
                continue
            event = web_event(a)
            if event is not None:
                events.append((cid, event[0], to_ms(a.at), _event_json(tuple(event[1].items()))))
    return contacts, activities, events, companies, history


def _sequence_emails(cid: int, anchor_ms: int, cols: list[str]) -> list[tuple]:
    """The heavy contact's logged sequence emails, one every three hours back from the anchor:
    more than one associations answer carries (ASSOCIATIONS_PAGE), so that reading its emails
    pages through `GET /crm/v4/objects/contacts/{id}/associations/emails`."""
    rows = []
    for step in range(SEQUENCE_EMAILS):
        at = anchor_ms - (SEQUENCE_EMAILS - step) * 3 * 3_600_000
        values = {"hs_timestamp": at, "hs_email_subject": f"Sequence step {step % 5 + 1}", "hs_email_direction": "EMAIL",
                  "hs_email_status": "SENT", "hs_email_text": "An automated sequence email."}
        rows.append(("emails", cid, (at, at, *(values.get(c) for c in cols))))
    return rows


@functools.lru_cache(maxsize=4096)
def _event_json(items: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(items), ensure_ascii=False)


@contextmanager
def _mapper(jobs: int) -> Iterator[Callable]:
    """An ordered map over the jobs: in a worker process for big portals, else in this one."""
    if jobs < PARALLEL_FROM or (os.cpu_count() or 1) < 2 or "fork" not in mp.get_all_start_methods():
        yield map
        return
    with mp.get_context("fork").Pool(processes=min(2, os.cpu_count() or 1)) as pool:
        def bounded(fn: Callable, items: list) -> Iterator:
            # At most AHEAD batches in flight, so memory stays flat however many contacts.
            pending: deque = deque(pool.apply_async(fn, (item,)) for item in items[:AHEAD])
            for item in items[AHEAD:]:
                yield pending.popleft().get()
                pending.append(pool.apply_async(fn, (item,)))
            while pending:
                yield pending.popleft().get()

        yield bounded
