from connector.crm.text import format_reasons, format_time
from connector.scoring.types import Reason
from tests.sync.test_diff import NOW, result


def test_reasons_are_one_signed_line_each():
    assert format_reasons(result()) == "+20 senior title: VP Sales\n-10 free email domain"


def test_times_are_iso_utc_with_milliseconds():
    assert format_time(NOW) == "2026-03-02T09:30:05.123Z"


def test_reasons_longer_than_a_property_holds_are_cut():
    long = result(reasons=tuple(Reason(f"r{i}", "fit", 1, "x" * 1000) for i in range(100)))
    assert len(format_reasons(long)) == 65_536
