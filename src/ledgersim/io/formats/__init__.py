"""Files that real systems ingest, rendered from a dataset: bank statements (MT940, MT950,
camt.053.001.08) and e-invoices (UBL 2.1, Peppol BIS Billing 3.0).

The files are renderings of the dataset's tables: every bank line appears once, with its
``transaction_id`` as the bank reference, so the truth, NER spans and reconciliation gold
apply to them unchanged. Where a format's limits change a narrative (MT950 cuts it to 34
characters, SWIFT's character set has no ``&``), ``truncation.parquet`` next to the
statements records what the file holds instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ledgersim.io.formats.statements import (
    INDEX_FILE,
    PERIODS,
    TRUNCATION_FILE,
    FormatError,
    build_statements,
    load_dataset,
    prepare_output,
    write_outputs,
)

STATEMENT_FORMATS = ("mt940", "mt950", "camt053")
INVOICE_FORMATS = ("ubl",)

__all__ = ["FormatError", "INDEX_FILE", "INVOICE_FORMATS", "PERIODS", "STATEMENT_FORMATS", "TRUNCATION_FILE",
           "StatementsResult", "write_invoices", "write_statements"]


@dataclass(frozen=True)
class StatementsResult:
    """What :func:`write_statements` wrote: the statement index and the truncation record."""

    out: Path
    index: pa.Table
    truncation: pa.Table


def _check_choice(option: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise FormatError(f"{option}: unknown value {value!r}; use one of {', '.join(choices)}")


def write_statements(dataset: str | Path, out: str | Path, fmt: str, period: str = "month", *,
                     overwrite: bool = False, with_counterparty: bool = False) -> StatementsResult:
    """Render the dataset's bank transactions as one statement file per account and period.

    Writes ``OUT/<account_id>/<period>.<ext>``, ``OUT/truncation.parquet`` and, last,
    ``OUT/statements.parquet`` (one row per statement: balances, counts, sums, file).
    ``with_counterparty`` adds the payer to camt.053 entries; it reads ``truth/``.
    """
    _check_choice("--format", fmt, STATEMENT_FORMATS)
    _check_choice("--period", period, PERIODS)
    if with_counterparty and fmt != "camt053":
        raise FormatError(f"--with-counterparty: only camt053 carries the counterparty (got --format {fmt}); "
                          "drop the option or use --format camt053")
    root, target = Path(dataset), Path(out)
    sset = build_statements(root, period)
    prepare_output(target, overwrite, INDEX_FILE, root)
    if fmt == "camt053":
        from ledgersim.io.formats import camt053

        parties = camt053.payer_counterparties(root) if with_counterparty else None
        files, truncation = camt053.render(sset, target, parties)
    else:
        from ledgersim.io.formats import mt940

        files, truncation = mt940.render(sset, target, fmt[2:])
    index = write_outputs(target, sset, files, truncation)
    return StatementsResult(target, index, truncation)


def write_invoices(dataset: str | Path, out: str | Path, fmt: str = "ubl", *, overwrite: bool = False) -> pa.Table:
    """Render every invoice as a UBL 2.1 / Peppol BIS Billing 3.0 document; returns the index
    written last to ``OUT/invoices.parquet``."""
    _check_choice("--format", fmt, INVOICE_FORMATS)
    from ledgersim.io.formats import ubl

    root, target = Path(dataset), Path(out)
    manifest = load_dataset(root)
    return ubl.write(root, target, manifest, overwrite=overwrite)
