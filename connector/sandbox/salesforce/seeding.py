"""The shared generator's people as a Salesforce org holds them.

Customers are Contacts under their company's Account, each converted from a Lead that stays in
the org (IsConverted, ConvertedDate, ConvertedContactId), as a conversion leaves it: the Lead's
Tasks and Events moved to the Contact, its campaign members gained the ContactId and kept the
LeadId. Everyone else is an unconverted Lead. The org tracks the history of the Lead's Status
(LeadHistory: created, worked on at its first sales activity, converted), and not of its other
fields. Their activity: sales emails and replies and calls are Tasks (TaskSubtype
Email/Call, CallDisposition), meetings are Events (canceled ones were deleted), form fills and
marketing email are CampaignMembers (one per campaign and person, status Sent < Bounced < Opened <
Clicked < Unsubscribed, or Responded for a form). Page views and notes have no place in a Salesforce
org without Account Engagement, so they are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from connector.sandbox.salesforce.objects import make_id
from connector.sandbox.salesforce.store import Store, stamp

LEAD_STATUS = {"subscriber": "Open - Not Contacted", "lead": "Open - Not Contacted",
               "marketing_qualified": "Working - Contacted", "sales_qualified": "Working - Contacted",
               "opportunity": "Working - Contacted"}
MEMBER_RANK = {"Sent": 0, "Bounced": 1, "Opened": 2, "Clicked": 3, "Unsubscribed": 4, "Responded": 5}
EMAIL_STATUS = {"marketing_email_delivered": "Sent", "marketing_email_bounce": "Bounced",
                "marketing_email_open": "Opened", "marketing_email_click": "Clicked", "unsubscribe": "Unsubscribed"}
# The generator's sources as an org's standard Lead Source picklist holds them
# (docs/crm-api-facts.md, Salesforce › Objects leadscore reads and writes).
LEAD_SOURCE = {"organic_search": "Web", "paid_search": "Web", "direct": "Web", "referral": "Partner Referral",
               "social": "Other", "email": "Other", "offline": "Phone Inquiry", "events": "Other"}
BATCH = 2000


def _clean(value: str | None, length: int = 255) -> str | None:
    """Salesforce refuses text longer than the field: a pasted-in wall of text arrives cut."""
    return value if value is None else value[:length]


class Seeder:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.accounts: dict[int, str] = {}
        self.campaigns: dict[str, str] = {}
        self.rows: dict[str, list[dict]] = {k: [] for k in ("Account", "Lead", "Contact", "Task", "Event",
                                                           "Campaign", "CampaignMember", "LeadHistory")}
        self.counters: dict[str, int] = {k: int(store.meta(f"next:{k}") or 1) for k in self.rows}

    def _id(self, sobject: str) -> str:
        number = self.counters[sobject]
        self.counters[sobject] += 1
        return make_id(sobject, number)

    def _add(self, sobject: str, row: dict) -> str:
        row["Id"] = self._id(sobject)
        self.rows[sobject].append(row)
        return row["Id"]

    def person(self, p) -> None:  # noqa: ANN001 (connector.sandbox.seed.Person)
        created = stamp(p.created_at)
        base = {"FirstName": _clean(p.first_name), "LastName": _clean(p.last_name) or "Unknown",
                "Email": p.email, "Phone": _clean(p.phone, 40), "Title": _clean(p.job_title, 128),
                "LeadSource": LEAD_SOURCE.get(p.source, "Other"),
                # Owned by one of the org's sales reps (User 2, 3, 4); one in seven by the lead
                # queue (a Group: no person to give a task to).
                "OwnerId": make_id("Group", 1) if p.index % 7 == 3 else make_id("User", 2 + p.index % 3),
                "CreatedDate": created, "HasOptedOutOfEmail": False}
        if p.stage == "customer":
            account = self.accounts.get(p.company.index)
            if account is None:
                c = p.company
                account = self._add("Account", {"Name": c.name, "Industry": c.industry, "NumberOfEmployees": c.employees,
                                                "AnnualRevenue": c.annual_revenue, "BillingCountry": c.country,
                                                "CreatedDate": created})
                self.accounts[c.index] = account
            who = self._add("Contact", {**base, "AccountId": account, "MailingCountry": p.country,
                                        "Department": p.department})
            lead = self._add("Lead", {**self._lead(p, base), "Status": "Closed - Converted", "IsConverted": True,
                                      "ConvertedContactId": who, "ConvertedAccountId": account,
                                      "ConvertedDate": p.converted_at.date().isoformat()})
            self._status_history(lead, p, "Closed - Converted")
            self.activities(who, p.activities, also_lead=lead)
        else:
            status = LEAD_STATUS.get(p.stage, "Open - Not Contacted")
            lead = self._add("Lead", {**self._lead(p, base), "Status": status, "IsConverted": False})
            self._status_history(lead, p, status)
            self.activities(lead, p.activities)
        if sum(len(v) for v in self.rows.values()) > BATCH * 10:
            self.flush()

    @staticmethod
    def _lead(p, base: dict) -> dict:  # noqa: ANN001 (connector.sandbox.seed.Person)
        c = p.company
        return {**base, "Company": c.name, "Industry": c.industry, "NumberOfEmployees": c.employees,
                "AnnualRevenue": c.annual_revenue, "Country": p.country, "City": p.city}

    def _status_history(self, lead: str, p, status: str) -> None:  # noqa: ANN001
        """LeadHistory of Status: created, worked on at the first sales activity, converted."""
        rows = [("created", None, None, p.created_at)]
        sales = [a.at for a in p.activities if a.kind in ("sales_email_sent", "call", "meeting")]
        worked = "Working - Contacted"
        if status != "Open - Not Contacted" and sales and (p.converted_at is None or sales[0] < p.converted_at):
            rows.append(("Status", "Open - Not Contacted", worked, sales[0]))
        if p.converted_at is not None:
            before = worked if len(rows) > 1 else "Open - Not Contacted"
            rows.append(("Status", before, "Closed - Converted", p.converted_at))
        for field, old, new, at in rows:
            self._add("LeadHistory", {"LeadId": lead, "Field": field, "OldValue": old, "NewValue": new,
                                      "CreatedDate": stamp(at)})
        if sum(len(v) for v in self.rows.values()) > BATCH * 10:
            self.flush()

    def activities(self, who: str, activities: Iterable, also_lead: str | None = None) -> None:  # noqa: C901
        """`who`'s activity; `also_lead`: the Lead `who` was converted from, which its campaign
        members keep naming."""
        members: dict[str, dict] = {}
        column = "ContactId" if who.startswith("003") else "LeadId"
        for a in activities:
            at = stamp(a.at)
            attrs = a.attributes
            if a.kind in ("sales_email_sent", "sales_email_reply"):
                subject = attrs.get("subject", "")
                subject = (subject if subject.lower().startswith("re:") else f"RE: {subject}") \
                    if a.kind == "sales_email_reply" else f"Email: {subject}"
                self._task(who, "Email", subject, a.at, at)
            elif a.kind == "call":
                disposition = attrs.get("disposition", "").replace("_", " ").title()
                self._task(who, "Call", f"Call: {disposition}", a.at, at, CallDisposition=disposition,
                           CallDurationInSeconds=int(attrs.get("duration_seconds") or 0))
            elif a.kind == "meeting" and attrs.get("outcome") != "canceled":
                booked = a.at - timedelta(days=3)
                self._add("Event", {"WhoId": who, "EventSubtype": "Event", "Subject": attrs.get("title", "Meeting"),
                                    "StartDateTime": at, "EndDateTime": stamp(a.at + timedelta(minutes=30)),
                                    "CreatedDate": stamp(booked), "SystemModstamp": stamp(booked)})
            elif a.kind == "form_submission":
                self._member(members, who, column, f"Form: {attrs.get('form', 'Web form')}", "Responded", a.at)
            elif a.kind in EMAIL_STATUS:
                self._member(members, who, column, attrs.get("campaign", "Email"), EMAIL_STATUS[a.kind], a.at)
        for member in members.values():
            if also_lead:
                member["LeadId"] = also_lead
            self._add("CampaignMember", member)

    def _task(self, who: str, subtype: str, subject: str, when: datetime, at: str, **extra: object) -> None:
        self._add("Task", {"WhoId": who, "TaskSubtype": subtype, "Subject": subject, "Status": "Completed",
                           "IsClosed": True, "ActivityDate": when.date().isoformat(), "CreatedDate": at,
                           "SystemModstamp": at, **extra})

    def _member(self, members: dict, who: str, column: str, campaign: str, status: str, when: datetime) -> None:
        campaign_id = self.campaigns.get(campaign)
        if campaign_id is None:
            campaign_id = self._add("Campaign", {"Name": campaign, "Type": "Email" if status != "Responded" else "Web"})
            self.campaigns[campaign] = campaign_id
        at = stamp(when)
        member = members.get(campaign_id)
        if member is None:
            members[campaign_id] = {"CampaignId": campaign_id, column: who, "Status": status, "CreatedDate": at,
                                    "SystemModstamp": at, "HasResponded": status in ("Responded", "Clicked", "Opened"),
                                    "FirstRespondedDate": when.date().isoformat() if status in ("Responded", "Clicked", "Opened") else None}
            return
        member["SystemModstamp"] = at
        if MEMBER_RANK[status] > MEMBER_RANK[member["Status"]]:
            member["Status"] = status
        if status in ("Responded", "Clicked", "Opened") and not member["HasResponded"]:
            member.update(HasResponded=True, FirstRespondedDate=when.date().isoformat())

    def flush(self) -> None:
        for sobject in ("Account", "Campaign", "Lead", "Contact", "Task", "Event", "CampaignMember", "LeadHistory"):
            rows = self.rows[sobject]
            if rows:
                self.store.insert_many(sobject, rows)
                rows.clear()
        for sobject, number in self.counters.items():
            self.store.set_meta(f"next:{sobject}", str(number))


def seed_org(store: Store, seed: int, people: int, anchor: datetime) -> None:
    """Fill the store with `people` generated people (streamed; memory stays flat)."""
    if people:
        from connector.sandbox.seed import generate_people

        seeder = Seeder(store)
        for p in generate_people(seed, people, anchor):
            seeder.person(p)
        seeder.flush()
    store.set_meta("seed", str(seed))
    store.set_meta("people", str(people))
