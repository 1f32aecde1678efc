"""The default property definitions of each object type the sandbox serves, as a portal has them.

Names, types, field types and options follow a portal's defaults (docs/crm-api-facts.md, HubSpot ›
Default contact properties): on a contact `numemployees` is a dropdown of ranges, `annualrevenue`,
`industry` and `country` are free text, `hs_lead_status` and `lifecyclestage` radio enumerations.
"""

from __future__ import annotations

from dataclasses import dataclass

LIFECYCLE_STAGES = (
    "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other",
)
LIFECYCLE_LABELS = (
    "Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer", "Evangelist", "Other",
)
# The contact's "Number of Employees" dropdown (docs/crm-api-facts.md, HubSpot › Default contact properties).
EMPLOYEE_RANGES = ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")
LEAD_STATUSES = ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED",
                 "BAD_TIMING")
LEAD_STATUS_LABELS = ("New", "Open", "In Progress", "Open Deal", "Unqualified", "Attempted to Contact", "Connected",
                      "Bad Timing")
ANALYTICS_SOURCES = (
    "ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS", "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC", "OFFLINE", "PAID_SOCIAL", "AI_REFERRALS",
)

# The field types each property type accepts (docs/crm-api-facts.md, HubSpot › Properties).
FIELD_TYPES = {
    "string": {"text", "textarea", "phonenumber", "file", "html"},
    "number": {"number", "calculation_equation"},
    "enumeration": {"select", "radio", "checkbox", "booleancheckbox"},
    "datetime": {"date"},
    "date": {"date"},
    "bool": {"booleancheckbox"},
    "phone_number": {"phonenumber"},
}


@dataclass(frozen=True, slots=True)
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group: str
    options: tuple[str, ...] = ()
    option_labels: tuple[str, ...] = ()
    description: str = ""
    hubspot_defined: bool = True
    display_order: int = -1


# The owners' ids (connector.sandbox.hubspot.owners.OWNERS): the options of `hubspot_owner_id`.
OWNER_IDS = ("101", "102", "103", "104")


def _p(name: str, label: str, type_: str = "string", field_type: str | None = None, group: str = "contactinformation",
       options: tuple[str, ...] = (), labels: tuple[str, ...] = ()) -> PropertyDef:
    default_field = {"string": "text", "number": "number", "enumeration": "select", "datetime": "date", "date": "date",
                     "bool": "booleancheckbox"}[type_]
    return PropertyDef(name, label, type_, field_type or default_field, group, options, labels or options)


_TRACKING = "analyticsinformation"
_EMAIL = "emailinformation"
_SALES = "sales_properties"
_CONV = "conversioninformation"

CONTACT_PROPERTIES = (
    _p("email", "Email"),
    _p("firstname", "First Name"),
    _p("lastname", "Last Name"),
    _p("phone", "Phone Number", field_type="phonenumber"),
    _p("jobtitle", "Job Title"),
    _p("company", "Company Name"),
    _p("website", "Website URL"),
    _p("industry", "Industry"),
    _p("numemployees", "Number of Employees", "enumeration", "select", options=EMPLOYEE_RANGES),
    _p("annualrevenue", "Annual Revenue"),
    _p("country", "Country/Region"),
    _p("city", "City"),
    _p("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", options=LIFECYCLE_STAGES, labels=LIFECYCLE_LABELS),
    _p("hs_lead_status", "Lead Status", "enumeration", "radio", options=LEAD_STATUSES, labels=LEAD_STATUS_LABELS),
    _p("createdate", "Create Date", "datetime"),
    _p("lastmodifieddate", "Last Modified Date", "datetime"),
    _p("hs_object_id", "Record ID", "number"),
    _p("hs_analytics_source", "Original Traffic Source", "enumeration", group=_TRACKING, options=ANALYTICS_SOURCES),
    _p("hs_analytics_num_page_views", "Number of Pageviews", "number", group=_TRACKING),
    _p("hs_analytics_num_visits", "Number of Sessions", "number", group=_TRACKING),
    _p("hs_analytics_first_visit_timestamp", "Time of First Session", "datetime", group=_TRACKING),
    _p("hs_analytics_last_visit_timestamp", "Time of Last Session", "datetime", group=_TRACKING),
    _p("num_conversion_events", "Number of Form Submissions", "number", group=_CONV),
    _p("num_unique_conversion_events", "Number of Unique Forms Submitted", "number", group=_CONV),
    _p("first_conversion_event_name", "First Conversion", group=_CONV),
    _p("first_conversion_date", "First Conversion Date", "datetime", group=_CONV),
    _p("recent_conversion_event_name", "Recent Conversion", group=_CONV),
    _p("recent_conversion_date", "Recent Conversion Date", "datetime", group=_CONV),
    _p("hs_email_delivered", "Marketing emails delivered", "number", group=_EMAIL),
    _p("hs_email_open", "Marketing emails opened", "number", group=_EMAIL),
    _p("hs_email_click", "Marketing emails clicked", "number", group=_EMAIL),
    _p("hs_email_bounce", "Marketing emails bounced", "number", group=_EMAIL),
    _p("hs_email_last_open_date", "Last marketing email open date", "datetime", group=_EMAIL),
    _p("hs_email_last_click_date", "Last marketing email click date", "datetime", group=_EMAIL),
    _p("hs_email_optout", "Unsubscribed from all email", "enumeration", "booleancheckbox", group=_EMAIL,
       options=("true", "false"), labels=("Yes", "No")),
    _p("hs_sales_email_last_replied", "Recent Sales Email Replied Date", "datetime", group=_SALES),
    _p("notes_last_contacted", "Last Contacted", "datetime", group=_SALES),
    _p("num_contacted_notes", "Number of times contacted", "number", group=_SALES),
    _p("hs_last_sales_activity_timestamp", "Last Engagement Date", "datetime", group=_SALES),
    _p("hubspotscore", "HubSpot Score", "number", group=_SALES),
    _p("hubspot_owner_id", "Contact owner", "enumeration", "select", group=_SALES, options=OWNER_IDS),
)
# Each stage's entry date, stamped when a contact enters it (docs/crm-api-facts.md, HubSpot › Contacts).
CONTACT_PROPERTIES += tuple(
    _p(f"hs_lifecyclestage_{stage}_date", f"Became a {label} Date", "datetime", group=_SALES)
    for stage, label in zip(LIFECYCLE_STAGES, LIFECYCLE_LABELS)
)

CONTACT_GROUPS = (
    ("contactinformation", "Contact information"),
    (_TRACKING, "Web analytics history"),
    (_CONV, "Conversion information"),
    (_EMAIL, "Email information"),
    (_SALES, "Sales properties"),
)

_COMMON_ENGAGEMENT = (
    _p("hs_timestamp", "Activity date", "datetime", group="engagement"),
    _p("hs_createdate", "Create date", "datetime", group="engagement"),
    _p("hs_lastmodifieddate", "Last modified date", "datetime", group="engagement"),
    _p("hs_object_id", "Record ID", "number", group="engagement"),
)

# The engagement object types, their own properties (docs/crm-api-facts.md, HubSpot › Engagement history) and the
# association type id from a contact to each (HubSpot's default association types, "contact to X").
ENGAGEMENT_PROPERTIES = {
    "emails": _COMMON_ENGAGEMENT + (
        _p("hs_email_subject", "Subject", group="email"),
        _p("hs_email_text", "Body", group="email", field_type="textarea"),
        _p("hs_email_direction", "Email direction", "enumeration", group="email",
           options=("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")),
        _p("hs_email_status", "Email send status", "enumeration", group="email",
           options=("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")),
    ),
    "meetings": _COMMON_ENGAGEMENT + (
        _p("hs_meeting_title", "Meeting name", group="meeting"),
        _p("hs_meeting_outcome", "Meeting outcome", "enumeration", group="meeting",
           options=("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")),
        _p("hs_meeting_start_time", "Start time", "datetime", group="meeting"),
        _p("hs_meeting_end_time", "End time", "datetime", group="meeting"),
    ),
    "calls": _COMMON_ENGAGEMENT + (
        _p("hs_call_title", "Call title", group="call"),
        _p("hs_call_direction", "Call direction", "enumeration", group="call", options=("INBOUND", "OUTBOUND")),
        _p("hs_call_status", "Call status", "enumeration", group="call",
           options=("BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS",
                    "MISSED", "NO_ANSWER", "QUEUED", "RINGING")),
        _p("hs_call_disposition", "Call outcome", group="call"),
        _p("hs_call_duration", "Call duration", "number", group="call"),
    ),
    "notes": _COMMON_ENGAGEMENT + (
        _p("hs_note_body", "Note body", group="note", field_type="textarea"),
    ),
    # Tasks: hs_timestamp is the due date (docs/crm-api-facts.md, HubSpot › Tasks).
    "tasks": _COMMON_ENGAGEMENT + (
        _p("hs_task_subject", "Task Title", group="task"),
        _p("hs_task_body", "Notes", group="task", field_type="textarea"),
        _p("hs_task_status", "Task Status", "enumeration", group="task",
           options=("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")),
        _p("hs_task_priority", "Priority", "enumeration", group="task", options=("NONE", "LOW", "MEDIUM", "HIGH")),
        _p("hs_task_type", "Task Type", "enumeration", group="task",
           options=("EMAIL", "CALL", "TODO", "LINKED_IN")),
        _p("hubspot_owner_id", "Assigned to", "enumeration", group="task", options=OWNER_IDS),
    ),
}
ENGAGEMENT_GROUPS = {
    "emails": (("engagement", "Engagement"), ("email", "Email information")),
    "meetings": (("engagement", "Engagement"), ("meeting", "Meeting information")),
    "calls": (("engagement", "Engagement"), ("call", "Call information")),
    "notes": (("engagement", "Engagement"), ("note", "Note information")),
    "tasks": (("engagement", "Engagement"), ("task", "Task information")),
}
# The company's industry options the seeded companies use: HubSpot's internal names for the
# generator's industries (docs/crm-api-facts.md, HubSpot › Companies).
COMPANY_INDUSTRIES = {
    "Computer Software": "COMPUTER_SOFTWARE", "Information Technology and Services": "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "Internet": "INTERNET", "Financial Services": "FINANCIAL_SERVICES", "Marketing and Advertising": "MARKETING_AND_ADVERTISING",
    "Hospital & Health Care": "HOSPITAL_HEALTH_CARE", "Manufacturing": "MECHANICAL_OR_INDUSTRIAL_ENGINEERING",
    "Retail": "RETAIL", "Education Management": "EDUCATION_MANAGEMENT", "Non-Profit": "NON_PROFIT_ORGANIZATION_MANAGEMENT",
    "Telecommunications": "TELECOMMUNICATIONS", "Logistics and Supply Chain": "LOGISTICS_AND_SUPPLY_CHAIN",
}
# Default company properties (docs/crm-api-facts.md, HubSpot › Companies): numberofemployees and
# annualrevenue are numbers on a company (on a contact they are not), industry an enumeration.
COMPANY_PROPERTIES = (
    _p("name", "Company name", group="companyinformation"),
    _p("domain", "Company Domain Name", group="companyinformation"),
    _p("industry", "Industry", "enumeration", "select", group="companyinformation",
       options=tuple(COMPANY_INDUSTRIES.values()),
       labels=tuple(COMPANY_INDUSTRIES)),
    _p("numberofemployees", "Number of Employees", "number", group="companyinformation"),
    _p("annualrevenue", "Annual Revenue", "number", group="companyinformation"),
    _p("country", "Country/Region", group="companyinformation"),
    _p("city", "City", group="companyinformation"),
    _p("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", group="companyinformation",
       options=LIFECYCLE_STAGES, labels=LIFECYCLE_LABELS),
    _p("createdate", "Create Date", "datetime", group="companyinformation"),
    _p("hs_lastmodifieddate", "Last Modified Date", "datetime", group="companyinformation"),
    _p("hs_object_id", "Record ID", "number", group="companyinformation"),
    _p("num_associated_contacts", "Number of Associated Contacts", "number", group="companyinformation"),
)
COMPANY_GROUPS = (("companyinformation", "Company information"),)

# HubSpot-defined association type ids, contact → object and back
# (developers.hubspot.com/docs/api/crm/associations, "Association type id values"): contact →
# company is 279 unlabelled (1 is the primary company), company → contact 280.
ASSOCIATION_TYPE_IDS = {"emails": (197, 198), "meetings": (199, 200), "calls": (193, 194), "notes": (201, 202),
                        "tasks": (203, 204), "companies": (279, 280)}

# Call outcome GUIDs HubSpot ships for the default dispositions (docs/crm-api-facts.md, HubSpot › Engagement history).
CALL_DISPOSITIONS = {
    "busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "left_live_message": "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
    "left_voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "no_answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "wrong_number": "17b47fee-58de-441e-a44c-c6300d46f273",
}

# Properties returned when a request names none (docs/crm-api-facts.md, HubSpot › Contacts).
DEFAULT_RETURNED = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "emails": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "calls": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "notes": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "tasks": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
}
# The created/modified date properties of each object type.
DATE_PROPERTIES = {
    "contacts": ("createdate", "lastmodifieddate"),
    **{kind: ("hs_createdate", "hs_lastmodifieddate") for kind in ENGAGEMENT_PROPERTIES},
    "companies": ("createdate", "hs_lastmodifieddate"),
}
OBJECT_TYPES = ("contacts", *ENGAGEMENT_PROPERTIES, "companies")
# Counts HubSpot calculates from a record's associations (docs/crm-api-facts.md, HubSpot ›
# Companies): computed when read, never stored, never written.
CALCULATED = {"companies": {"num_associated_contacts"}}
READ_ONLY = {"hs_object_id", "createdate", "lastmodifieddate", "hs_createdate", "hs_lastmodifieddate",
             *CALCULATED["companies"]}


def default_properties(object_type: str) -> tuple[PropertyDef, ...]:
    if object_type == "companies":
        return COMPANY_PROPERTIES
    return CONTACT_PROPERTIES if object_type == "contacts" else ENGAGEMENT_PROPERTIES[object_type]


def default_groups(object_type: str) -> tuple[tuple[str, str], ...]:
    if object_type == "companies":
        return COMPANY_GROUPS
    return CONTACT_GROUPS if object_type == "contacts" else ENGAGEMENT_GROUPS[object_type]
