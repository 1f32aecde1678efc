import pytest

from connector.crm.ratelimit import RollingWindowLimiter


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(max_calls=3, interval=10.0, margin=0.0):
    t = FakeTime()
    return RollingWindowLimiter(max_calls, interval, margin=margin, clock=t.clock, sleep=t.sleep), t


def test_calls_within_the_limit_do_not_wait():
    lim, t = limiter()
    for _ in range(3):
        lim.acquire()
    assert t.sleeps == []


def test_the_call_over_the_limit_waits_until_the_oldest_leaves_the_window():
    lim, t = limiter()
    for _ in range(3):
        lim.acquire()
        t.now += 1
    lim.acquire()
    assert t.sleeps == [7.0]
    assert lim.waited == 7.0


def test_no_window_ever_holds_more_than_the_limit():
    lim, t = limiter(max_calls=5, interval=2.0, margin=0.0)
    sent = []
    for _ in range(40):
        lim.acquire()
        sent.append(t.now)
        t.now += 0.05
    for i, start in enumerate(sent):
        in_window = [s for s in sent[i:] if s < start + 2.0]
        assert len(in_window) <= 5


def test_margin_widens_the_window():
    lim, t = limiter(max_calls=1, interval=10.0, margin=0.02)
    lim.acquire()
    lim.acquire()
    assert t.sleeps == [pytest.approx(10.2)]


def test_headers_set_the_limit():
    lim, t = limiter(max_calls=100)
    lim.observe(max_calls=2, interval=1.0)
    lim.acquire()
    lim.acquire()
    lim.acquire()
    assert t.sleeps == [1.0]


def test_calls_made_by_other_apps_of_the_portal_shrink_our_share():
    lim, t = limiter(max_calls=10)
    lim.acquire()
    # The server says 5 remain after our single call: others used 4.
    lim.observe(max_calls=10, remaining=5)
    assert lim.headroom() == 5


def test_others_usage_is_forgotten_after_a_window():
    lim, t = limiter(max_calls=10)
    lim.observe(max_calls=10, remaining=2)
    assert lim.headroom() == 2
    t.now += 11
    assert lim.headroom() == 10
