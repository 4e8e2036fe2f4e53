"""JSON lines from Arrow: valid JSON, column order kept, money as text."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ledgersim.tasks.jsonl import encode, obj, to_bytes


def test_nested_rows_keep_key_order_money_and_dates_as_text() -> None:
    money = pa.decimal128(18, 2)
    items = pa.array([[{"n": "A", "amount": Decimal("10.50")}], []],
                     pa.list_(pa.struct([("n", pa.string()), ("amount", money)])))
    lines = obj({"id": pa.array(["x", "y"]), "day": pa.array([dt.date(2024, 1, 31), None]),
                 "amount": pa.array([Decimal("1250.00"), Decimal("-3.07")], money),
                 "ok": pa.array([True, False]), "n": pa.array([3, None], pa.int64()), "items": items})
    rows = [json.loads(x) for x in lines.to_pylist()]
    assert rows == [
        {"id": "x", "day": "2024-01-31", "amount": "1250.00", "ok": True, "n": 3,
         "items": [{"n": "A", "amount": "10.50"}]},
        {"id": "y", "day": None, "amount": "-3.07", "ok": False, "n": None, "items": []},
    ]
    assert list(rows[0]) == ["id", "day", "amount", "ok", "n", "items"]


@given(st.lists(st.text(), max_size=30))
def test_any_text_round_trips_one_line_per_row(texts: list[str]) -> None:
    data = to_bytes(encode(pa.table({"text": pa.array(texts, pa.string())})))
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert [json.loads(x)["text"] for x in lines[:-1]] == texts
