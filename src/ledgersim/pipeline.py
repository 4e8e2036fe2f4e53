"""One partition, start to finish: world -> observation -> tables.

``census`` and ``build_partition`` are pure functions of (plan, partition,
offsets); any engine may run them anywhere and get the same tables.
"""

from __future__ import annotations

import functools

import pyarrow as pa

from ledgersim.observe import narratives
from ledgersim.plan import Census, Offsets, Partition, Plan
from ledgersim.world import bank, catalog, contracts, customers, identity, invoices, payments, truth
from ledgersim.world.fx import fx_rates


@functools.cache
def _company_accounts(seed: int) -> bank.Accounts:
    return bank.Accounts(identity.company_accounts(seed))


def global_tables(plan: Plan) -> dict[str, pa.Table]:
    """Tables shared by all partitions."""
    return {
        "products": catalog.products(),
        "bank_accounts": _company_accounts(plan.seed).table,
        "fx_rates": fx_rates(plan).to_table(),
    }


def census(plan: Plan, part: Partition) -> Census:
    """Count what a partition issues, for global numbering (cheap first pass)."""
    cust = customers.generate(plan, part, with_identity=False)
    con = contracts.generate(plan, part, cust)
    inv, years, pos = contracts.census_counts(plan, con)
    return Census(inv, years, pos)


def build_partition(plan: Plan, part: Partition, off: Offsets) -> dict[str, pa.Table]:
    """Every partitioned table of one partition."""
    accounts = _company_accounts(plan.seed)
    cust = customers.generate(plan, part)
    con = contracts.generate(plan, part, cust)
    contracts.assign_ids(plan, con, off)
    inv, inv_tables = invoices.generate(plan, part, con, cust, off)
    pay = payments.generate(plan, part, cust, con, inv)
    lines = bank.assemble(plan, part, accounts, pay)
    text = narratives.render_partition(plan, part, accounts, lines, pay, cust, con, inv)
    return {
        "customers": cust.table,
        "customer_profiles": cust.profiles,
        **contracts.tables(plan, con, cust),
        **inv_tables,
        "bank_transactions": bank.transactions_table(lines, accounts, text.text),
        **truth.tables(lines, pay, cust, con, inv, text),
        "mentions": text.mentions,
        "aliases": truth.aliases(text.mentions),
    }
