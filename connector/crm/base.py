"""The one small interface between the sync loop and a CRM.

The sync loop (connector.sync) knows nothing of HubSpot or Salesforce: it asks an adapter to
ensure leadscore's fields exist, iterates pages of leads that need scoring, and hands back
batches of changed values, getting a per-record result for each. Field names here are neutral
(`SCORE_FIELDS`); each adapter maps them to its CRM's names (a prefix in HubSpot, `__c` custom
fields in Salesforce).

Own writes: writing scores bumps a record's modification stamp (HubSpot `updatedAt`,
Salesforce `SystemModstamp`), so the next incremental read finds it again. The adapter reports
the stamp each write produced (`WriteResult.marker`) and the stamp each read saw
(`LeadRecord.marker`); the loop stores the former, and `iter_pages` asks `own_writes` which
leads of a page are unchanged since our own write, so it can drop them before reading their
engagement.

Beyond the sync, an adapter may offer optional capabilities (field setup for `leadscore setup`,
property values as of a moment for `backtest --from-crm`, the floor of API calls for the demo,
companies for account scores);
one it lacks answers with a UserError naming the CRM and what it lacks (`lacks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from connector.errors import UserError
from connector.scoring.types import Account, Lead

if TYPE_CHECKING:
    from connector.scoring.compiled import AccountModel
    from connector.scoring.model import ScoringModel

# What leadscore writes, by neutral name. "stage" is written only when it moves forward.
SCORE_FIELDS = ("fit", "engagement", "label", "grade", "reasons", "model", "scored_at", "stage")
# What each model of a set writes; the stage is one field whichever model moves it.
MODEL_FIELDS = SCORE_FIELDS[:-1]
# A calibrated model's conversion probability (percent): written only by a model with a table.
PROBABILITY = "probability"


def score_field(key: str | None, name: str) -> str:
    """The neutral name of a model's field: `fit` for the model without a key, `enterprise_fit`
    for the model keyed `enterprise` (HubSpot `leadscore_enterprise_fit`, Salesforce
    `Leadscore_Enterprise_Fit__c`). The stage is never keyed."""
    return name if key is None or name == "stage" else f"{key}_{name}"


def field_kind(neutral: str) -> str:
    """Which of SCORE_FIELDS (or PROBABILITY) a (possibly keyed) neutral name is: `enterprise_fit` → `fit`."""
    for name in (*SCORE_FIELDS, PROBABILITY):
        if neutral == name or neutral.endswith("_" + name):
            return name
    raise ValueError(f"{neutral!r} is not one of leadscore's fields")


def probability_fields(models: Iterable[ScoringModel]) -> tuple[str, ...]:
    """The probability fields of the models with a [calibration] table (`probability`,
    `enterprise_probability`): a model without one neither reads nor writes it."""
    return tuple(score_field(m.key, PROBABILITY) for m in models if getattr(m, "calibration", None) is not None)


def score_fields(keys: Sequence[str | None]) -> tuple[str, ...]:
    """Every neutral field the models with these keys write, the stage once, last."""
    return (*(score_field(k, n) for k in keys for n in MODEL_FIELDS), "stage")

# Given {lead id: modification stamp as read}, the ids whose stamp is the one our own last
# write produced (nothing changed since): the adapter skips them.
OwnWriteCheck = Callable[[Mapping[str, str]], Set[str]]


@dataclass(frozen=True, slots=True)
class RunTimes:
    """A pass's two moments, taken once per run. `scoring`: the moment scores are computed for
    (LEADSCORE_AS_OF, or the start): scores, `scored_at`, event ages, whether a meeting was held.
    `started`: the wall clock at the start: the modification window, checkpoint, run history."""

    scoring: datetime
    started: datetime

    @classmethod
    def begin(cls, as_of: datetime | None = None) -> RunTimes:
        started = datetime.now(UTC)
        return cls(as_of or started, started)


@dataclass(frozen=True, slots=True)
class Headroom:
    """Calls a rate-limit window has left now, and its size."""

    remaining: int
    limit: int


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A lead to score, with leadscore's own values as the CRM holds them now (by neutral name),
    read in the same request, so that only changed values are written. `marker` is the
    record's modification stamp as read (None when the CRM gave none). `problem`: why the
    record could not be mapped to a lead (then `lead` holds only its id): the loop records it
    as failed with that reason, and the rest of the page goes on."""

    lead: Lead
    written: Mapping[str, str | None] = field(default_factory=dict)
    marker: str | None = None
    owner: str | None = None  # the CRM user who owns the lead (HubSpot hubspot_owner_id), if any
    problem: str | None = None

    @classmethod
    def unmapped(cls, lead_id: str, exc: BaseException) -> LeadRecord:
        """The record of a lead whose CRM values could not be mapped (`exc` says why)."""
        return cls(Lead(lead_id, {}), problem=f"its CRM values could not be read ({type(exc).__name__}: {exc})")


@dataclass(frozen=True, slots=True)
class LeadPage:
    """One page of work. `checkpoint` is opaque to the loop: it may be saved once every record of
    this page (and of the pages before it) has been written or recorded as failed. `skipped`
    counts the leads read but dropped as unchanged since our own write."""

    records: Sequence[LeadRecord]
    checkpoint: str | None
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class ScoreUpdate:
    """The values to write for one lead: only those that changed, by neutral name."""

    lead_id: str
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """One update's outcome. `marker`: the modification stamp the write produced, when known."""

    lead_id: str
    ok: bool
    error: str | None = None
    marker: str | None = None


def holds(held: Mapping[str, object], sent: Mapping[str, object]) -> bool:
    """Whether a record read back holds every value of a write (by the CRM's field names):
    how an adapter tells, after a write's answer was lost, whether the CRM applied it. Numbers
    compare as numbers ("42" and 42.0), text without the line-ending and edge whitespace the
    CRM may normalise."""
    for name, value in sent.items():
        current = held.get(name)
        if current is None:
            return False
        try:
            if float(str(current)) == float(str(value)):
                continue
        except ValueError:
            pass
        if str(current).replace("\r\n", "\n").strip() != str(value).replace("\r\n", "\n").strip():
            return False
    return True


@dataclass
class ApiUsage:
    """API calls made so far (by endpoint), 429s met and retries made: for the run record."""

    calls: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    retries: int = 0
    # Answers by endpoint and status ("POST /crm/v3/objects/contacts/search 200"; status
    # "error" for a dropped connection or a timeout), for metrics.
    statuses: dict[str, int] = field(default_factory=dict)
    # The CRM's allocation as it last reported it, a gauge kept as is by `since` (Salesforce:
    # {"daily_used", "daily_max"} from Sforce-Limit-Info), for the run record.
    quota: dict[str, int] = field(default_factory=dict)
    # The client-side limiter's headroom by window ("10s"), a gauge kept as is by `since`.
    headroom: dict[str, Headroom] = field(default_factory=dict)

    def since(self, earlier: ApiUsage) -> ApiUsage:
        def minus(now: dict[str, int], before: dict[str, int]) -> dict[str, int]:
            return {k: v - before.get(k, 0) for k, v in now.items() if v - before.get(k, 0)}

        return ApiUsage(
            calls=minus(self.calls, earlier.calls),
            rate_limited=self.rate_limited - earlier.rate_limited,
            retries=self.retries - earlier.retries,
            statuses=minus(self.statuses, earlier.statuses),
            quota=dict(self.quota),
            headroom=dict(self.headroom),
        )


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One of leadscore's fields not ready in the CRM: where, what (missing, type, readonly,
    input, options), and a one-line message with the fix."""

    where: str
    what: str
    message: str


class FieldSetup(Protocol):
    """Checking and creating leadscore's fields in the CRM (`leadscore setup <crm>`)."""

    def problems(self) -> Sequence[FieldProblem]:
        """What is not ready; empty when every field exists and may be written."""

    def create_missing(self) -> Sequence[str]:
        """Create what is missing; one line per field (or option) made."""

    def ready(self) -> str:
        """One line saying the fields are ready, and where they are."""


@dataclass(frozen=True, slots=True)
class StagedLead:
    """A lead as it is now, with when it first entered each outcome stage it reached and when
    the CRM created it. The stage (in `lead.stage`) and its dates are not among
    `lead.properties`."""

    lead: Lead
    entered: Mapping[str, datetime]
    created: datetime | None = None


class PropertyHistory(Protocol):
    """Leads' past, for learning and backtesting from the CRM: when each entered a stage, and
    each lead as it was at a moment (its property values then, its activity counters then)."""

    def staged_leads(self, stages: Sequence[str], properties: Sequence[str] = ()) -> Iterator[StagedLead]:
        """Every lead (one full read, streamed), with when it entered each of `stages`; its
        properties include `properties` besides those the model reads."""

    def leads_as_of(self, leads: Iterable[tuple[Lead, datetime]], names: Sequence[str]) -> Iterator[Lead]:
        """Each lead as it was at its moment, in the order given (streamed in the CRM's batch
        size): properties `names` as they were then (None: not set yet), and the activity the CRM
        keeps as totals on the record as it stood then. Dated activity is left as it is: the
        caller keeps only what happened by the moment."""

    def untracked(self, names: Sequence[str]) -> Sequence[str]:
        """Those of `names` whose past values the CRM does not keep (their current value is all
        there is: possibly set after the moment, a leak)."""


@dataclass(frozen=True, slots=True)
class OwnerTask:
    """A task for a lead's owner (LEADSCORE_OWNER_TASKS). `marker` is written into the task's
    body so a task created before a crash, but not recorded, is found again, not made twice."""

    lead_id: str
    kind: str  # "hot" or "mql": the transition it is for
    owner: str
    subject: str
    body: str
    due: datetime

    @property
    def marker(self) -> str:
        return f"[leadscore {self.kind} {self.lead_id}]"


class OwnerTasks(Protocol):
    """Tasks for lead owners: find one made earlier (by its marker), make one."""

    def find(self, task: OwnerTask) -> str | None:
        """The id of the lead's task that carries `task.marker`, or None."""

    def create(self, task: OwnerTask) -> str:
        """Make the task, assigned to its owner and attached to its lead; its id."""


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A company (account) to score: its neutral record, leadscore's values as the CRM holds them
    now (by neutral name), and the ids of its contacts (leads)."""

    account: Account
    written: Mapping[str, str | None]
    contacts: Sequence[str]


@dataclass(frozen=True, slots=True)
class ContactScore:
    """A contact's engagement score as the CRM holds it (None: never scored), and its name."""

    name: str
    engagement: int | None


class AccountSource(Protocol):
    """Companies (accounts) and their contacts, for scores rolled up from the contacts
    (the model's [account] section). Ids are the CRM's; values go by neutral name."""

    max_batch: int  # how many account updates one write call takes

    def ensure_fields(self, section: AccountModel, *, create: bool = True) -> None:
        """Check (and create, when `create`) leadscore's fields on the account object."""

    def moment(self) -> str:
        """Now, by the CRM's clock, in the form `changed_accounts` takes back as `since`."""

    def changed_accounts(self, since: str | None) -> Iterator[Mapping[str, str | None]]:
        """Pages of accounts whose own properties changed since `since` (a `moment`, less the
        CRM's search lag), or every account when None: {id: modification stamp as read}."""

    def accounts_of(self, contact_ids: Sequence[str]) -> set[str]:
        """The accounts these contacts belong to."""

    def read_accounts(self, ids: Sequence[str]) -> Iterable[AccountRecord]:
        """These accounts with their contacts; ids the CRM no longer has are left out. An
        iterable, so that a source may read the contacts of a few accounts at a time."""

    def contact_scores(self, contact_ids: Sequence[str]) -> Mapping[str, ContactScore]:
        """Contacts' engagement scores as leadscore last wrote them."""

    def write_accounts(self, updates: Sequence[ScoreUpdate]) -> Sequence[WriteResult]:
        """Write at most `max_batch` account updates; one result per update, with the
        modification stamp the write produced as its marker."""


class Lacking(UserError):
    """A capability the CRM's adapter does not offer (what `lacks` gives)."""


def lacks(crm: str, what: str, fix: str) -> Lacking:
    """The error for a capability the CRM's adapter does not offer."""
    return Lacking(f"{crm}: leadscore's {crm} adapter cannot {what} yet; fix: {fix}")


class CrmAdapter(Protocol):
    """What the sync loop needs from a CRM. Retries, pagination and rate limiting live inside
    the adapter's client layer, each in one place; the loop sees only pages and results.
    Failures that end the run raise `connector.crm.errors.CrmError`. Adapters subclass this
    class, so the optional capabilities they do not offer answer with `lacks`."""

    name: str  # its key in the registry: hubspot, salesforce
    title: str  # as people write it: HubSpot, Salesforce
    max_batch: int  # how many updates one write call takes
    # What the adapter reads into leads' events beyond what the model names, when that is a
    # setting (HubSpot's web events): part of the kept scoring inputs' signature, so turning it
    # on or off makes the next full rescore read every lead again (connector/sync/inputs.py).
    extra_reads: str = ""

    def start_pass(self, times: RunTimes) -> None:
        """The moments of the pass about to start (a long-lived adapter serves many passes)."""

    def ensure_fields(self, model: ScoringModel, *, create: bool = True) -> None:
        """Check leadscore's fields; create the missing ones when `create` (a dry run passes
        False and only checks). Raise UserError for one that exists with a wrong type."""

    def iter_pages(
        self, checkpoint: str | None, *, full: bool, own_writes: OwnWriteCheck | None = None
    ) -> Iterator[LeadPage]:
        """Leads changed (properties or engagement) since `checkpoint`, or all when `full`."""

    def read_leads(self, ids: Sequence[str]) -> Sequence[LeadRecord]:
        """These leads, by id, with their events (to retry records that failed on an earlier
        run); ids the CRM no longer has are left out."""

    def write_batch(self, updates: Sequence[ScoreUpdate]) -> Sequence[WriteResult]:
        """Write at most `max_batch` updates; one result per update, failures included."""

    def api_usage(self) -> ApiUsage:
        """Calls, 429s and retries so far (cumulative; the loop takes differences)."""

    def close(self) -> None:
        """Release the connections kept alive to the CRM."""

    def record_url(self, lead_id: str) -> str | None:
        """Where the lead is in the CRM (for a webhook's receiver); None when the adapter cannot
        tell."""
        return None

    # Optional capabilities ---------------------------------------------------------------
    def field_setup(self, model: ScoringModel) -> FieldSetup:
        """Checking and creating leadscore's fields for `model` (`leadscore setup <crm>`)."""
        raise lacks(self.title, "check or create its fields", "create leadscore's fields by hand")

    def property_history(self) -> PropertyHistory:
        """Leads' stage dates and past property values (`backtest --from-crm`)."""
        raise lacks(self.title, "read property values as of a moment (needed by --from-crm)",
                    "export the leads with their outcome to a CSV file and pass it with --leads")

    def owner_tasks(self) -> OwnerTasks:
        """Tasks for lead owners (LEADSCORE_OWNER_TASKS)."""
        raise lacks(self.title, "create tasks for lead owners",
                    "set LEADSCORE_OWNER_TASKS=off (or use LEADSCORE_WEBHOOK_URL)")

    def fewest_calls(self) -> int:
        """The fewest API calls the CRM's page and batch sizes allow for the work done so far."""
        raise lacks(self.title, "count the fewest calls its work needs", "compare the call counts only")

    def accounts(self) -> AccountSource:
        """Companies (accounts) and their contacts, for the model's [account] section."""
        raise lacks(self.title, "score companies (accounts)", "remove the [account] section from the model")
