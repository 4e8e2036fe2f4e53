"""The product catalog: one list per division, prices in USD."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ledgersim import frames
from ledgersim.reference import csv_rows


def products() -> pa.Table:
    rows = csv_rows("products.csv")
    return frames.build("products", {
        "product_id": [r["product_id"] for r in rows],
        "division": [r["division"] for r in rows],
        "name": [r["name"] for r in rows],
        "unit": [r["unit"] for r in rows],
        "list_price": np.array([round(float(r["list_price_usd"]) * 100) for r in rows], dtype=np.int64),
        "currency": ["USD"] * len(rows),
    })
