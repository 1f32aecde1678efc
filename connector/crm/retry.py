"""The one retry policy for CRM calls (tenacity), shared by every adapter.

An adapter supplies a *classifier*: it looks at an exception and says whether to retry it (and
how long the server asked us to wait), to stop at once with a clear error, or to let it through.
The policy owns everything else: exponential backoff with full jitter, honouring the server's
wait hint, a bounded number of attempts, then a clean `CrmUnavailable` saying why.

Two more decisions live here, because they are about retrying:
- an *ambiguous* failure (the connection dropped after the request was sent, so the CRM may have
  applied it) of a call given a `recheck`: before the next attempt the policy calls `recheck`,
  which asks the CRM what it holds now and narrows what the next attempt sends (a batch write
  re-sends only the leads whose values still differ), or answers for the call when nothing is
  left to send. A write is never re-sent blindly after its answer was lost.
- `stop()`: no attempt starts after it and a wait between attempts ends at once
  (`CallsStopped`), so a shutdown whose time ran out aborts the calls in flight.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from connector.crm.errors import CallsStopped, CrmError, CrmUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Verdict:
    """What to do with one failed attempt.

    retry: try again; `wait` is the server's hint in seconds (Retry-After, a rate-limit window),
    used as the least wait. fatal: stop now with this error (a rejected token, a missing scope).
    Neither: re-raise the original exception to the caller untouched (an invalid request).
    ambiguous: the request may have reached the CRM and taken effect although no answer came
    back (a connection dropped or reset after sending, a read timeout).
    """

    retry: bool = False
    wait: float | None = None
    rate_limited: bool = False
    reason: str = ""
    fatal: CrmError | None = None
    ambiguous: bool = False


Classifier = Callable[[BaseException], Verdict]


class RetryPolicy:
    def __init__(
        self,
        classify: Classifier,
        *,
        attempts: int = 6,
        base_wait: float = 0.5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        on_retry: Callable[[Verdict], None] | None = None,
        service: str = "the CRM",
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.classify = classify
        self.attempts = attempts
        self.base_wait = base_wait
        self.max_wait = max_wait
        self.stopped = threading.Event()
        self.sleep = sleep or self.pause
        self.rng = rng or random.Random()
        self.on_retry = on_retry
        self.service = service

    def backoff(self, attempt: int, hint: float | None) -> float:
        """Full jitter over an exponential ceiling; never less than the server's hint."""
        ceiling = min(self.max_wait, self.base_wait * 2 ** (attempt - 1))
        jittered = self.rng.uniform(0, ceiling)
        if hint is not None:
            return min(max(hint, 0.0) + self.rng.uniform(0, self.base_wait), max(self.max_wait, hint))
        return jittered

    def pause(self, seconds: float) -> None:
        """Wait `seconds`, or until `stop()`."""
        self.stopped.wait(seconds)

    def stop(self) -> None:
        """Start no more attempts; end the waits between attempts now."""
        self.stopped.set()

    def check(self) -> None:
        """Raise CallsStopped once `stop()` was called."""
        if self.stopped.is_set():
            raise CallsStopped(
                f"the calls to {self.service} were stopped (the shutdown time ran out); nothing "
                "past the last saved checkpoint was lost, the next run resumes from it"
            )

    def call(self, fn: Callable[[], T], *, what: str,
             recheck: Callable[[], T | None] | None = None) -> T:
        """Run `fn` under the policy. `what` names the call in the error (e.g. an endpoint).
        `recheck` (a write's): after an ambiguous failure, called before the next attempt; it
        returns the call's result when nothing is left to send, else None (then `fn` is tried
        again, sending what `recheck` left)."""
        verdicts: dict[int, Verdict] = {}
        unsure = [False]  # an ambiguous failure not yet rechecked (a failed recheck stays unsure)

        def attempt() -> T:
            self.check()
            if recheck is not None and unsure[0]:
                log.info("%s: the answer was lost after sending; reading what the CRM holds "
                         "before sending again", what)
                result = recheck()
                unsure[0] = False
                if result is not None:
                    return result
            return fn()

        def should_retry(state: tenacity.RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            if exc is None or isinstance(exc, CallsStopped):
                return False
            verdict = self.classify(exc)
            verdicts[state.attempt_number] = verdict
            unsure[0] = unsure[0] or verdict.ambiguous
            return verdict.retry

        def wait(state: tenacity.RetryCallState) -> float:
            verdict = verdicts[state.attempt_number]
            return self.backoff(state.attempt_number, verdict.wait)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            verdict = verdicts[state.attempt_number]
            if self.on_retry:
                self.on_retry(verdict)
            log.warning(
                "%s: attempt %d failed (%s); retrying in %.1fs",
                what, state.attempt_number, verdict.reason,
                state.next_action.sleep if state.next_action else 0.0,
            )

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=wait,
            retry=should_retry,
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=False,
        )
        try:
            return retrying(attempt)
        except tenacity.RetryError as err:
            last = verdicts.get(err.last_attempt.attempt_number)
            reason = last.reason if last else "unknown error"
            raise CrmUnavailable(
                f"{self.service} kept failing on {what}: gave up after {self.attempts} attempts "
                f"(last: {reason}). Nothing past the last saved checkpoint was lost; "
                "run the sync again later."
            ) from None
        except Exception as exc:
            verdict = verdicts.get(_last_attempt(verdicts))
            if verdict is not None and verdict.fatal is not None and not isinstance(exc, CrmError):
                raise verdict.fatal from None
            raise


def _last_attempt(verdicts: dict[int, Verdict]) -> int:
    return max(verdicts) if verdicts else 0
