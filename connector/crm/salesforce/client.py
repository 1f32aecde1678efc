"""Every call leadscore makes to Salesforce, in one place: retries, session refresh, the API
allocation guard and the count of calls by endpoint.

simple-salesforce does the HTTP (the `requests` session carries the CA bundle); leadscore wraps
each call in `SalesforceClient._call`, which
- refuses to start a call once the org's daily usage (from `Sforce-Limit-Info: api-usage=U/M`,
  parsed by simple-salesforce into `sf.api_usage`) reaches the configured share: `AllocationStop`;
- retries transient faults (classification in `errors.classify`) with exponential backoff and
  jitter, a bounded number of times;
- renews the session once on `INVALID_SESSION_ID` when the auth flow can, then gives a clear error.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession
from simple_salesforce.util import exception_handler

from connector.crm.base import ApiUsage, holds
from connector.crm.errors import CrmError
from connector.crm.retry import RetryPolicy, Verdict
from connector.crm.salesforce.auth import SessionToken, TokenSource
from connector.crm.salesforce.errors import AllocationStop, SessionError, classify

log = logging.getLogger(__name__)
T = TypeVar("T")

COLLECTION_SIZE = 200  # sObject Collections: at most 200 records a call (REST API guide)
BULK_DONE = {"JobComplete", "Failed", "Aborted"}


@dataclass
class UsageGuard:
    """Stops before the org's daily API usage passes `share` of its allocation, and likewise the
    connected app's own allocation when the org gave it one (`per-app-api-usage`)."""

    share: float
    used: int | None = None
    limit: int | None = None
    app_used: int | None = None
    app_limit: int | None = None

    def update(self, api_usage: Any) -> None:
        usage = (api_usage or {}).get("api-usage")
        if usage is not None:
            self.used, self.limit = usage.used, usage.total
        app = (api_usage or {}).get("per-app-api-usage")
        if app is not None:
            self.app_used, self.app_limit = app.used, app.total

    def check(self) -> None:
        for used, limit, whose in ((self.used, self.limit, "the org's daily API usage"),
                                   (self.app_used, self.app_limit, "the connected app's API usage")):
            if used is not None and limit and used + 1 > self.share * limit:
                raise AllocationStop(
                    f"Salesforce: {whose} is {used:,} of {limit:,} requests; leadscore stops at "
                    f"{self.share:.0%} (LEADSCORE_SALESFORCE_API_SHARE) to leave the rest to the org. "
                    "The checkpoint is kept; the next run continues."
                )

    def snapshot(self) -> dict[str, int]:
        """The allocation as last reported, for the run record (ApiUsage.quota)."""
        out = {}
        if self.used is not None and self.limit:
            out.update(daily_used=self.used, daily_max=self.limit)
        if self.app_used is not None and self.app_limit:
            out.update(app_used=self.app_used, app_max=self.app_limit)
        return out


class HttpSession(requests.Session):
    """The transport: a default timeout on every request, and a CA bundle of its own that wins
    over REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment (plain requests lets those
    override `Session.verify`: psf/requests issue 3829)."""

    def __init__(self, timeout: float = 30.0, ca_bundle: str | None = None) -> None:
        super().__init__()
        self.timeout = timeout
        if ca_bundle:
            self.verify = ca_bundle

    def request(self, method, url, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: ANN001, ANN201
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and isinstance(self.verify, str):
            merged["verify"] = self.verify
        return merged


class SalesforceClient:
    """A Salesforce org as leadscore uses it. `calls` counts calls by endpoint, retries included."""

    def __init__(
        self,
        tokens: TokenSource,
        session: requests.Session,
        *,
        api_version: str,
        share: float = 0.8,
        attempts: int = 6,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        query_batch_size: int = 2000,
    ) -> None:
        self._tokens = tokens
        self._session = session
        self._version = api_version
        self.guard = UsageGuard(share)
        self.retries = 0
        self.rate_limited = 0
        self.retry = RetryPolicy(classify, attempts=attempts, max_wait=max_wait, sleep=sleep,
                                 on_retry=self._count_retry, service="Salesforce")
        self._sleep = self.retry.sleep  # polls wait as retries do: `close()` ends them
        self.query_batch_size = query_batch_size
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()  # "query 200", "composite/sobjects error", for metrics
        self._endpoint = ""
        self.rows: Counter[str] = Counter()  # records read, by "query:Object" (for the floor)
        self.written: Counter[str] = Counter()  # records sent, by write path (for the floor)
        self.server_time: datetime | None = None
        session.hooks.setdefault("response", []).append(self._observe)
        self._token = tokens.fetch()
        self.sf = self._connect(self._token)

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Every response: the org's API usage (`Sforce-Limit-Info`) and its clock (`Date`)."""
        if self._endpoint:
            self.statuses[f"{self._endpoint} {response.status_code}"] += 1
        limit_info = response.headers.get("Sforce-Limit-Info")
        if limit_info:
            self.guard.update(Salesforce.parse_api_usage(limit_info))
        stamp = response.headers.get("Date")
        if stamp:
            try:
                self.server_time = parsedate_to_datetime(stamp)
            except (TypeError, ValueError):
                pass

    def _connect(self, token: SessionToken) -> Salesforce:
        return Salesforce(
            session_id=token.access_token,
            instance_url=token.instance_url,
            version=self._version,
            session=self._session,
        )

    def _count_retry(self, verdict: Verdict) -> None:
        self.retries += 1
        self.rate_limited += int(verdict.rate_limited)

    def api_usage(self) -> ApiUsage:
        return ApiUsage(dict(self.calls), self.rate_limited, self.retries, dict(self.statuses),
                        self.guard.snapshot())

    def close(self) -> None:
        """Close the connections kept alive to Salesforce and start no call after this one
        (also from another thread: a shutdown whose time ran out aborts the calls in flight)."""
        self.retry.stop()
        self._session.close()

    @property
    def base_url(self) -> str:
        return self.sf.base_url

    @property
    def instance_url(self) -> str:
        """The org's address, where a record's page is `<instance_url>/<id>`."""
        return f"https://{self.sf.sf_instance}"

    # -- the one place every call goes through -------------------------------------------------

    def _call(self, endpoint: str, fn: Callable[[Salesforce], T],
              recheck: Callable[[], T | None] | None = None) -> T:
        def attempt() -> T:
            self.guard.check()
            self.calls[endpoint] += 1
            self._endpoint = endpoint
            try:
                return fn(self.sf)
            except requests.RequestException:
                self.statuses[f"{endpoint} error"] += 1
                raise
            finally:
                self._endpoint = ""

        return self.retry.call(lambda: self._renewing(attempt, endpoint), what=endpoint,
                               recheck=recheck)

    def _renewing(self, attempt: Callable[[], T], endpoint: str) -> T:
        try:
            return attempt()
        except SalesforceExpiredSession:
            if not self._tokens.refreshable:
                raise SessionError(
                    "Salesforce answered INVALID_SESSION_ID: the access token is expired or invalid; "
                    "fix: set a new LEADSCORE_SALESFORCE_ACCESS_TOKEN, or use "
                    "LEADSCORE_SALESFORCE_AUTH=client_credentials or jwt so leadscore renews it."
                ) from None
        log.info("salesforce session expired; renewing it once")
        self._token = self._tokens.fetch()
        self.sf = self._connect(self._token)
        try:
            return attempt()
        except SalesforceExpiredSession:
            raise SessionError(
                f"Salesforce rejected the renewed session too ({endpoint}: INVALID_SESSION_ID); "
                "fix: check the connected app's policies (IP relaxation, session timeout) and that "
                "its run-as user is active."
            ) from None

    def user_id(self) -> str | None:
        """The integration user's id: from the OAuth identity URL, else the OpenID Connect
        userinfo endpoint (`user_id`); None when neither answers (the token lacks the scope)."""
        if self._token.user_id:
            return self._token.user_id

        def ask(sf: Salesforce) -> str | None:
            url = f"https://{sf.sf_instance}/services/oauth2/userinfo"
            response = sf.session.get(url, headers=sf.headers)
            return response.json().get("user_id") if response.status_code == 200 else None

        try:
            return self._call("oauth2/userinfo", ask)
        except (ValueError, SalesforceError, CrmError):
            return None

    # -- reads ---------------------------------------------------------------------------------

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[dict]]:
        """The records of a SOQL query, one list per page, following `nextRecordsUrl`."""
        headers = {"Sforce-Query-Options": f"batchSize={self.query_batch_size}"}
        endpoint = "queryAll" if include_deleted else "query"
        sobject = soql.split(" FROM ", 1)[1].split(None, 1)[0] if " FROM " in soql else "?"
        key = f"{endpoint}:{sobject}"
        result = self._call(
            endpoint, lambda sf: sf.query(soql, include_deleted=include_deleted, headers=headers)
        )
        while True:
            self.rows[key] += len(result["records"])
            yield result["records"]
            if result.get("done", True) or not result.get("nextRecordsUrl"):
                return
            next_url = result["nextRecordsUrl"]
            result = self._call(
                endpoint + "_more",
                lambda sf: sf.query_more(next_url, identifier_is_url=True, headers=headers),
            )

    def query(self, soql: str, *, include_deleted: bool = False) -> list[dict]:
        return [r for page in self.query_pages(soql, include_deleted=include_deleted) for r in page]

    def describe(self, sobject: str) -> dict:
        return self._call("describe", lambda sf: sf.restful(f"sobjects/{sobject}/describe"))

    def limits(self) -> dict:
        return self._call("limits", lambda sf: sf.restful("limits"))

    # -- writes --------------------------------------------------------------------------------

    def create(self, sobject: str, fields: dict,
               recheck: Callable[[], dict | None] | None = None) -> str:
        """POST /sobjects/{sobject}: one record made; its id (docs/crm-api-facts.md, Writing).
        `recheck`: finds the record should the answer be lost after sending (`RetryPolicy.call`)."""
        answer = self._call(f"sobjects/{sobject}",
                            lambda sf: sf.restful(f"sobjects/{sobject}", method="POST", json=fields),
                            recheck=recheck)
        return str(answer["id"])

    def update_collection(self, sobject: str, records: Sequence[dict],
                          stamp_fields: Collection[str] = ()) -> list[dict]:
        """PATCH /composite/sobjects, allOrNone false: one `{"id", "success", "errors"}` per record,
        in the order sent. Should the answer be lost after sending, the records are read back
        first (one query) and only those not yet holding their values (`stamp_fields` aside:
        every model's scored-at) are sent again; the others answer success (docs/crm-api-facts.md, Salesforce › Writing)."""
        if len(records) > COLLECTION_SIZE:
            raise ValueError(f"at most {COLLECTION_SIZE} records per collection call")
        self.written[f"collections:{sobject}"] += len(records)
        pending = {record["id"]: record for record in records}
        applied: set[str] = set()
        skipped = {"id", *stamp_fields}

        def send(sf: Salesforce) -> list[dict]:
            body = {"allOrNone": False, "records": [
                {"attributes": {"type": sobject}, **record} for record in pending.values()]}
            return sf.restful("composite/sobjects", method="PATCH", json=body)

        def recheck() -> list[dict] | None:
            names = sorted({k for r in pending.values() for k in r if k not in skipped})
            ids = ", ".join(f"'{i}'" for i in pending)
            for row in self.query(f"SELECT Id, {', '.join(names)} FROM {sobject} WHERE Id IN ({ids})"):
                sent = {k: v for k, v in pending[row["Id"]].items() if k not in skipped}
                if holds(row, sent):
                    applied.add(row["Id"])
                    del pending[row["Id"]]
            log.info("after a lost answer: %d %s records already held their values, %d sent again",
                     len(applied), sobject, len(pending))
            return None if pending else []

        answers = iter(self._call("composite/sobjects", send, recheck=recheck))
        return [{"id": r["id"], "success": True, "errors": []} if r["id"] in applied else next(answers)
                for r in records]

    def _raw(self, sf: Salesforce, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A REST call simple-salesforce has no JSON helper for (CSV bodies), with its error mapping."""
        headers = {**sf.headers, **kwargs.pop("headers", {})}
        response = sf.session.request(method, sf.base_url + path, headers=headers, **kwargs)
        if response.status_code >= 300:
            exception_handler(response, name=path)
        return response

    def bulk_update(self, sobject: str, rows: Sequence[dict], *, poll: float = 1.0) -> tuple[dict, list[dict]]:
        """Bulk API 2.0 ingest `update`: create the job, upload the CSV, close it, poll it (waits
        doubling from `poll` to 15 s, every poll is an API call), read its failed results.
        Returns the final job info and the failed rows (`sf__Id`, `sf__Error`, the row)."""
        job_spec = {"object": sobject, "operation": "update", "contentType": "CSV", "lineEnding": "LF"}
        job = self._call("jobs/ingest", lambda sf: sf.restful("jobs/ingest", method="POST", json=job_spec))
        job_id = job["id"]
        self.written["bulk"] += len(rows)
        self.written["bulk_jobs"] += 1
        data = to_csv(rows)
        self._call(
            "jobs/ingest/batches",
            lambda sf: self._raw(
                sf, "PUT", f"jobs/ingest/{job_id}/batches", data=data.encode("utf-8"),
                headers={"Content-Type": "text/csv"},
            ),
        )
        close = {"state": "UploadComplete"}
        self._call(
            "jobs/ingest/state", lambda sf: sf.restful(f"jobs/ingest/{job_id}", method="PATCH", json=close)
        )
        while True:
            info = self._call("jobs/ingest/poll", lambda sf: sf.restful(f"jobs/ingest/{job_id}"))
            if info["state"] in BULK_DONE:
                break
            self._sleep(poll)
            poll = min(poll * 2, 15.0)
        if info["state"] != "JobComplete":
            return info, []
        failed: list[dict] = []
        if int(info.get("numberRecordsFailed") or 0):
            text = self._call(
                "jobs/ingest/failedResults",
                lambda sf: self._raw(sf, "GET", f"jobs/ingest/{job_id}/failedResults",
                                     headers={"Accept": "text/csv"}).text,
            )
            failed = list(csv.DictReader(io.StringIO(text)))
        return info, failed

    def create_custom_field(self, metadata: dict) -> dict:
        """Tooling API: POST tooling/sobjects/CustomField {"FullName", "Metadata"}."""
        return self._call(
            "tooling/CustomField",
            lambda sf: sf.restful("tooling/sobjects/CustomField", method="POST", json=metadata),
        )


def to_csv(rows: Sequence[dict]) -> str:
    """Bulk API 2.0 CSV: a header of field names, LF line endings, empty cell = leave as is
    (`#N/A` would blank a field; leadscore never blanks)."""
    names: list[str] = []
    for row in rows:
        names.extend(name for name in row if name not in names)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
