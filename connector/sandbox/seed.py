"""A deterministic, CRM-neutral generator of B2B people, their companies and activity history.

`generate_people(seed, count, anchor)` yields `Person` records one at a time, so a portal of a
million contacts streams into a store in batches without being held in memory. Person `i` depends
only on `(seed, i, anchor)`: the first 300 people of a 5,000-person portal are the 300 people of a
300-person portal, and any sandbox (HubSpot, Salesforce) can map the same people to its own objects.

Each person has a hidden `propensity` (0..1) to convert. It is drawn from their fit (seniority,
company size, industry) plus noise, and drives, noisily, how much activity they have, how recent
it is, and whether they already converted (`stage == "customer"`, at `converted_at`, never before
the person was created). A customer's activity goes on after converting, and onboarding adds
some that the conversion caused (meetings, calls, emails, docs): the leak a learner must not fall
into, so only activity before the conversion tells anything. The data carries the flaws
real portals have: blank and "n/a" values, the same email twice in a different case, very long
strings, non-ASCII names, and a few people with thousands of events (person 7 always is one, so
that even a small test portal has one).

Nothing here names a CRM: stages, activity kinds and attribute names are neutral; each sandbox's
store maps them (HubSpot: contacts, engagement objects, marketing counters, web events).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

STAGES = ("subscriber", "lead", "marketing_qualified", "sales_qualified", "opportunity", "customer")

# Activity kinds and the attributes each carries (all text).
ACTIVITY_KINDS = (
    "page_view",  # url, title
    "form_submission",  # form, url
    "marketing_email_delivered",  # campaign
    "marketing_email_open",  # campaign
    "marketing_email_click",  # campaign, url
    "marketing_email_bounce",  # campaign
    "unsubscribe",  # campaign
    "sales_email_sent",  # subject
    "sales_email_reply",  # subject
    "meeting",  # title, outcome (scheduled, completed, rescheduled, no_show, canceled)
    "call",  # direction (inbound, outbound), disposition, duration_seconds
    "note",  # body
)

MEETING_OUTCOMES = ("completed", "scheduled", "no_show", "canceled", "rescheduled")
CALL_DISPOSITIONS = ("connected", "no_answer", "left_voicemail", "busy", "wrong_number", "left_live_message")

HISTORY_DAYS = 180  # months of history before the anchor

FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Sarah",
    "Daniel", "Emily", "Kevin", "Laura", "Brian", "Anna", "Thomas", "Olivia", "Mark", "Sophie",
    "José", "Zoë", "Łukasz", "Søren", "Chloé", "Björn", "Ana María", "François", "Małgorzata", "Jürgen",
    "Ngozi", "Priya", "Rahul", "Wei", "Yuki", "Hiroshi", "Minji", "Fatima", "Omar", "Aylin",
    "Siobhán", "Niamh", "Olúwaseun", "Mateo", "Camila", "Lucía", "Иван", "Мария", "王芳", "김민준",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
    "Müller", "Schröder", "García López", "Nowak", "Kowalczyk", "Ólafsdóttir", "Ødegaard", "Dubois", "Lefèvre",
    "O'Brien", "Van der Berg", "Nakamura", "Tanaka", "Kim", "Park", "Chen", "Singh", "Patel", "Okafor",
    "Yılmaz", "Novák", "Horváth", "Rossi", "Bianchi", "Silva", "Santos", "Петров", "Смирнова", "李", "佐藤",
)
FREE_MAIL = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "gmx.de", "proton.me")

# (title, seniority, department); seniority weighs into fit.
TITLES = (
    ("Chief Executive Officer", "c_level", "executive"), ("CEO & Founder", "c_level", "executive"),
    ("Chief Revenue Officer", "c_level", "sales"), ("CTO", "c_level", "engineering"),
    ("VP Sales", "vp", "sales"), ("VP of Marketing", "vp", "marketing"), ("Vice President, Operations", "vp", "operations"),
    ("Head of Revenue Operations", "director", "operations"), ("Director of Demand Generation", "director", "marketing"),
    ("Sales Director", "director", "sales"), ("IT Director", "director", "engineering"),
    ("Marketing Manager", "manager", "marketing"), ("Sales Manager", "manager", "sales"),
    ("RevOps Manager", "manager", "operations"), ("Engineering Manager", "manager", "engineering"),
    ("Account Executive", "individual", "sales"), ("Marketing Specialist", "individual", "marketing"),
    ("Software Engineer", "individual", "engineering"), ("Sales Development Representative", "individual", "sales"),
    ("Data Analyst", "individual", "operations"), ("Office Manager", "individual", "administration"),
    ("Student", "other", "other"), ("Consultant", "other", "other"), ("Intern", "other", "other"),
)
SENIORITY_FIT = {"c_level": 0.9, "vp": 0.85, "director": 0.7, "manager": 0.5, "individual": 0.3, "other": 0.1}

INDUSTRIES = (
    ("Computer Software", 0.9), ("Information Technology and Services", 0.8), ("Internet", 0.75),
    ("Financial Services", 0.6), ("Marketing and Advertising", 0.65), ("Hospital & Health Care", 0.4),
    ("Manufacturing", 0.45), ("Retail", 0.35), ("Education Management", 0.2), ("Non-Profit", 0.15),
    ("Telecommunications", 0.55), ("Logistics and Supply Chain", 0.4),
)
COUNTRIES = (
    ("United States", ("New York", "San Francisco", "Austin", "Chicago", "Boston")),
    ("United Kingdom", ("London", "Manchester", "Edinburgh")),
    ("Germany", ("Berlin", "München", "Köln")),
    ("France", ("Paris", "Lyon")),
    ("Canada", ("Toronto", "Montréal", "Vancouver")),
    ("India", ("Bengaluru", "Mumbai")),
    ("Australia", ("Sydney", "Melbourne")),
    ("Netherlands", ("Amsterdam", "Utrecht")),
    ("Brazil", ("São Paulo", "Rio de Janeiro")),
    ("Japan", ("Tokyo", "Ōsaka")),
    ("Poland", ("Warszawa", "Kraków")),
    ("Nigeria", ("Lagos",)),
)
COUNTRY_WEIGHTS = (30, 12, 10, 7, 7, 8, 5, 5, 5, 4, 4, 3)
COMPANY_WORDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell",
    "Cyberdyne", "Wonka", "Gringotts", "Nakatomi", "Oscorp", "Pied Piper", "Aperture", "Black Mesa",
    "Nordwind", "Sørlandet", "Blåbær", "Čedok", "Zürich Analytics", "Lumen", "Quantive", "Brightlane",
)
COMPANY_SUFFIXES = ("Inc.", "Ltd", "GmbH", "LLC", "Group", "Labs", "Systems", "Technologies", "S.A.", "AG")
SOURCES = ("organic_search", "paid_search", "direct", "referral", "social", "email", "offline", "events")
PAGES = (
    ("/", "Home"), ("/pricing", "Pricing"), ("/product", "Product tour"), ("/blog/lead-scoring-101", "Lead scoring 101"),
    ("/blog/revops-metrics", "RevOps metrics"), ("/customers", "Customers"), ("/integrations/hubspot", "HubSpot integration"),
    ("/docs/getting-started", "Getting started"), ("/careers", "Careers"), ("/demo", "Book a demo"),
    ("/security", "Security"), ("/about", "About us"),
)
HIGH_INTENT_PAGES = ("/pricing", "/demo", "/integrations/hubspot", "/security")
FORMS = ("Newsletter signup", "Ebook: The RevOps Playbook", "Webinar registration", "Contact sales", "Request a demo", "Free trial")
HIGH_INTENT_FORMS = ("Contact sales", "Request a demo", "Free trial")
CAMPAIGNS = ("Monthly newsletter", "Product launch", "Webinar invite", "Case study: Globex", "Nurture 1", "Nurture 2", "Pricing update")
NOTE_TEXTS = (
    "Spoke briefly at the conference; interested in the API.",
    "Asked for a security questionnaire.",
    "Budget approved for next quarter.",
    "Not a fit right now, revisit in six months.",
    "Evaluating two competitors; wants a comparison sheet.",
)
HEAVY_INDEX = 7  # the person with thousands of events in every generated portal
BLANKS = ("", "n/a", "N/A", "-", "none", "  ")


@dataclass(frozen=True, slots=True)
class Company:
    index: int
    name: str
    domain: str
    industry: str
    employees: int | None
    annual_revenue: int | None
    country: str
    city: str
    fit: float  # industry and size fit, 0..1 (hidden)


@dataclass(frozen=True, slots=True)
class Activity:
    kind: str
    at: datetime
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Person:
    """One generated person. Text fields may hold the flaws described in the module docstring;
    `None` means the value was never set."""

    index: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None
    seniority: str
    department: str
    company: Company
    country: str | None
    city: str | None
    source: str
    stage: str
    created_at: datetime
    propensity: float  # hidden propensity to convert, 0..1
    converted_at: datetime | None
    activities: tuple[Activity, ...]


def default_anchor() -> datetime:
    """Today 00:00 UTC, so that generated history is recent when the demo runs."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _rng(seed: int, kind: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{kind}:{index}")


def company(seed: int, index: int) -> Company:
    """Company `index` of the portal made from `seed`."""
    rng = _rng(seed, "company", index)
    word = rng.choice(COMPANY_WORDS)
    name = f"{word} {rng.choice(COMPANY_SUFFIXES)}" if index < len(COMPANY_WORDS) else f"{word} {index}"
    if rng.random() < 0.3:
        name = f"{word} {rng.choice(('Cloud', 'Health', 'Retail', 'Digital', 'Energy', 'Logistics'))} {index}"
    slug = "".join(c for c in name.lower().encode("ascii", "ignore").decode() if c.isalnum()) or f"co{index}"
    domain = f"{slug}.{rng.choice(('com', 'io', 'co', 'de', 'co.uk', 'fr', 'net'))}"
    industry, industry_fit = rng.choice(INDUSTRIES)
    employees = int(min(200_000, max(1, math.exp(rng.gauss(4.0, 1.8)))))
    country, cities = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
    size_fit = 1.0 - abs(math.log10(employees) - 2.7) / 3.0
    revenue = employees * rng.randint(60, 400) * 1000
    return Company(
        index=index,
        name=name,
        domain=domain,
        industry=industry,
        employees=employees if rng.random() > 0.08 else None,
        annual_revenue=revenue if rng.random() > 0.2 else None,
        country=country,
        city=rng.choice(cities),
        fit=max(0.0, min(1.0, 0.5 * industry_fit + 0.5 * size_fit)),
    )


def _flawed(rng: random.Random, value: str, blank_share: float = 0.04) -> str | None:
    roll = rng.random()
    if roll < blank_share / 2:
        return None
    if roll < blank_share:
        return rng.choice(BLANKS)
    return value


def _email(first: str, last: str, domain: str, rng: random.Random, index: int) -> str:
    local = "".join(c for c in f"{first}.{last}".lower().encode("ascii", "ignore").decode() if c.isalnum() or c == ".")
    local = local.strip(".") or "contact"
    return f"{local}{index}@{domain}" if rng.random() < 0.7 else f"{local[:1]}{local.split('.')[-1]}{index}@{domain}"


def _identity(seed: int, index: int) -> tuple[random.Random, str, str, Company, str]:
    """The draws every later field depends on, in a fixed order: name, company, email."""
    rng = _rng(seed, "person", index)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    # Early companies gather more people (a long tail of small accounts), independent of count.
    comp = company(seed, int(rng.random() ** 1.6 * (index // 6 + 40)))
    domain = rng.choice(FREE_MAIL) if rng.random() < 0.22 else comp.domain
    return rng, first, last, comp, _email(first, last, domain, rng, index)


def person(seed: int, index: int, anchor: datetime) -> Person:
    """Person `index` of the portal made from `seed`, with history up to `anchor`."""
    rng, first, last, comp, email = _identity(seed, index)
    if index > 10 and rng.random() < 0.01:  # the same address again, in another case
        email = _identity(seed, rng.randrange(index))[4].upper()
    title, seniority, department = rng.choice(TITLES)
    if rng.random() < 0.003:
        title = (title + " / ") * rng.randint(200, 3000)  # a pasted-in wall of text
    fit = 0.55 * SENIORITY_FIT[seniority] + 0.45 * comp.fit
    if email.split("@")[1].lower() in FREE_MAIL:
        fit *= 0.6
    propensity = max(0.0, min(1.0, rng.betavariate(2, 5) * 0.6 + fit * 0.5 + rng.gauss(0, 0.08)))
    created = anchor - timedelta(days=rng.uniform(7, HISTORY_DAYS + 200), seconds=rng.randrange(86400))
    activities = _activities(rng, propensity, created, anchor, heavy=index == HEAVY_INDEX or rng.random() < 0.0008)
    converted = rng.random() < propensity**3 * 0.6
    stage = _stage(rng, propensity, converted, activities)
    converted_at = anchor - timedelta(days=rng.uniform(1, 60)) if converted else None
    if converted_at is not None:
        converted_at = max(converted_at, created + timedelta(days=1))  # never before the record existed
        activities = tuple(sorted((*activities, *_onboarding(_rng(seed, "onboarding", index), converted_at, anchor)),
                                  key=lambda a: a.at))
    country = comp.country if rng.random() > 0.15 else rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0][0]
    return Person(
        index=index,
        first_name=_flawed(rng, first, 0.02),
        last_name=_flawed(rng, last, 0.03),
        email=email if rng.random() > 0.005 else None,
        phone=_flawed(rng, f"+1 555 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}", 0.3),
        job_title=_flawed(rng, title, 0.08),
        seniority=seniority,
        department=department,
        company=comp,
        country=_flawed(rng, country, 0.06),
        city=_flawed(rng, comp.city, 0.2),
        source=rng.choice(SOURCES),
        stage=stage,
        created_at=created,
        propensity=propensity,
        converted_at=converted_at,
        activities=activities,
    )


def generate_people(seed: int, count: int, anchor: datetime | None = None) -> Iterator[Person]:
    """People 0..count-1 of the portal made from `seed`, one at a time."""
    return generate_people_range(seed, 0, count, anchor)


def generate_people_range(seed: int, start: int, stop: int, anchor: datetime | None = None) -> Iterator[Person]:
    """People start..stop-1 of the portal made from `seed` (for streaming in batches)."""
    anchor = anchor or default_anchor()
    for index in range(start, stop):
        yield person(seed, index, anchor)


def _stage(rng: random.Random, propensity: float, converted: bool, activities: tuple[Activity, ...]) -> str:
    if converted:
        return "customer"
    met = any(a.kind == "meeting" and a.attributes["outcome"] == "completed" for a in activities)
    if met and rng.random() < 0.5:
        return rng.choice(("sales_qualified", "opportunity"))
    if rng.random() < propensity * 0.3:
        return "marketing_qualified"
    return "subscriber" if rng.random() < 0.35 else "lead"


def _when(rng: random.Random, start: datetime, anchor: datetime, recency: float) -> datetime:
    """A time between start and anchor; high recency skews it towards the anchor."""
    span = (anchor - start).total_seconds()
    return anchor - timedelta(seconds=span * rng.random() ** (1.0 + 4.0 * recency))


def _activities(rng: random.Random, propensity: float, created: datetime, anchor: datetime, heavy: bool) -> tuple[Activity, ...]:
    start = max(created, anchor - timedelta(days=HISTORY_DAYS))
    recency = max(0.0, min(1.0, propensity + rng.gauss(0, 0.2)))
    intensity = propensity * rng.lognormvariate(0, 0.6)
    out: list[Activity] = []

    def add(kind: str, **attributes: str) -> datetime:
        at = _when(rng, start, anchor, recency)
        out.append(Activity(kind, at, attributes))
        return at

    for _ in range(_poisson(rng, 1 + 14 * intensity)):
        url, title = rng.choice(PAGES)
        if rng.random() < propensity * 0.4:
            url = rng.choice(HIGH_INTENT_PAGES)
            title = dict(PAGES)[url]
        add("page_view", url=f"https://www.example-saas.com{url}", title=title)
    for _ in range(_poisson(rng, 2.5 * intensity)):
        form = rng.choice(HIGH_INTENT_FORMS) if rng.random() < propensity * 0.5 else rng.choice(FORMS)
        add("form_submission", form=form, url="https://www.example-saas.com/forms")
    bounced = rng.random() < 0.03
    for _ in range(_poisson(rng, 5)):
        campaign = rng.choice(CAMPAIGNS)
        add("marketing_email_delivered", campaign=campaign)
        if bounced:
            add("marketing_email_bounce", campaign=campaign)
            break
        if rng.random() < 0.15 + 0.6 * propensity:
            add("marketing_email_open", campaign=campaign)
            if rng.random() < 0.1 + 0.5 * propensity:
                add("marketing_email_click", campaign=campaign, url="https://www.example-saas.com/pricing")
    if not bounced and rng.random() < 0.08 * (1.2 - propensity):
        add("unsubscribe", campaign=rng.choice(CAMPAIGNS))
    for _ in range(_poisson(rng, 3 * intensity)):
        subject = rng.choice(("Quick question", "Following up", "Intro", "Re: pricing", "Meeting notes"))
        add("sales_email_sent", subject=subject)
        if rng.random() < propensity * 0.6:
            add("sales_email_reply", subject=f"Re: {subject}")
    for _ in range(_poisson(rng, 1.2 * intensity)):
        outcome = rng.choices(MEETING_OUTCOMES, weights=(3 + 6 * propensity, 1, 1, 1, 0.5))[0]
        add("meeting", title=rng.choice(("Discovery call", "Demo", "Pricing review", "Intro")), outcome=outcome)
    for _ in range(_poisson(rng, 1.5 * intensity)):
        disposition = rng.choices(CALL_DISPOSITIONS, weights=(1 + 3 * propensity, 2, 2, 1, 0.2, 0.5))[0]
        duration = rng.randint(60, 1800) if disposition == "connected" else rng.randint(0, 40)
        add("call", direction=rng.choice(("outbound", "outbound", "inbound")), disposition=disposition,
            duration_seconds=str(duration))
    for _ in range(_poisson(rng, 0.6 * intensity)):
        body = rng.choice(NOTE_TEXTS)
        if rng.random() < 0.02:
            body = body + " " + "Lorem ipsum dolor sit amet. " * rng.randint(100, 800)
        add("note", body=body)
    if heavy:  # a bot or a very busy person: thousands of events
        for _ in range(rng.randint(1000, 3000)):
            url, title = rng.choice(PAGES)
            add("page_view", url=f"https://www.example-saas.com{url}", title=title)
    out.sort(key=lambda a: a.at)
    return tuple(out)


def _onboarding(rng: random.Random, converted_at: datetime, anchor: datetime) -> list[Activity]:
    """What a new customer does after converting: a kickoff and onboarding meetings, calls and
    emails with the team, the getting-started docs. Caused by the conversion, not a sign of it:
    a learner that counts it (no cutoff at the conversion) finds a signal that is not there
    before a lead converts."""
    out = [Activity("meeting", _when(rng, converted_at, anchor, 0.0), {"title": "Kickoff", "outcome": "completed"})]
    for _ in range(rng.randint(1, 3)):
        out.append(Activity("meeting", _when(rng, converted_at, anchor, 0.3), {"title": "Onboarding", "outcome": "completed"}))
    for _ in range(rng.randint(1, 4)):
        out.append(Activity("call", _when(rng, converted_at, anchor, 0.3), {
            "direction": "outbound", "disposition": "connected", "duration_seconds": str(rng.randint(300, 1800))}))
    for _ in range(rng.randint(2, 5)):
        subject = rng.choice(("Welcome aboard", "Your onboarding plan", "Next steps"))
        out.append(Activity("sales_email_sent", _when(rng, converted_at, anchor, 0.3), {"subject": subject}))
        out.append(Activity("sales_email_reply", _when(rng, converted_at, anchor, 0.3), {"subject": f"Re: {subject}"}))
    for _ in range(rng.randint(3, 12)):
        out.append(Activity("page_view", _when(rng, converted_at, anchor, 0.3), {
            "url": "https://www.example-saas.com/docs/getting-started", "title": "Getting started"}))
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
