"""Fault profiles: the sandbox misbehaving the way production does, at random under a seed so that
a failing run can be replayed (the same seed and the same request order give the same faults).

A profile is a name, `key=value` pairs, or both: `flaky`, `flaky,seed=3`,
`rate_429=0.1,retry_after=2,rate_5xx=0.05`. Keys:

- `rate_429`: share of requests answered 429 (TEN_SECONDLY_ROLLING body); `retry_after`: seconds
  to send as `Retry-After` on those (HubSpot does not document one; absent unless set);
- `rate_5xx`: share answered 500, 502, 503 or 504 (502-504 with an HTML body, as HubSpot's edge);
- `rate_slow`: share answered after `slow_seconds`;
- `rate_drop`: share whose connection drops mid-response, after the request took effect;
- `rate_reset`: share whose connection is closed before the request is processed (no answer,
  no effect; logged with status 0);
- `rate_partial`: share of batch reads/updates answered 207 with some inputs failed (not applied);
- `token_expires_after`: the token is refused (401) after this many requests;
- `search_lag_seconds`: overrides the portal's search index lag (objects modified less than this
  long ago are not yet found by search; the portal's own lag is on by default, see
  connector.sandbox.hubspot.sandbox; docs/crm-api-facts.md, HubSpot › Search);
- `seed`: the random seed (default 0).
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields, replace

from connector.errors import UserError

PROFILES = {
    "none": {},
    "flaky": {"rate_429": 0.05, "rate_5xx": 0.04, "rate_slow": 0.02, "slow_seconds": 0.5, "rate_drop": 0.02,
              "rate_reset": 0.01, "rate_partial": 0.05},
    "rate-limited": {"rate_429": 0.25},
    "unstable": {"rate_5xx": 0.15, "rate_drop": 0.05, "rate_reset": 0.03},
    "slow": {"rate_slow": 0.3, "slow_seconds": 1.0},
    "partial": {"rate_partial": 0.3},
}


@dataclass(frozen=True)
class FaultProfile:
    seed: int = 0
    rate_429: float = 0.0
    retry_after: float | None = None
    rate_5xx: float = 0.0
    rate_slow: float = 0.0
    slow_seconds: float = 2.0
    rate_drop: float = 0.0
    rate_reset: float = 0.0
    rate_partial: float = 0.0
    token_expires_after: int | None = None
    search_lag_seconds: float | None = None  # None: the portal's own lag

    @classmethod
    def parse(cls, spec: str | dict | FaultProfile | None) -> FaultProfile:
        if spec is None:
            return cls()
        if isinstance(spec, FaultProfile):
            return spec
        if isinstance(spec, dict):
            return cls._build({}, spec)
        values: dict[str, object] = {}
        base: dict[str, object] = {}
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            if "=" in part:
                key, value = (s.strip() for s in part.split("=", 1))
                values[key] = value
            elif part in PROFILES:
                base.update(PROFILES[part])
            else:
                raise UserError(f"unknown fault profile {part!r}; fix: use one of {', '.join(PROFILES)} "
                                "or key=value pairs (rate_429=0.1,rate_5xx=0.05,...)")
        return cls._build(base, values)

    @classmethod
    def _build(cls, base: dict[str, object], values: dict[str, object]) -> FaultProfile:
        known = {f.name: f for f in fields(cls)}
        merged = {**base, **values}
        out: dict[str, object] = {}
        for key, value in merged.items():
            if key not in known:
                raise UserError(f"unknown fault setting {key!r}; fix: use one of {', '.join(known)}")
            if value is None or value == "":
                out[key] = None
                continue
            try:
                out[key] = int(value) if key in ("seed", "token_expires_after") else float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise UserError(f"fault setting {key}={value!r} is not a number") from None
        return replace(cls(), **out)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def active(self) -> bool:
        return self != FaultProfile(seed=self.seed)


@dataclass(frozen=True)
class Fault:
    kind: str  # "reset", "429", "5xx", "slow", "drop", "partial"
    status: int = 0


class FaultInjector:
    """Draws a fault (or none) for each request, in order, from the profile's seeded random."""

    def __init__(self, profile: FaultProfile) -> None:
        self.set(profile)

    def set(self, profile: FaultProfile) -> None:
        self.profile = profile
        self._random = random.Random(profile.seed)
        self._lock = threading.Lock()
        self.requests = 0

    def token_expired(self) -> bool:
        limit = self.profile.token_expires_after
        return limit is not None and self.requests >= limit

    def draw(self, batch: bool) -> list[Fault]:
        """The faults for one authenticated request: a reset, or at most one of 429/5xx, plus slow,
        drop or partial. Draws happen in a fixed order so that a seed replays the same faults."""
        p = self.profile
        with self._lock:
            self.requests += 1
            rolls = [self._random.random() for _ in range(5)]
            status_roll = self._random.choice((500, 502, 503, 504))
            reset_roll = self._random.random() if p.rate_reset else 1.0
        if reset_roll < p.rate_reset:
            return [Fault("reset")]
        out: list[Fault] = []
        if rolls[0] < p.rate_429:
            return [Fault("429", 429)]
        if rolls[1] < p.rate_5xx:
            return [Fault("5xx", status_roll)]
        if rolls[2] < p.rate_slow:
            out.append(Fault("slow"))
        if batch and rolls[4] < p.rate_partial:
            out.append(Fault("partial"))
        elif rolls[3] < p.rate_drop:
            out.append(Fault("drop"))
        return out

    def partial_split(self, ids: list[str]) -> set[str]:
        """Which of a batch's ids fail in a partial result: about half, at least one."""
        with self._lock:
            failed = {i for i in ids if self._random.random() < 0.5}
            if ids and not failed:
                failed = {self._random.choice(ids)}
        return failed
