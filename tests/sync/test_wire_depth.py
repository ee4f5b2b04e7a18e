"""wire.json_depth, the server's bound on how deeply a record body nests (checked before the body is
hashed or parsed). It carries only containers from level to level (issue 12, item 18: it ran over every
value of every record); its answer must be the one the plain level-by-level count gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.sync import wire


def plain_depth(value: Any, limit: int = wire.MAX_BODY_DEPTH) -> int:
    depth, frontier = 0, [value]
    while frontier and depth <= limit:
        nxt: list[Any] = []
        for item in frontier:
            if isinstance(item, dict):
                nxt.extend(item.values())
            elif isinstance(item, list):
                nxt.extend(item)
        if not nxt:
            return depth
        depth += 1
        frontier = nxt
    return depth


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(JSON, st.integers(min_value=0, max_value=9))
def test_depth_is_the_plain_count(value, limit):
    assert wire.json_depth(value, limit) == plain_depth(value, limit)


def test_known_depths_and_the_cap():
    assert [wire.json_depth(v) for v in (1, {}, [], {"a": 1}, {"a": {}}, {"a": [[]]}, [[[1]]])] == [0, 0, 0, 1, 1, 2, 3]
    deep: Any = 1
    for _ in range(10_000):
        deep = [deep]
    assert wire.json_depth(deep) == wire.MAX_BODY_DEPTH + 1
