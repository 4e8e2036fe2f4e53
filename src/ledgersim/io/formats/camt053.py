"""ISO 20022 camt.053.001.08 bank-to-customer statements, one XML document per statement.

Element order follows the camt.053.001.08 schema: ``GrpHdr`` (``MsgId``, ``CreDtTm``), then
``Stmt`` (``Id``, ``ElctrncSeqNb``, ``CreDtTm``, ``FrToDt``, ``Acct``, ``Bal`` OPBD/CLBD,
``TxsSummry``, ``Ntry``...). Each ``Ntry`` holds ``Amt@Ccy``, ``CdtDbtInd``, ``Sts/Cd`` BOOK,
``BookgDt``, ``ValDt``, ``AcctSvcrRef`` (the dataset's transaction id), ``BkTxCd`` and
``NtryDtls/TxDtls`` with ``Refs`` (``EndToEndId`` NOTPROVIDED: payers send none in the
data), optionally the counterparty (``RltdPties``, ``RltdAgts``), and ``RmtInf/Ustrd``: the
narrative, in pieces of at most 140 characters split at blanks (``Ustrd`` repeats), so
nothing is cut.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ledgersim.io.formats import text as tx
from ledgersim.io.formats.statements import CREATION_TIME, StatementSet, truncation_table

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
USTRD_WIDTH = 140
END_TO_END_NONE = "NOTPROVIDED"
COUNTERPARTY_COLUMNS = ("transaction_id", "name", "account", "bic")


def split_remittance(text: str, width: int = USTRD_WIDTH) -> list[str]:
    """Pieces of at most ``width`` characters, split at a single blank (which is dropped);
    a run longer than ``width`` without blanks is cut hard. ``' '.join`` restores the text
    whenever every split found a blank."""
    pieces: list[str] = []
    while len(text) > width:
        at = next((i for i in range(width, 0, -1)
                   if text[i] == " " and text[i - 1] != " " and (i + 1 >= len(text) or text[i + 1] != " ")),
                  -1)
        if at <= 0:
            pieces.append(text[:width])
            text = text[width:]
        else:
            pieces.append(text[:at])
            text = text[at + 1:]
    if text:
        pieces.append(text)
    return pieces


def _ustrd(narrative: pa.Array) -> pa.Array:
    """``<Ustrd>`` elements per line (escaped); only narratives over 140 characters go through Python."""
    ind = " " * 14
    one = tx.cat(ind, "<Ustrd>", tx.xml_text(narrative), "</Ustrd>")
    length = np.asarray(pc.utf8_length(narrative).to_numpy(zero_copy_only=False))
    long_rows = np.flatnonzero(length > USTRD_WIDTH)
    if not len(long_rows):
        return one
    pieces = [split_remittance(t) for t in pc.take(narrative, pa.array(long_rows)).to_pylist()]
    flat = pa.array([p for ps in pieces for p in ps], pa.string())
    offsets = np.concatenate([[0], np.cumsum([len(ps) for ps in pieces])])
    many = tx.join_groups(tx.cat(ind, "<Ustrd>", tx.xml_text(flat), "</Ustrd>"), offsets, "\n")
    pos = np.zeros(len(narrative), dtype=np.int64)
    pos[long_rows] = np.arange(len(long_rows))
    mask = np.zeros(len(narrative), dtype=bool)
    mask[long_rows] = True
    return pc.if_else(pa.array(mask), many.take(pa.array(pos)), one)


def _account_id(iban: str | None, number: str | None) -> str:
    return f"<IBAN>{iban}</IBAN>" if iban else f"<Othr><Id>{number}</Id></Othr>"


def _related(lines: pa.Table, credit: np.ndarray, counterparties: pa.Table | None) -> pa.Array:
    """``RltdPties``/``RltdAgts`` per line: the payer of a credit (``Dbtr``), the payee of a
    debit (``Cdtr``); empty where no counterparty is given."""
    n = lines.num_rows
    if counterparties is None or not counterparties.num_rows or not n:
        return pa.array([""] * n, pa.string())
    pos = pc.index_in(lines["transaction_id"], value_set=counterparties["transaction_id"])
    has = np.asarray(pc.is_valid(pos).to_numpy(zero_copy_only=False), dtype=bool)
    take = pc.fill_null(pos, 0)
    name = tx.xml_text(counterparties["name"].take(take).fill_null(""))
    account = tx.strings(counterparties["account"].take(take)).fill_null("")
    bic = tx.strings(counterparties["bic"].take(take)).fill_null("")
    is_iban = pc.match_substring_regex(account, "^[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}$")
    acct_id = pc.if_else(is_iban, tx.cat("<IBAN>", account, "</IBAN>"), tx.cat("<Othr><Id>", account, "</Id></Othr>"))
    role = pa.array(np.where(credit, "Dbtr", "Cdtr"), pa.string())
    i12, i14 = " " * 12, " " * 14
    parties = tx.cat(i12, "<RltdPties>\n",
                     i14, "<", role, "><Pty><Nm>", name, "</Nm></Pty></", role, ">\n",
                     tx.when(pc.greater(pc.utf8_length(account), 0),
                             tx.cat(i14, "<", role, "Acct><Id>", acct_id, "</Id></", role, "Acct>\n")),
                     i12, "</RltdPties>\n")
    agents = tx.when(pc.greater(pc.utf8_length(bic), 0),
                     tx.cat(i12, "<RltdAgts>\n", i14, "<", role, "Agt><FinInstnId><BICFI>", bic,
                            "</BICFI></FinInstnId></", role, "Agt>\n", i12, "</RltdAgts>\n"))
    return tx.when(has, tx.cat(parties, agents))


def render(sset: StatementSet, out: Path, counterparties: pa.Table | None = None) -> tuple[list[str], pa.Table]:
    """Write one camt.053 document per statement; returns the files and the (empty) truncation record."""
    lines = sset.lines
    account = np.asarray(lines["account_id"].to_numpy(zero_copy_only=False)).astype(str)
    ccy = tx.strings(lines["currency"])
    amount = tx.amounts(sset.signed, sset.decimals(account), ".")
    cdi = pa.array(np.where(sset.credit, "CRDT", "DBIT"), pa.string())
    family = pa.array(np.where(sset.credit, "RCDT", "ICDT"), pa.string())
    booking = tx.dates(lines["booking_date"].to_numpy(), "%Y-%m-%d")
    value = tx.dates(lines["value_date"].to_numpy(), "%Y-%m-%d")
    ids = tx.xml_text(lines["transaction_id"])
    narrative = tx.strings(lines["narrative"]).fill_null("")
    rmt = tx.when(pc.greater(pc.utf8_length(narrative), 0),
                  tx.cat(" " * 12, "<RmtInf>\n", _ustrd(narrative), "\n", " " * 12, "</RmtInf>\n"))
    i6, i8, i10, i12 = (" " * k for k in (6, 8, 10, 12))
    amt = tx.cat('<Amt Ccy="', ccy, '">', amount, "</Amt>")
    entry = tx.cat(
        i6, "<Ntry>\n",
        i8, amt, "\n",
        i8, "<CdtDbtInd>", cdi, "</CdtDbtInd>\n",
        i8, "<Sts><Cd>BOOK</Cd></Sts>\n",
        i8, "<BookgDt><Dt>", booking, "</Dt></BookgDt>\n",
        i8, "<ValDt><Dt>", value, "</Dt></ValDt>\n",
        i8, "<AcctSvcrRef>", ids, "</AcctSvcrRef>\n",
        i8, "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>", family,
        "</Cd><SubFmlyCd>OTHR</SubFmlyCd></Fmly></Domn></BkTxCd>\n",
        i8, "<NtryDtls>\n",
        i10, "<TxDtls>\n",
        i12, "<Refs><AcctSvcrRef>", ids, "</AcctSvcrRef><EndToEndId>", END_TO_END_NONE, "</EndToEndId></Refs>\n",
        i12, amt, "\n",
        i12, "<CdtDbtInd>", cdi, "</CdtDbtInd>\n",
        _related(lines, sset.credit, counterparties),
        rmt,
        i10, "</TxDtls>\n",
        i8, "</NtryDtls>\n",
        i6, "</Ntry>\n",
    )
    entries = tx.join_groups(entry, sset.offsets, "").to_pylist()

    stmt = sset.statement_of_line
    k = len(sset)
    n_credit = np.bincount(stmt, weights=sset.credit.astype(np.int64), minlength=k).astype(np.int64)
    n_all = np.diff(sset.offsets)
    credit_sum = np.zeros(k, np.int64)
    debit_sum = np.zeros(k, np.int64)
    np.add.at(credit_sum, stmt[sset.credit], sset.signed[sset.credit])
    np.add.at(debit_sum, stmt[~sset.credit], -sset.signed[~sset.credit])
    dec = sset.decimals(sset.account_id)
    f_open, f_close = tx.amounts(sset.opening, dec, ".").to_pylist(), tx.amounts(sset.closing, dec, ".").to_pylist()
    f_cred, f_deb = tx.amounts(credit_sum, dec, ".").to_pylist(), tx.amounts(debit_sum, dec, ".").to_pylist()
    f_all = tx.amounts(credit_sum + debit_sum, dec, ".").to_pylist()
    f_net = tx.amounts(credit_sum - debit_sum, dec, ".").to_pylist()
    start = tx.dates(sset.start, "%Y-%m-%d").to_pylist()
    end = tx.dates(sset.end, "%Y-%m-%d").to_pylist()
    op_date = tx.dates(sset.opening_date, "%Y-%m-%d").to_pylist()
    sid = sset.statement_id()
    files: list[str] = []
    # One file per statement: a loop over statements (hundreds to a few thousand), not lines.
    for i in range(k):
        acct = sset.accounts[sset.account_id[i]]
        c = acct["currency"]
        created = f"{end[i]}T{CREATION_TIME}"

        def bal(code: str, cents: int, amount: str, day: str, c: str = c) -> str:
            return (f"      <Bal>\n        <Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>\n"
                    f'        <Amt Ccy="{c}">{amount}</Amt>\n'
                    f"        <CdtDbtInd>{'CRDT' if cents >= 0 else 'DBIT'}</CdtDbtInd>\n"
                    f"        <Dt><Dt>{day}</Dt></Dt>\n      </Bal>\n")

        doc = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="{NAMESPACE}">\n'
            "  <BkToCstmrStmt>\n"
            "    <GrpHdr>\n"
            f"      <MsgId>{sid[i]}</MsgId>\n"
            f"      <CreDtTm>{created}</CreDtTm>\n"
            "    </GrpHdr>\n"
            "    <Stmt>\n"
            f"      <Id>{sid[i]}</Id>\n"
            f"      <ElctrncSeqNb>{int(sset.number[i])}</ElctrncSeqNb>\n"
            f"      <CreDtTm>{created}</CreDtTm>\n"
            f"      <FrToDt><FrDtTm>{start[i]}T00:00:00</FrDtTm><ToDtTm>{end[i]}T23:59:59</ToDtTm></FrToDt>\n"
            "      <Acct>\n"
            f"        <Id>{_account_id(acct['iban'], acct['account_number'])}</Id>\n"
            f"        <Ccy>{c}</Ccy>\n"
            f"        <Svcr><FinInstnId><BICFI>{acct['bic']}</BICFI></FinInstnId></Svcr>\n"
            "      </Acct>\n"
            + bal("OPBD", int(sset.opening[i]), f_open[i], op_date[i])
            + bal("CLBD", int(sset.closing[i]), f_close[i], end[i])
            + "      <TxsSummry>\n"
            f"        <TtlNtries><NbOfNtries>{n_all[i]}</NbOfNtries><Sum>{f_all[i]}</Sum>"
            f"<TtlNetNtry><Amt>{f_net[i]}</Amt><CdtDbtInd>{'CRDT' if credit_sum[i] >= debit_sum[i] else 'DBIT'}"
            "</CdtDbtInd></TtlNetNtry></TtlNtries>\n"
            f"        <TtlCdtNtries><NbOfNtries>{n_credit[i]}</NbOfNtries><Sum>{f_cred[i]}</Sum></TtlCdtNtries>\n"
            f"        <TtlDbtNtries><NbOfNtries>{n_all[i] - n_credit[i]}</NbOfNtries>"
            f"<Sum>{f_deb[i]}</Sum></TtlDbtNtries>\n"
            "      </TxsSummry>\n"
            + entries[i]
            + "    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n"
        )
        rel = f"{sset.account_id[i]}/{sset.label[i]}.xml"
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(doc.encode("utf-8"))
        files.append(rel)
    none = np.zeros(lines.num_rows, dtype=bool)
    stmt_ids = pa.array(sid, pa.string()).take(pa.array(stmt))
    return files, truncation_table(stmt_ids, tx.strings(lines["transaction_id"]), narrative, narrative, none, none)


def payer_counterparties(root: Path) -> pa.Table:
    """Who paid (or was refunded) per bank line, from ``truth/transaction_truth`` and the
    customers' bank details: what a bank shows as debtor or creditor. Reading the truth,
    this is opt-in (``--with-counterparty``): it names the payer the tasks ask to find."""
    truth = ds.dataset(root / "truth" / "transaction_truth", format="parquet").to_table(
        columns=["transaction_id", "payer_customer_id"])
    truth = truth.filter(pc.is_valid(truth["payer_customer_id"]))
    cust = ds.dataset(root / "tables" / "customers", format="parquet").to_table(
        columns=["customer_id", "legal_name", "bank_account", "bic"])
    pos = pc.index_in(truth["payer_customer_id"], value_set=cust["customer_id"])
    return pa.table({
        "transaction_id": truth["transaction_id"],
        "name": cust["legal_name"].take(pos),
        "account": cust["bank_account"].take(pos),
        "bic": cust["bic"].take(pos),
    })
