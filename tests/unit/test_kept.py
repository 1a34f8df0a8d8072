"""What a worker keeps between requests stays bounded: the oldest entry goes first."""
from app.kept import Kept


def test_a_full_memo_drops_its_oldest_entry_and_keeping_a_known_key_drops_nothing():
    kept = Kept(2)
    assert kept.keep("a", 1) == 1
    kept.keep("b", 2)
    kept.keep("a", 3)  # already there: replaced, nothing dropped
    assert kept == {"a": 3, "b": 2}
    kept.keep("c", 4)
    assert kept == {"b": 2, "c": 4}
