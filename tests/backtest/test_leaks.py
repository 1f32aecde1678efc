"""Warnings about columns whose relationship to the outcome is too good to be true."""

import random

from connector.backtest.candidates import derive
from connector.backtest.leaks import suspects
from connector.scoring.types import Lead
from tests.backtest.synthetic import NOW, history


def test_a_column_that_tells_the_outcome_is_flagged():
    rng = random.Random(3)
    outcomes = [rng.randint(0, 1) for _ in range(400)]
    notes = ["Closed" if y else rng.choice(["Ringing", "Busy"]) for y in outcomes]
    leads = [Lead(str(i), {"tags": t, "country": rng.choice(["India", "UAE"])}) for i, t in enumerate(notes)]
    found = suspects(derive(leads, [NOW] * 400), leads, [NOW] * 400, outcomes)
    assert len(found) == 1
    assert found[0].startswith("property 'tags' is too good to be true (alone it ranks leads with ROC AUC 1.00")
    assert "list its column under [post_contact]" in found[0]


def test_honest_columns_are_not_flagged():
    leads, outcomes = history()
    assert suspects(derive(leads, [NOW] * len(leads)), leads, [NOW] * len(leads), outcomes) == []


def test_an_identifier_is_not_mistaken_for_a_leak():
    rng = random.Random(5)
    outcomes = [rng.randint(0, 1) for _ in range(300)]
    leads = [Lead(str(i), {"prospect_id": f"id-{i}", "n": str(i)}) for i in range(300)]
    assert suspects(derive(leads, [NOW] * 300), leads, [NOW] * 300, outcomes) == []
