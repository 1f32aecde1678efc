from connector.crm.base import ContactScore
from connector.sync.rollup import BUFFER, ContactScores


def test_scores_come_back_by_id_the_latest_kept_and_the_unknown_left_out():
    scores = ContactScores()
    for n in range(BUFFER + 5):  # past one buffered insert
        scores.add(str(n), ContactScore(f"Contact {n}", n % 100))
    scores.add("3", ContactScore("Ada Lovelace", None))
    found = scores.get_many(["3", "1004", "4711"])
    scores.close()
    assert found == {"3": ContactScore("Ada Lovelace", None), "1004": ContactScore("Contact 1004", 4)}
