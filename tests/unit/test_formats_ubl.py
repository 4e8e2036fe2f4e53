"""UBL parties: electronic addresses from tax ids, GLNs, sellers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from stdnum import ean

from ledgersim.io.formats.ubl import EAS, SELLERS, endpoints, gln, sellers


def test_glns_carry_a_valid_gs1_check_digit() -> None:
    values = gln(np.array(["000000001", "123456789", "999999999"]))
    assert all(len(v) == 13 and v.startswith("899") and ean.is_valid(v) for v in values)


def test_endpoints_follow_the_eas_list() -> None:
    ids = pa.array(["DE123456789", "GB 123 4567 89", "NL123456789B01", "201912345K", "12-3456789",
                    "01.234.567.8-901.000"])
    kinds = pa.array(["de_vat", "gb_vat", "nl_vat", "sg_uen", "us_ein", "id_npwp"])
    value, scheme = endpoints(ids, kinds)
    assert scheme.to_pylist() == [EAS[k] for k in kinds.to_pylist()]
    assert value.to_pylist()[:5] == ["DE123456789", "GB123456789", "NL123456789B01", "SGUEN201912345K",
                                     "123456789"]
    assert ean.is_valid(value[5].as_py()) and value[5].as_py().startswith("899012345678")


def test_sellers_are_deterministic_per_seed() -> None:
    a, b, c = sellers(7), sellers(7), sellers(8)
    assert a.equals(b) and not a.equals(c)
    assert a["country"].to_pylist() == list(SELLERS)
