"""Customer tax ids and bank details in each country's real format, plus the company's accounts.

Tax ids are built with python-stdnum's own check-digit helpers, IBANs with schwifty against
real bank codes (BICs come from schwifty's bank registry), so every value passes the checks
a finance system would run. Countries without IBANs (US, ID, SG) use real banks, their
real BICs and account numbers of the length that bank uses.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn
from stdnum.gb import vat as gb_vat
from stdnum.id import npwp
from stdnum.iso7064 import mod_11_10
from stdnum.nl import bsn
from stdnum.sg import uen
from stdnum.us import ein

from ledgersim.reference import yaml_data
from ledgersim.rng import rng as keyed_rng
from ledgersim.schema import table

# --------------------------------------------------------------------------- tax ids

TAX_ID_TYPES: dict[str, str] = {
    "US": "us_ein", "ID": "id_npwp", "DE": "de_vat", "GB": "gb_vat", "NL": "nl_vat", "SG": "sg_uen",
}

# EIN prefixes the IRS assigns (stdnum checks the prefix against its campus table).
_EIN_PREFIXES = (
    10, 12, 20, 26, 27, 30, 32, 33, 35, 36, 37, 38, 39, 41, 42, 43, 45, 46, 47, 48, 51, 52, 54,
    55, 56, 57, 58, 59, 61, 62, 63, 64, 65, 66, 68, 71, 72, 73, 74, 75, 76, 77, 81, 82, 83, 84,
    85, 86, 87, 88, 91, 92, 93, 94, 95, 98, 99,
)
_UEN_FIRST_YEAR, _UEN_YEARS = 1975, 48  # ROC numbers registered 1975-2022


def _us_ein(k: int, rng: np.random.Generator) -> str:
    """EIN: assigned prefix + 7-digit serial (no check digit), shown as NN-NNNNNNN."""
    prefix, serial = divmod(k, 10**7)
    return ein.format(f"{_EIN_PREFIXES[prefix]:02d}{serial:07d}")


def _id_npwp(k: int, rng: np.random.Generator) -> str:
    """NPWP (15-digit form): corporate type 01-03, 6-digit serial, Luhn digit, tax office, 000."""
    kind, serial = divmod(k, 10**6)
    head = f"{kind + 1:02d}{serial:06d}"
    office = int(rng.integers(1, 1000))
    return npwp.format(f"{head}{luhn.calc_check_digit(head)}{office:03d}000")


def _de_vat(k: int, rng: np.random.Generator) -> str:
    """USt-IdNr: DE + 8 digits (first non-zero) + ISO 7064 mod 11,10 check digit."""
    body = str(10**7 + k)
    return f"DE{body}{mod_11_10.calc_check_digit(body)}"


def _gb_vat(k: int, rng: np.random.Generator) -> str:
    """GB VAT: 7 digits + 2 check digits making the weighted sum 0 (mod 97) or 55 (mod 9755)."""
    body = str(10**6 + k)
    target = 55 if rng.random() < 0.5 else 0
    check = (target - gb_vat.checksum(body + "00")) % 97
    return "GB " + gb_vat.format(f"{body}{check:02d}")


def _nl_vat(k: int, rng: np.random.Generator) -> str:
    """Dutch btw-id of a legal entity: NL + RSIN (11-proof) + B01.

    The 7 leading RSIN digits encode ``k``; the last two are solved together: of the ten
    choices for the 8th digit at most one needs a check digit of 10, so one always works.
    """
    body = str(10**6 + k)
    for eighth in "0123456789":
        check = bsn.checksum(body + eighth + "0")  # weighted sum mod 11 = the needed last digit
        if check < 10:
            return f"NL{body}{eighth}{check}B01"
    raise AssertionError("unreachable: an RSIN check digit always exists")


def _sg_uen(k: int, rng: np.random.Generator) -> str:
    """UEN of a local company (ROC): year of registration + 5-digit serial + check letter."""
    year, serial = divmod(k, 10**5)
    head = f"{_UEN_FIRST_YEAR + year}{serial:05d}"
    return head + uen.calc_local_company_check_digit(head)


# builder and size of the space of distinct identifying bodies ``k`` per country
_TAX_BUILDERS: dict[str, tuple[Callable[[int, np.random.Generator], str], int]] = {
    "US": (_us_ein, len(_EIN_PREFIXES) * 10**7),
    "ID": (_id_npwp, 3 * 10**6),
    "DE": (_de_vat, 9 * 10**7),
    "GB": (_gb_vat, 9 * 10**6),
    "NL": (_nl_vat, 9 * 10**6),
    "SG": (_sg_uen, _UEN_YEARS * 10**5),
}


@functools.cache
def _multiplier(space: int) -> int:
    """A fixed multiplier coprime with ``space``, for the index permutation."""
    a = 2_654_435_761 % space
    while math.gcd(a, space) != 1:
        a += 1
    return a


def tax_ids(country: str, rng: np.random.Generator, n: int,
            index: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """``n`` valid tax ids for ``country`` and the id type name (``us_ein``, ``de_vat``, ...).

    Ids are distinct within one call. Pass ``index`` (the customers' global indices) to make
    them distinct across calls too: the identifying part is then a fixed permutation of the
    index (unique while indices stay below the country's id space, at least 3 million).
    """
    country = country.upper()
    if country not in _TAX_BUILDERS:
        raise ValueError(f"no tax id format for country {country!r}")
    build, space = _TAX_BUILDERS[country]
    if index is None:
        bodies = rng.choice(space, size=n, replace=False)
    else:
        idx = np.asarray(index, dtype=np.int64) % space
        if idx.shape != (n,):
            raise ValueError("index must have length n")
        bodies = (_multiplier(space) * idx + 7_919) % space  # < 2**60: no int64 overflow
    # per customer: stdnum's check-digit helpers work on one string at a time
    values = [build(int(k), rng) for k in bodies]
    return np.array(values, dtype=str).reshape(n), TAX_ID_TYPES[country]


# --------------------------------------------------------------------------- banks

@dataclass(frozen=True)
class Bank:
    """A real bank and how its account numbers look.

    Templates: ``N`` any digit, ``D`` a non-zero digit, ``C`` a check digit solved so that
    schwifty accepts the IBAN including the national checksum; other characters are literal.
    IBAN banks carry ``bank_code`` (and ``branch`` for GB sort codes) and get their BIC from
    schwifty's registry; the others carry their BIC here.
    """

    name: str
    country: str
    weight: float
    account: str
    bic: str = ""
    bank_code: str = ""
    branch: str = ""

    @property
    def has_iban(self) -> bool:
        return bool(self.bank_code)


def _load_banks() -> dict[str, tuple[Bank, ...]]:
    return {country: tuple(Bank(country=country, **row) for row in rows)
            for country, rows in yaml_data("banks.yaml").items()}


BANKS: dict[str, tuple[Bank, ...]] = _load_banks()

_MAX_TRIES = 64


@dataclass(frozen=True)
class _Account:
    bank: Bank
    bic: str
    account_number: str  # national account number, always set
    iban: str | None  # compact IBAN where the country uses them


def _fill(template: str, rng: np.random.Generator) -> list[str]:
    """The template with ``N``/``D`` replaced by random digits (``C`` left for the solver)."""
    chars = np.array(list(template))
    digits = rng.integers(0, 10, size=chars.size).astype(str)
    nonzero = rng.integers(1, 10, size=chars.size).astype(str)
    return np.where(chars == "N", digits, np.where(chars == "D", nonzero, chars)).tolist()


def _short_bic(bic: str) -> str:
    """``XXXXDEFFXXX`` names the head office, the same as the 8-character form."""
    return bic[:8] if len(bic) == 11 and bic.endswith("XXX") else bic


def _iban_account(bank: Bank, rng: np.random.Generator) -> _Account:
    """A schwifty-valid IBAN (national checksum included) at ``bank``, with its BIC."""
    check = bank.account.find("C")
    for _ in range(_MAX_TRIES):
        account = _fill(bank.account, rng)
        branch = "".join(_fill(bank.branch, rng))
        for digit in "0123456789" if check >= 0 else ("",):  # the check digit's candidates
            if digit:
                account[check] = digit
            try:
                iban = IBAN.generate(bank.country, bank.bank_code, "".join(account),
                                     branch_code=branch)
                iban.validate(validate_bban=True)
            except SchwiftyException:
                continue
            if iban.bic is None:
                raise LookupError(f"schwifty has no BIC for {bank.name} ({bank.bank_code})")
            return _Account(bank, _short_bic(str(iban.bic)), iban.account_code, str(iban))
    raise RuntimeError(f"no valid account found for {bank.name} after {_MAX_TRIES} tries")


def _account(bank: Bank, rng: np.random.Generator) -> _Account:
    if bank.has_iban:
        return _iban_account(bank, rng)
    return _Account(bank, bank.bic, "".join(_fill(bank.account, rng)), None)


def bank_details(country: str, rng: np.random.Generator,
                 n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bank_name, bank_account, bic) for ``n`` customers banking in ``country``.

    ``bank_account`` is the compact IBAN in DE, GB and NL and the national account number
    elsewhere. Banks are drawn by rough market share.
    """
    country = country.upper()
    if country not in BANKS:
        raise ValueError(f"no banks for country {country!r}")
    banks = BANKS[country]
    weights = np.array([b.weight for b in banks])
    picks = rng.choice(len(banks), size=n, p=weights / weights.sum())
    # per customer: schwifty builds and validates one IBAN at a time
    accounts = [_account(banks[int(i)], rng) for i in picks]
    names = np.array([a.bank.name for a in accounts], dtype=str).reshape(n)
    numbers = np.array([a.iban or a.account_number for a in accounts], dtype=str).reshape(n)
    bics = np.array([a.bic for a in accounts], dtype=str).reshape(n)
    return names, numbers, bics


# --------------------------------------------------------------------------- company

# The seller's own accounts: one per currency, at a fixed bank in the currency's country.
_COMPANY_BANKS: tuple[tuple[str, str, str], ...] = (
    ("USD", "US", "JPMorgan Chase Bank"),
    ("EUR", "DE", "Deutsche Bank"),
    ("GBP", "GB", "Barclays Bank"),
    ("IDR", "ID", "Bank Central Asia (BCA)"),
    ("SGD", "SG", "DBS Bank"),
)


def company_accounts(seed: int) -> pa.Table:
    """The simulated company's bank accounts, in the ``bank_accounts`` contract schema."""
    rng = keyed_rng(seed, "company_accounts")
    rows: dict[str, list[str | None]] = {name: [] for name in table("bank_accounts").schema.names}
    for currency, country, bank_name in _COMPANY_BANKS:
        bank = next(b for b in BANKS[country] if b.name == bank_name)
        acct = _account(bank, rng)
        rows["account_id"].append(f"ACC-{currency}-001")
        rows["bank_name"].append(bank.name)
        rows["bic"].append(acct.bic)
        rows["country"].append(country)
        rows["currency"].append(currency)
        rows["iban"].append(acct.iban)
        rows["account_number"].append(acct.account_number)
    return pa.Table.from_pydict(rows, schema=table("bank_accounts").schema)
