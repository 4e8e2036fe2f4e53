"""The reference a ledgersim benchmark is compared with: a synthetic finance
generator written the way most people write one.

Plain Python loops with Faker, one row at a time, no vectorisation, CSV files
written with the csv module. It makes customers, contracts, invoices and bank
lines with a narrative, in the row counts it is given (``bench/throughput.py``
passes the counts ledgersim produced for the same scenario), and nothing else:
no ground truth, no spans, no constraints checked, no database.

    python bench/faker_baseline.py --out DIR --customers 1000 --contracts 9000 \\
        --invoices 75000 --bank-transactions 100000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import time
from pathlib import Path

from faker import Faker

COUNTRIES = {"US": ("en_US", "USD"), "ID": ("id_ID", "IDR"), "DE": ("de_DE", "EUR"), "GB": ("en_GB", "GBP"),
             "NL": ("nl_NL", "EUR"), "SG": ("en_US", "SGD")}
PAYMENT_WORDS = ["PAYMENT", "PMT", "TRANSFER", "INV PAYMENT", "REMITTANCE"]
OTHER = ["BANK FEE", "SALARY", "TAX PAYMENT", "VENDOR PAYMENT", "INTERNAL TRANSFER", "INTEREST"]


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--contracts", type=int, required=True)
    ap.add_argument("--invoices", type=int, required=True)
    ap.add_argument("--bank-transactions", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(args.seed)
    Faker.seed(args.seed)
    fakers = {c: Faker(loc) for c, (loc, _) in COUNTRIES.items()}
    start, end = dt.date(2024, 1, 1), dt.date(2025, 12, 31)

    customers = []
    for i in range(args.customers):
        country = random.choice(list(COUNTRIES))
        fake = fakers[country]
        customers.append({
            "customer_id": f"CUS-{i + 1:05d}",
            "name": fake.company().upper(),
            "country": country,
            "currency": COUNTRIES[country][1],
            "address": fake.address().replace("\n", ", "),
            "email": fake.company_email(),
            "iban": fake.iban(),
        })

    contracts = []
    for i in range(args.contracts):
        customer = random.choice(customers)
        contracts.append({
            "contract_id": f"CNT-{i + 1:06d}",
            "customer_id": customer["customer_id"],
            "start_date": fakers["US"].date_between(start, end).isoformat(),
            "billing": random.choice(["monthly", "quarterly", "annual", "one_off"]),
            "currency": customer["currency"],
            "monthly_amount": round(random.uniform(100, 20000), 2),
        })

    invoices = []
    for i in range(args.invoices):
        contract = random.choice(contracts)
        issue = fakers["US"].date_between(start, end)
        net = round(random.uniform(100, 50000), 2)
        tax = round(net * random.choice([0.0, 0.09, 0.11, 0.19, 0.2, 0.21]), 2)
        invoices.append({
            "invoice_number": f"INV-{i + 1:07d}",
            "contract_id": contract["contract_id"],
            "customer_id": contract["customer_id"],
            "issue_date": issue.isoformat(),
            "due_date": (issue + dt.timedelta(days=30)).isoformat(),
            "currency": contract["currency"],
            "net_amount": net,
            "tax_amount": tax,
            "amount": round(net + tax, 2),
        })

    by_id = {c["customer_id"]: c for c in customers}
    bank = []
    for i in range(args.bank_transactions):
        if random.random() < 0.75:
            invoice = random.choice(invoices)
            customer = by_id[invoice["customer_id"]]
            amount = invoice["amount"]
            if random.random() < 0.2:  # paid short
                amount = round(amount * random.uniform(0.3, 1.0), 2)
            narrative = f"{random.choice(PAYMENT_WORDS)} {customer['name']} {invoice['invoice_number']}"
            if random.random() < 0.3:
                narrative += " " + fakers["US"].bothify("REF ####-????").upper()
            booking = dt.date.fromisoformat(invoice["due_date"]) + dt.timedelta(days=random.randint(-10, 40))
            currency = invoice["currency"]
        else:
            amount = -round(random.uniform(5, 30000), 2)
            narrative = f"{random.choice(OTHER)} {fakers['US'].company().upper()}"
            booking = fakers["US"].date_between(start, end)
            currency = random.choice(["USD", "EUR", "GBP", "IDR", "SGD"])
        bank.append({
            "transaction_id": f"BTX-{i + 1:012d}",
            "booking_date": booking.isoformat(),
            "amount": amount,
            "currency": currency,
            "direction": "C" if amount > 0 else "D",
            "narrative": narrative,
        })

    for name, rows in (("customers", customers), ("contracts", contracts), ("invoices", invoices),
                       ("bank_transactions", bank)):
        write_csv(out / f"{name}.csv", rows)
    rows = len(customers) + len(contracts) + len(invoices) + len(bank)
    print(json.dumps({"seconds_in_process": time.perf_counter() - started, "rows": rows,
                      "bank_transactions": len(bank)}))


if __name__ == "__main__":
    main()
