#!/usr/bin/env python3
"""Benchmark the scoring core: 1,000,000 generated leads × 5 events on the default model.

Leads are generated and scored in a stream of chunks (never all in memory), on one core.
Prints leads per second for scoring alone (wall clock and CPU time) and end to end (generation
included), and the
peak resident memory after 100,000 and after all leads, to show memory does not grow with the
number of leads.

    .venv/bin/python bench/bench_scoring.py [--leads N] [--model PATH]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.scoring import Event, Lead, load_model, score_lead  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
CHUNK = 10_000

TITLES = ["VP Sales", "Marketing Manager", "CEO", "Software Engineer", "Head of RevOps", "Student",
          "Director of Demand Gen", "Account Executive", "", "n/a", "Founder & CEO", "Sales Ops Analyst"]
SIZES = ["1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+", "250", "12000", "", "n/a"]
INDUSTRIES = ["Computer Software", "Retail", "Financial Services", "Internet", "Education", "", "Hospital & Health Care"]
COUNTRIES = ["United States", "Germany", "India", "United Kingdom", "Brazil", "FR", ""]
DOMAINS = ["acme.io", "gmail.com", "globex.com", "rivalcrm.com", "initech.de", "yahoo.com", "umbrella.co.uk"]
REVENUES = ["", "5000000", "25000000", "1.2M", "$80,000,000"]
EVENTS = [
    ("page_view", {"url": "https://example.com/pricing"}),
    ("page_view", {"url": "https://example.com/blog/scoring"}),
    ("page_view", {"url": "https://example.com/demo"}),
    ("page_view", {"url": "https://example.com/careers"}),
    ("visit", {}),
    ("form_submission", {"form": "Request a demo"}),
    ("form_submission", {"form": "Newsletter signup"}),
    ("email_open", {"campaign": "Nurture 3"}),
    ("email_click", {"campaign": "Nurture 3", "url": "https://example.com/pricing"}),
    ("email_reply", {}),
    ("meeting_booked", {"outcome": "SCHEDULED"}),
    ("meeting_held", {"outcome": "COMPLETED"}),
    ("content_download", {"asset": "State of RevOps 2026"}),
    ("unsubscribe", {}),
    ("email_bounce", {}),
]


def generate(count: int, seed: int = 7) -> Iterator[list[Lead]]:
    """`count` varied leads with 5 events each, in chunks of CHUNK."""
    rng = random.Random(seed)
    choice, randint = rng.choice, rng.randint
    chunk: list[Lead] = []
    for i in range(count):
        events = tuple(
            Event(kind, NOW - timedelta(minutes=randint(0, 180 * 24 * 60)), attrs, 1 if randint(0, 3) else 3)
            for kind, attrs in (choice(EVENTS) for _ in range(5))
        )
        properties = {
            "jobtitle": choice(TITLES),
            "numemployees": choice(SIZES),
            "industry": choice(INDUSTRIES),
            "country": choice(COUNTRIES),
            "email": f"lead{i}@{choice(DOMAINS)}",
            "annualrevenue": choice(REVENUES),
            "company": choice(("Acme", "", "Globex")),
        }
        chunk.append(Lead(str(i), properties, events, choice(("lead", "subscriber", None))))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--model", type=Path, default=ROOT / "config" / "scoring.toml")
    args = parser.parse_args()
    model = load_model(args.model)
    print(f"model {model.name} {model.version}: {len(model.fit_rules)} fit rules, "
          f"{len(model.engagement_rules)} engagement rules; {args.leads:,} leads × 5 events")

    gc.collect()
    scored = 0
    scoring_seconds = 0.0
    scoring_cpu = 0.0
    hot = 0
    rss_at_100k = None
    started = time.perf_counter()
    for chunk in generate(args.leads):
        t0, c0 = time.perf_counter(), time.process_time()
        for lead in chunk:
            result = score_lead(lead, model, NOW)
            hot += result.label == "hot"
        scoring_seconds += time.perf_counter() - t0
        scoring_cpu += time.process_time() - c0
        scored += len(chunk)
        if rss_at_100k is None and scored >= 100_000:
            rss_at_100k = peak_rss_mb()
    total_seconds = time.perf_counter() - started

    print(f"scoring only : {scored / scoring_seconds:>10,.0f} leads/s ({scoring_seconds:.1f} s wall)")
    print(f"scoring only : {scored / scoring_cpu:>10,.0f} leads per CPU second ({scoring_cpu:.1f} s on one core; "
          "the same unless other processes compete for the core)")
    print(f"end to end   : {scored / total_seconds:>10,.0f} leads/s ({total_seconds:.1f} s, generation included)")
    if rss_at_100k is not None:
        print(f"peak RSS     : {rss_at_100k:.1f} MB after 100,000 leads, {peak_rss_mb():.1f} MB after {scored:,}")
    else:
        print(f"peak RSS     : {peak_rss_mb():.1f} MB after {scored:,}")
    print(f"hot leads    : {hot:,} ({hot / scored:.1%})")


if __name__ == "__main__":
    main()
