"""The HubSpot client layer: every call goes through the rate limiter, the retry policy and a
counter by endpoint, here and nowhere else.

Uses the official hubspot-api-client for paths, auth and request encoding, with its own urllib3
retry turned off (it would retry only idempotent methods and would stack under ours:
docs/crm-api-facts.md). Responses are read as JSON dicts (`_preload_content=False`) rather than the
client's model objects: the sync reads up to millions of objects, and dicts are several times
cheaper to build than models with dateutil-parsed datetimes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hubspot import HubSpot
from hubspot.discovery.discovery_base import DiscoveryBase
from urllib3.util.retry import Retry

from connector.crm.base import ApiUsage, Headroom
from connector.crm.errors import CrmError
from connector.crm.hubspot.errors import api_status, classify, header, request_error
from connector.crm.ratelimit import RollingWindowLimiter
from connector.crm.retry import RetryPolicy, Verdict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True)
class ClientOptions:
    rate_limit_per_10s: int = 190  # a Professional/Enterprise private app (docs/crm-api-facts.md)
    search_per_second: float = 5.0
    attempts: int = 6
    max_wait: float = 60.0
    timeout: float = 30.0
    search_counts_toward_window: bool = False  # HubSpot documents search as a separate limit


def _keeping_log_levels(package: Any, api_name: str, config: dict[str, Any]) -> Any:
    """hubspot-api-client's own API factory, leaving the log levels as they were: its
    `Configuration()` sets its package logger and urllib3's to WARNING (the `debug` setter), which
    silenced their DEBUG lines after leadscore's logging set the levels
    (docs/crm-api-facts.md, HubSpot › The official client)."""
    before = _library_levels()
    api = DiscoveryBase._default_api_factory(package, api_name, config)
    for name in _library_levels():
        logging.getLogger(name).setLevel(before.get(name, logging.NOTSET))
    return api


def _library_levels() -> dict[str, int]:
    loggers = logging.root.manager.loggerDict.items()
    return {name: logger.level for name, logger in loggers
            if isinstance(logger, logging.Logger) and name.split(".")[0] in ("hubspot", "urllib3")}


class HubSpotClient:
    def __init__(
        self,
        token: str,
        base_url: str,
        options: ClientOptions = ClientOptions(),
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.options = options
        self.base_url = base_url.rstrip("/")
        hs = HubSpot(access_token=token, host=base_url.rstrip("/"), retry=Retry(0),
                     api_factory=_keeping_log_levels)
        self.contacts_search = hs.crm.contacts.search_api
        self.contacts_batch = hs.crm.contacts.batch_api
        self.objects_batch = hs.crm.objects.batch_api
        self.objects_basic = hs.crm.objects.basic_api
        self.objects_search = hs.crm.objects.search_api
        self.properties = hs.crm.properties.core_api
        self.groups = hs.crm.properties.groups_api
        self.associations = hs.crm.associations.v4.batch_api
        self.association_pages = hs.crm.associations.v4.basic_api
        self.web_events = hs.events.events_api
        self.policy = RetryPolicy(
            classify, attempts=options.attempts, max_wait=options.max_wait,
            on_retry=self._on_retry, service="HubSpot", sleep=sleep,
        )
        # The limiters wait as the policy does, so that `close()` ends their waits too.
        pace = {"sleep": sleep or self.policy.pause, "stopped": self.policy.stopped}
        self.limiter = RollingWindowLimiter(options.rate_limit_per_10s, 10.0, **pace)
        search_window = max(1, int(options.search_per_second))
        self.search_limiter = RollingWindowLimiter(
            search_window, search_window / options.search_per_second, **pace
        )
        self.usage = ApiUsage()
        self.items: dict[str, int] = {}  # objects read or ids sent, by endpoint (for the floor)
        self.server_seconds = 0.0  # time spent waiting for HubSpot's answers

    def _on_retry(self, verdict: Verdict) -> None:
        self.usage.retries += 1

    def call(self, endpoint: str, method: Callable[..., Any], *args: Any,
             search: bool = False, recheck: Callable[[], Response | None] | None = None,
             **kwargs: Any) -> Response:
        """Call one `*_with_http_info` method of the client under the limiter and the policy.

        `endpoint` names the call in counts and errors ("POST /crm/v3/objects/contacts/search").
        `recheck`: a write's, for the policy after an ambiguous failure (`RetryPolicy.call`).
        Refusals the policy does not retry come back as CrmRequestError.
        """

        def attempt() -> Response:
            if search:
                self.search_limiter.acquire()
            if not search or self.options.search_counts_toward_window:
                self.limiter.acquire()
            self.usage.calls[endpoint] = self.usage.calls.get(endpoint, 0) + 1
            sent = time.monotonic()
            try:
                raw = method(*args, _preload_content=False,
                             _request_timeout=self.options.timeout, **kwargs)
            except Exception as exc:
                self.server_seconds += time.monotonic() - sent
                self._count_status(endpoint, api_status(exc) or "error")
                self._after_error(exc)
                raise
            try:
                data = raw.data
            finally:
                raw.release_conn()
                self.server_seconds += time.monotonic() - sent
            headers = dict(raw.headers.items())
            self._count_status(endpoint, raw.status)
            self._observe(headers)
            return Response(raw.status, headers, json.loads(data) if data else {})

        try:
            return self.policy.call(attempt, what=endpoint, recheck=recheck)
        except CrmError:
            raise
        except Exception as exc:
            if api_status(exc) is not None:
                raise request_error(exc, endpoint) from None
            raise

    def _count_status(self, endpoint: str, status: int | str) -> None:
        key = f"{endpoint} {status}"
        self.usage.statuses[key] = self.usage.statuses.get(key, 0) + 1

    def _after_error(self, exc: BaseException) -> None:
        if api_status(exc) == 429:
            self.usage.rate_limited += 1
            log.info("rate limited by HubSpot (429)")
        headers = getattr(exc, "headers", None)
        if headers:
            self._observe(dict(headers.items()) if hasattr(headers, "items") else {})

    def _observe(self, headers: dict[str, str]) -> None:
        limit = header(headers, "X-HubSpot-RateLimit-Max")
        if limit is None:
            return  # search responses carry no rate-limit headers
        interval = header(headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
        remaining = header(headers, "X-HubSpot-RateLimit-Remaining")
        try:
            self.limiter.observe(
                max_calls=int(limit),
                interval=int(interval) / 1000 if interval else None,
                remaining=int(remaining) if remaining is not None else None,
            )
        except ValueError:
            log.debug("unreadable rate-limit headers ignored")

    def close(self) -> None:
        """Close the connections kept alive to HubSpot and start no call after this one (also
        from another thread: a shutdown whose time ran out aborts the calls in flight)."""
        self.policy.stop()
        for api in (self.contacts_search, self.contacts_batch, self.objects_batch,
                    self.objects_search, self.properties, self.groups, self.associations,
                    self.association_pages, self.web_events):
            api.api_client.rest_client.pool_manager.clear()

    def note_partial(self, attempt: int) -> None:
        """A 207 left inputs undone: count a retry and back off as the policy would."""
        self.usage.retries += 1
        self.policy.sleep(self.policy.backoff(attempt, None))

    def count_items(self, endpoint: str, n: int) -> None:
        self.items[endpoint] = self.items.get(endpoint, 0) + n

    def api_usage(self) -> ApiUsage:
        return ApiUsage(dict(self.usage.calls), self.usage.rate_limited, self.usage.retries,
                        dict(self.usage.statuses),
                        headroom={"10s": Headroom(self.limiter.headroom(), self.limiter.max_calls)})
