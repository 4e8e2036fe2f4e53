"""Tax ids and bank details pass the same checks a finance system would run."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from schwifty import BIC, IBAN
from stdnum.de import vat as de_vat
from stdnum.gb import vat as gb_vat
from stdnum.id import npwp
from stdnum.nl import btw
from stdnum.sg import uen
from stdnum.us import ein

from ledgersim.schema import table
from ledgersim.world.identity import BANKS, bank_details, company_accounts, tax_ids

VALIDATORS = {"US": (ein, "us_ein"), "ID": (npwp, "id_npwp"), "DE": (de_vat, "de_vat"),
              "GB": (gb_vat, "gb_vat"), "NL": (btw, "nl_vat"), "SG": (uen, "sg_uen")}
IBAN_COUNTRIES = ("DE", "GB", "NL")


@pytest.mark.parametrize("country", sorted(VALIDATORS))
def test_tax_ids_valid_and_distinct(country: str) -> None:
    module, type_name = VALIDATORS[country]
    ids, kind = tax_ids(country, np.random.default_rng(11), 3_000)
    assert kind == type_name
    assert ids.shape == (3_000,)
    invalid = [v for v in ids.tolist() if not module.is_valid(v)]
    assert not invalid, invalid[:5]
    assert len(set(ids.tolist())) == ids.size


@pytest.mark.parametrize("country", sorted(VALIDATORS))
def test_tax_ids_from_global_index_are_unique_across_calls(country: str) -> None:
    module, _ = VALIDATORS[country]
    index = np.arange(40_000, dtype=np.int64)
    parts = [tax_ids(country, np.random.default_rng(p), 2_000, index=chunk)[0]
             for p, chunk in enumerate(np.split(index, 20))]
    ids = np.concatenate(parts).tolist()
    assert len(set(ids)) == len(ids)
    assert all(module.is_valid(v) for v in ids)


def test_tax_ids_formats() -> None:
    rng = np.random.default_rng(3)
    assert tax_ids("US", rng, 1)[0][0][2] == "-"
    assert tax_ids("DE", rng, 1)[0][0].startswith("DE")
    assert tax_ids("GB", rng, 1)[0][0].startswith("GB ")
    nl = tax_ids("NL", rng, 1)[0][0]
    assert nl.startswith("NL") and nl.endswith("B01")
    assert len(tax_ids("ID", rng, 1)[0][0]) == len("01.312.166.0-091.000")
    with pytest.raises(ValueError):
        tax_ids("FR", rng, 1)


def test_tax_ids_deterministic() -> None:
    a = tax_ids("GB", np.random.default_rng(5), 100)[0]
    b = tax_ids("GB", np.random.default_rng(5), 100)[0]
    assert np.array_equal(a, b)


@pytest.mark.parametrize("country", sorted(BANKS))
def test_bank_details(country: str) -> None:
    names, accounts, bics = bank_details(country, np.random.default_rng(21), 400)
    assert names.shape == accounts.shape == bics.shape == (400,)
    by_name = {b.name: b for b in BANKS[country]}
    assert set(names.tolist()) <= set(by_name)
    for name, account, bic in zip(names.tolist(), accounts.tolist(), bics.tolist()):
        assert len(bic) in (8, 11)
        parsed_bic = BIC(bic)  # raises on a malformed BIC
        assert parsed_bic.country_code == country
        if country in IBAN_COUNTRIES:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # an unverified national checksum fails too
                iban = IBAN(account, validate_bban=True)
            assert iban.country_code == country
            assert iban.bank_code == by_name[name].bank_code
            assert iban.bic is not None and str(iban.bic)[:8] == bic[:8]
        else:
            bank = by_name[name]
            assert bic == bank.bic
            assert account.isdigit() and len(account) == len(bank.account)
            assert account[0] != "0" or bank.account[0] == "0"


def test_indonesian_account_lengths() -> None:
    names, accounts, _ = bank_details("ID", np.random.default_rng(8), 600)
    lengths = {"Bank Central Asia (BCA)": 10, "Bank Mandiri": 13,
               "Bank Rakyat Indonesia (BRI)": 15, "Bank Negara Indonesia (BNI)": 10}
    for name, account in zip(names.tolist(), accounts.tolist()):
        if name in lengths:
            assert len(account) == lengths[name], (name, account)
    assert {"CENAIDJA", "BMRIIDJA", "BRINIDJA", "BNINIDJA"} <= {b.bic for b in BANKS["ID"]}


def test_bank_details_deterministic() -> None:
    a = bank_details("DE", np.random.default_rng(4), 50)
    b = bank_details("DE", np.random.default_rng(4), 50)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_company_accounts_schema_and_content() -> None:
    accounts = company_accounts(42)
    assert accounts.schema.equals(table("bank_accounts").schema)
    rows = {r["currency"]: r for r in accounts.to_pylist()}
    assert set(rows) == {"USD", "EUR", "GBP", "IDR", "SGD"}
    expected_country = {"USD": "US", "EUR": "DE", "GBP": "GB", "IDR": "ID", "SGD": "SG"}
    for currency, row in rows.items():
        assert row["country"] == expected_country[currency]
        assert row["account_id"] == f"ACC-{currency}-001"
        assert row["account_number"]
        assert len(row["bic"]) in (8, 11)
        if row["country"] in IBAN_COUNTRIES:
            iban = IBAN(row["iban"], validate_bban=True)
            assert iban.account_code == row["account_number"]
        else:
            assert row["iban"] is None
    assert rows["IDR"]["bic"] == "CENAIDJA" and rows["SGD"]["bic"] == "DBSSSGSG"
    assert len(set(accounts.column("account_id").to_pylist())) == accounts.num_rows


def test_company_accounts_deterministic() -> None:
    assert company_accounts(7).equals(company_accounts(7))
    assert not company_accounts(7).equals(company_accounts(8))
