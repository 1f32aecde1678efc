"""A Salesforce-compatible sandbox org, over HTTPS on loopback, seeded from the shared generator.

    from connector.sandbox.salesforce import SalesforceSandbox
    with SalesforceSandbox.start(people=300, seed=7, data_dir=None, faults=None, clock=None,
                                 daily_limit=100_000, leadscore_fields=True) as sb:
        sb.url, sb.ca_bundle                 # https://127.0.0.1:PORT, the CA to trust (PEM)
        sb.settings()                        # Settings overrides: client-credentials auth to it
        sb.new_token()                       # or an access token for token auth
        sb.requests()                        # [(method, path, status), ...]; status 0 = dropped
        sb.write_history(record_id)          # [(when, {field: value}), ...] every API write
        sb.add_task(lead_id, "Call", "Call: Connected", CallDisposition="Connected")
        sb.add_event(lead_id, start=datetime(...)); sb.edit(lead_id, Title="CTO")
        sb.set_updateable("Lead", "Leadscore_Fit__c", False)   # field-level security
        sb.expire_sessions(); sb.set_faults("flaky"); sb.set_usage(used=99_000)

`leadscore_fields=False` starts an org without leadscore's custom fields (for `leadscore setup
salesforce --create`); `grant_on_create=False` makes created fields read-only to the integration
user, as a field created through the Metadata API is until a permission set grants it.
People who are customers are Contacts under Accounts, everyone else an unconverted Lead; see
`seeding` for how activity maps to Tasks, Events and CampaignMembers, `server` for the paths,
`soql` for the SOQL it reads; the README's Salesforce sandbox table says what is not modelled.
"""

from connector.sandbox.salesforce.sandbox import SalesforceSandbox
from connector.sandbox.salesforce.server import Faults

__all__ = ["Faults", "SalesforceSandbox"]
