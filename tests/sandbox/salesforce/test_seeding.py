"""The Salesforce sandbox seeded from the shared generator: the same people as the HubSpot portal."""

from datetime import UTC, datetime

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sandbox.seed import generate_people

ANCHOR = datetime(2026, 3, 2, tzinfo=UTC)


def test_customers_are_contacts_under_accounts_and_the_rest_unconverted_leads():
    people = list(generate_people(4, 200, ANCHOR))
    with SalesforceSandbox.start(people=200, seed=4, anchor=ANCHOR) as sb:
        customers = sum(p.stage == "customer" for p in people)
        assert len(sb.ids("Contact")) == customers > 0
        assert len(sb.ids("Lead")) == 200 - customers
        contact = sb.store.get("Contact", sb.ids("Contact")[0])
        assert sb.store.get("Account", contact["AccountId"])["Name"]
        first_lead = next(p for p in people if p.stage != "customer")
        first = sb.store.get("Lead", sb.ids("Lead")[0])
        assert (first["Email"], first["Title"], first["IsConverted"]) == (
            first_lead.email, (first_lead.job_title or '')[:128] or None, False)


def test_activity_maps_to_tasks_events_and_campaign_members():
    with SalesforceSandbox.start(people=150, seed=4, anchor=ANCHOR) as sb:
        db = sb.store.db
        subtypes = {r[0] for r in db.execute('SELECT DISTINCT "TaskSubtype" FROM "Task"')}
        assert subtypes == {"Email", "Call"}
        assert db.execute('SELECT COUNT(*) FROM "Task" WHERE "Subject" LIKE \'RE:%\' OR "Subject" LIKE \'Re:%\'').fetchone()[0]
        assert db.execute('SELECT COUNT(*) FROM "Task" WHERE "CallDisposition" = \'Connected\'').fetchone()[0]
        assert db.execute('SELECT COUNT(*) FROM "Event"').fetchone()[0]
        statuses = {r[0] for r in db.execute('SELECT DISTINCT "Status" FROM "CampaignMember"')}
        assert {"Responded", "Sent"} <= statuses
        pairs = db.execute('SELECT COUNT(*), COUNT(DISTINCT "CampaignId" || COALESCE("LeadId", "ContactId")) '
                           'FROM "CampaignMember"').fetchone()
        assert pairs[0] == pairs[1]  # one member per campaign and person, as Salesforce allows


def test_the_same_seed_makes_the_same_org():
    with SalesforceSandbox.start(people=60, seed=9, anchor=ANCHOR) as a, \
            SalesforceSandbox.start(people=60, seed=9, anchor=ANCHOR) as b:
        assert a.ids("Lead") == b.ids("Lead")
        lead = a.ids("Lead")[3]
        assert a.store.get("Lead", lead) == b.store.get("Lead", lead)
        assert a.store.count("Task") == b.store.count("Task")


def test_an_org_in_a_data_dir_keeps_its_writes_across_restarts(tmp_path):
    with SalesforceSandbox.start(people=30, seed=2, anchor=ANCHOR, data_dir=tmp_path) as sb:
        lead = sb.ids("Lead")[0]
        assert sb.store.update("Lead", lead, {"Leadscore_Fit__c": 42}, "collections") is None
    with SalesforceSandbox.start(people=30, seed=2, anchor=ANCHOR, data_dir=tmp_path) as sb:
        assert sb.record(lead)["Leadscore_Fit__c"] == 42.0
        assert len(sb.write_history(lead)) == 1


def test_the_fields_the_mapping_reads_have_salesforce_types():
    with SalesforceSandbox.start(people=0) as sb:
        lead = sb.store.catalog.fields["Lead"]
        types = {name: lead[name].type for name in ("NumberOfEmployees", "AnnualRevenue", "Industry", "LeadSource",
                                                    "Status", "Rating", "Country", "Email", "Title")}
        assert types == {"NumberOfEmployees": "int", "AnnualRevenue": "currency", "Industry": "picklist",
                         "LeadSource": "picklist", "Status": "picklist", "Rating": "picklist", "Country": "string",
                         "Email": "email", "Title": "string"}
        assert sb.store.catalog.fields["Account"]["AnnualRevenue"].type == "currency"


def test_seeded_values_are_as_an_org_holds_them():
    with SalesforceSandbox.start(people=300, seed=4, anchor=ANCHOR) as sb:
        db = sb.store.db
        sources = {r[0] for r in db.execute('SELECT DISTINCT "LeadSource" FROM "Lead"')}
        assert sources <= set(sb.store.catalog.fields["Lead"]["LeadSource"].picklist)
        assert db.execute('SELECT COUNT(*) FROM "Lead" WHERE "NumberOfEmployees" IS NULL').fetchone()[0] > 0
        assert db.execute('SELECT COUNT(*) FROM "Lead" WHERE "AnnualRevenue" IS NULL').fetchone()[0] > 0
        countries = {r[0] for r in db.execute('SELECT DISTINCT "Country" FROM "Lead"')}
        assert len(countries) > 5 and None in countries
