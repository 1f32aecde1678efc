import random
import threading
import time

import pytest

from connector.crm.errors import CallsStopped, CrmAuthError, CrmUnavailable
from connector.crm.retry import RetryPolicy, Verdict


class Flaky(Exception):
    pass


class Refused(Exception):
    pass


class Denied(Exception):
    pass


def classify(exc):
    if isinstance(exc, Flaky):
        return Verdict(retry=True, wait=getattr(exc, "wait", None), reason="503 Service Unavailable")
    if isinstance(exc, Denied):
        return Verdict(fatal=CrmAuthError("token rejected"), reason="401")
    return Verdict()


def policy(**kw):
    sleeps = []
    retried = []
    p = RetryPolicy(classify, sleep=sleeps.append, rng=random.Random(1),
                    on_retry=retried.append, service="HubSpot", **kw)
    return p, sleeps, retried


def failing(times, exc_factory=Flaky):
    calls = {"n": 0}

    def fn():
        calls["n"] += 1
        if calls["n"] <= times:
            raise exc_factory()
        return "done"

    return fn, calls


def test_transient_failures_are_retried_until_success():
    p, sleeps, retried = policy(attempts=4)
    fn, calls = failing(2)
    assert p.call(fn, what="POST /search") == "done"
    assert calls["n"] == 3 and len(sleeps) == 2 and len(retried) == 2


def test_backoff_grows_with_jitter_and_is_capped():
    p, _, _ = policy(base_wait=1.0, max_wait=8.0)
    waits = [p.backoff(n, None) for n in range(1, 12)]
    assert all(0 <= w <= min(8.0, 2 ** (n - 1)) for n, w in zip(range(1, 12), waits))
    assert len(set(waits)) > 5


def test_server_wait_hint_is_the_least_wait():
    p, sleeps, _ = policy(base_wait=0.5)

    def fn(state={"n": 0}):
        state["n"] += 1
        if state["n"] == 1:
            err = Flaky()
            err.wait = 10.0
            raise err
        return "ok"

    p.call(fn, what="GET /x")
    assert 10.0 <= sleeps[0] <= 10.5


def test_after_the_last_attempt_the_run_stops_saying_why():
    p, sleeps, _ = policy(attempts=3)
    fn, calls = failing(10)
    with pytest.raises(CrmUnavailable) as err:
        p.call(fn, what="POST /crm/v3/objects/contacts/batch/update")
    assert calls["n"] == 3
    message = str(err.value)
    assert "gave up after 3 attempts" in message
    assert "503 Service Unavailable" in message
    assert "POST /crm/v3/objects/contacts/batch/update" in message


def test_fatal_errors_stop_at_once_without_retry():
    p, sleeps, _ = policy()
    fn, calls = failing(5, Denied)
    with pytest.raises(CrmAuthError, match="token rejected"):
        p.call(fn, what="GET /x")
    assert calls["n"] == 1 and sleeps == []


def test_other_errors_pass_through_untouched():
    p, sleeps, _ = policy()
    fn, calls = failing(5, Refused)
    with pytest.raises(Refused):
        p.call(fn, what="GET /x")
    assert calls["n"] == 1 and sleeps == []


class Lost(Exception):
    """The connection dropped after the request was sent."""


def classify_lost(exc):
    if isinstance(exc, Lost):
        return Verdict(retry=True, ambiguous=True, reason="connection lost")
    return classify(exc)


def lost_policy(**kw):
    return RetryPolicy(classify_lost, sleep=lambda s: None, rng=random.Random(1), **kw)


def test_after_a_lost_answer_the_recheck_answers_for_the_call_when_nothing_is_left():
    sent, rechecked = [], []

    def fn():
        sent.append(1)
        raise Lost()

    assert lost_policy().call(fn, what="POST /batch/update",
                              recheck=lambda: rechecked.append(1) or "all applied") == "all applied"
    assert (len(sent), len(rechecked)) == (1, 1)


def test_after_a_lost_answer_the_next_attempt_sends_what_the_recheck_left():
    todo = ["1", "2", "3"]
    bodies = []

    def fn():
        bodies.append(list(todo))
        if len(bodies) == 1:
            raise Lost()
        return "done"

    def recheck():
        todo.remove("2")  # the CRM holds lead 2's values already
        return None

    assert lost_policy().call(fn, what="write", recheck=recheck) == "done"
    assert bodies == [["1", "2", "3"], ["1", "3"]]


def test_a_failure_that_was_not_ambiguous_is_retried_without_a_recheck():
    rechecked = []
    fn, calls = failing(1)
    assert lost_policy().call(fn, what="write", recheck=lambda: rechecked.append(1)) == "done"
    assert rechecked == [] and calls["n"] == 2


def test_a_recheck_that_fails_is_done_again_before_anything_is_resent():
    outcomes = iter([Lost(), None])
    rechecks = iter([Flaky(), "held"])
    sent = []

    def fn():
        sent.append(1)
        raise next(outcomes)

    def recheck():
        outcome = next(rechecks)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert lost_policy().call(fn, what="write", recheck=recheck) == "held"
    assert sent == [1]


def test_stop_ends_a_long_wait_between_attempts_and_starts_no_other_attempt():
    p = RetryPolicy(classify, rng=random.Random(1))
    fn, calls = failing(5, lambda: _flaky_with_wait(30.0))
    threading.Timer(0.2, p.stop).start()
    began = time.monotonic()
    with pytest.raises(CallsStopped):
        p.call(fn, what="POST /search")
    assert time.monotonic() - began < 5 and calls["n"] == 1


def _flaky_with_wait(seconds):
    exc = Flaky()
    exc.wait = seconds
    return exc
