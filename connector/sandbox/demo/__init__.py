"""`leadscore demo`: a seeded sandbox of a CRM, a full sync against it, and what came of it.
Modules: `run` (the demo), `org` (what it needs of a sandbox), `hubspot` and `salesforce` (each
CRM's sandbox as the demo uses it)."""

from connector.sandbox.demo.run import run_demo

__all__ = ["run_demo"]
