"""SWIFT MT940 (customer statement) and MT950 (statement message) files.

Layout of a statement line, ``:61:`` (format ``6!n[4!n]2a[1!a]15d1!a3!c16x[//16x][34x]``)::

    :61:2401020102D25273,86NTRFNONREF//BTX-000000000000
        |     |   | |       |   |         '- bank reference: the dataset's transaction id
        |     |   | |       |   '- reference for the account owner (none known: NONREF)
        |     |   | |       '- transaction type: N (non-SWIFT) + TRF
        |     |   | '- amount, decimal comma
        |     |   '- mark: C credit, D debit
        |     '- entry (booking) date MMDD
        '- value date YYMMDD

MT940 carries the narrative in ``:86:`` (at most 6 lines of 65 characters); MT950 has no
``:86:``, so the narrative goes in the ``:61:`` supplementary details, cut to 34 characters
the way a bank cuts it. Every line uses only the SWIFT X character set: narratives are
transliterated (``anyascii``) and what is still outside the set is replaced. Lines never
begin with ``-`` or ``:`` and never end in a space (parsers strip trailing blanks).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii

from ledgersim.io.formats import text as tx
from ledgersim.io.formats.statements import CREATION_TIME, FormatError, StatementSet, truncation_table

SWIFT_X = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
_OUTSIDE_X = r"[^A-Za-z0-9/?:().,'+ \-]"
# Common characters outside the X set and their usual stand-ins; anything else becomes '.'.
_X_STANDINS = str.maketrans({"&": "+", "_": "-", "#": ".", "@": ".", '"': "'", ";": ",", "!": ".",
                             "*": ".", "=": "-", "%": ".", "<": "(", ">": ")", "[": "(", "]": ")",
                             "{": "(", "}": ")", "\\": "/", "|": "/", "~": "-", "`": "'", "^": ".",
                             "$": ".", "\t": " ", "\n": " ", "\r": " "})
CRLF = "\r\n"
AMOUNT_WIDTH = 15  # 15d: digits and the decimal comma
NARRATIVE_LINES, NARRATIVE_WIDTH = 6, 65  # :86: 6*65x
DETAILS_WIDTH = 34  # :61: supplementary details, 34x
BANK_REFERENCE_WIDTH = 16
TYPE_CODE = "NTRF"  # non-SWIFT transfer: the bank does not tell more in bank_transactions
OWNER_REFERENCE = "NONREF"


def swift_x_one(text: str) -> str:
    """One narrative in the SWIFT X character set."""
    out = anyascii(text).translate(_X_STANDINS)
    return re.sub(_OUTSIDE_X, ".", out)


def to_swift_x(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Transliterate a column to the X set; also returns which rows changed.

    Narratives are nearly always plain already, so only the distinct offending strings
    go through Python.
    """
    texts = tx.strings(texts).fill_null("")
    bad = pc.match_substring_regex(texts, _OUTSIDE_X)
    changed = np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool)
    if not changed.any():
        return texts, changed
    uniq = pc.unique(pc.filter(texts, bad))
    mapped = pa.array([swift_x_one(s) for s in uniq.to_pylist()], pa.string())
    replaced = mapped.take(pc.index_in(texts, value_set=uniq))
    return pc.coalesce(replaced, texts), changed


def _break_ok(text: str, at: int) -> bool:
    """A line may end before ``at``: no blank at either side, next line not starting '-' or ':'."""
    return text[at - 1] != " " and text[at] not in " -:"


def wrap(text: str, width: int = NARRATIVE_WIDTH, max_lines: int = NARRATIVE_LINES) -> list[str]:
    """Hard-wrap at ``width`` (banks do not wrap at words), moving a break left only where
    a line would end in a blank or the next would start with a blank, '-' or ':'.
    Joining the lines with '' gives back the text, up to ``max_lines`` lines."""
    lines: list[str] = []
    pos, n = 0, len(text)
    while pos < n and len(lines) < max_lines:
        end = min(pos + width, n)
        if end < n:
            at = end
            while at > pos + 1 and not _break_ok(text, at):
                at -= 1
            end = at if at > pos + 1 else end
        line = text[pos:end]
        if lines and line[0] in "-:":  # only when no break point exists in a whole line
            line = "." + line[1:]
        if line.strip(" "):  # parsers drop trailing blanks and blank lines; so does the file
            lines.append(line.rstrip(" "))
        pos = end
    return lines


def _check_width(values: pa.Array, what: str, owner: np.ndarray) -> None:
    """SWIFT amounts are 15d: digits and the comma. Say which account overflows and what to use."""
    too_long = np.asarray(pc.greater(pc.utf8_length(values), AMOUNT_WIDTH).to_numpy(zero_copy_only=False))
    if too_long.any():
        i = int(np.flatnonzero(too_long)[0])
        raise FormatError(f"{what} of account {owner[i]}: amount {values[i].as_py()} needs more than the "
                          f"{AMOUNT_WIDTH} characters MT940/MT950 allow; use --format camt053 for this dataset")


def _lt_address(bic: str) -> str:
    """Logical terminal address: BIC8 + terminal code 'A' + branch ('XXX' for the head office)."""
    bic = (bic or "XXXXXXXX").upper()
    return f"{bic[:8]}A{bic[8:11] or 'XXX'}"


def render(sset: StatementSet, out: Path, message: str) -> tuple[list[str], pa.Table]:
    """Write one MT940 or MT950 file per statement; returns the files and the truncation record."""
    if message not in ("940", "950"):
        raise ValueError(f"unknown SWIFT message type {message!r}")
    lines = sset.lines
    n = lines.num_rows
    stmt = sset.statement_of_line
    account = np.asarray(lines["account_id"].to_numpy(zero_copy_only=False)).astype(str)
    decimals = sset.decimals(account)
    ids = tx.strings(lines["transaction_id"])
    if n and pc.max(pc.utf8_length(ids)).as_py() > BANK_REFERENCE_WIDTH:
        raise FormatError(f"transaction ids longer than {BANK_REFERENCE_WIDTH} characters cannot be the "
                          "MT940 bank reference (//16x)")
    amount = tx.amounts(sset.signed, decimals, ",")
    _check_width(amount, "statement line", account)
    value = tx.dates(lines["value_date"].to_numpy(), "%y%m%d")
    entry = tx.dates(lines["booking_date"].to_numpy(), "%m%d")
    mark = pa.array(np.where(sset.credit, "C", "D"), pa.string())
    line61 = tx.cat(":61:", value, entry, mark, amount, TYPE_CODE, OWNER_REFERENCE, "//", ids)

    narrative = tx.strings(lines["narrative"]).fill_null("")
    swift, transliterated = to_swift_x(narrative)
    swift = pc.utf8_trim(swift, characters=" ")  # parsers strip field content; banks print no edge blanks
    if message == "950":
        cut = pc.utf8_rtrim(pc.utf8_slice_codeunits(swift, 0, DETAILS_WIDTH), characters=" ")
        rendered = pc.replace_substring_regex(cut, "^[-:]", ".")
        transliterated = transliterated | np.asarray(pc.not_equal(pc.utf8_slice_codeunits(rendered, 0, 1),
                                                                  pc.utf8_slice_codeunits(cut, 0, 1)))
        truncated = np.asarray(pc.greater(pc.utf8_length(pc.utf8_rtrim(swift, characters=" ")),
                                          pc.utf8_length(cut)))
        body = tx.cat(line61, tx.when(pc.greater(pc.utf8_length(rendered), 0), tx.cat(CRLF, rendered)))
    else:
        rendered, details, truncated = _details86(swift)
        body = tx.cat(line61, tx.when(pc.greater(pc.utf8_length(rendered), 0), tx.cat(CRLF, ":86:", details)))

    entries = tx.join_groups(body, sset.offsets, CRLF).to_pylist()
    dec_stmt = sset.decimals(sset.account_id)
    opening = tx.amounts(sset.opening, dec_stmt, ",")
    closing = tx.amounts(sset.closing, dec_stmt, ",")
    _check_width(opening, "opening balance", sset.account_id)
    _check_width(closing, "closing balance", sset.account_id)
    op_mark = np.where(sset.opening >= 0, "C", "D")
    cl_mark = np.where(sset.closing >= 0, "C", "D")
    op_date = tx.dates(sset.opening_date, "%y%m%d").to_pylist()
    end = tx.dates(sset.end, "%y%m%d").to_pylist()
    opening_l, closing_l = opening.to_pylist(), closing.to_pylist()
    sid = sset.statement_id()
    ext = f"mt{message}"
    hhmm = CREATION_TIME[:2] + CREATION_TIME[3:5]
    order = {a: i + 1 for i, a in enumerate(sorted(sset.accounts))}
    files: list[str] = []
    # One file per statement: a loop over statements (hundreds to a few thousand), not lines.
    for i in range(len(sset)):
        acct = sset.accounts[sset.account_id[i]]
        ccy = acct["currency"]
        lt = _lt_address(acct["bic"])
        isn = f"{int(sset.number[i]) % 10**6:06d}"
        header = (f"{{1:F01{lt}0000{isn}}}"
                  f"{{2:O{message}{hhmm}{end[i]}{lt}0000{isn}{end[i]}{hhmm}N}}{{4:")
        fields = [
            header,
            f":20:ST{end[i]}{order[sset.account_id[i]]:02d}{int(sset.number[i]):05d}",
            f":25:{acct['iban'] or acct['account_number']}",
            f":28C:{int(sset.number[i])}/1",
            f":60F:{op_mark[i]}{op_date[i]}{ccy}{opening_l[i]}",
            entries[i],
            f":62F:{cl_mark[i]}{end[i]}{ccy}{closing_l[i]}",
            f":64:{cl_mark[i]}{end[i]}{ccy}{closing_l[i]}",
            "-}",
        ]
        rel = f"{sset.account_id[i]}/{sset.label[i]}.{ext}"
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((CRLF.join(fields) + CRLF).encode("ascii"))
        files.append(rel)
    stmt_ids = pa.array(sid, pa.string()).take(pa.array(stmt))
    record = truncation_table(stmt_ids, ids, narrative, rendered, truncated, transliterated)
    return files, record


def _details86(swift: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """``:86:`` content per line: the kept narrative, its CRLF-wrapped lines, truncated flags.

    Narratives that fit one line go through as they are; only longer ones are wrapped in Python.
    """
    length = np.asarray(pc.utf8_length(swift).to_numpy(zero_copy_only=False))
    long_rows = np.flatnonzero(length > NARRATIVE_WIDTH)
    single = pc.utf8_rtrim(swift, characters=" ")
    if not len(long_rows):
        return single, single, np.zeros(len(swift), dtype=bool)
    long_text = pc.take(swift, pa.array(long_rows)).to_pylist()
    wrapped = [wrap(t) for t in long_text]
    kept = ["".join(w) for w in wrapped]
    joined = [CRLF.join(w) for w in wrapped]
    rendered = _scatter(single, long_rows, kept)
    details = _scatter(single, long_rows, joined)
    truncated = np.zeros(len(swift), dtype=bool)
    truncated[long_rows] = [len(k) < len(t.rstrip(" ")) for k, t in zip(kept, long_text, strict=True)]
    return rendered, details, truncated


def _scatter(base: pa.Array, rows: np.ndarray, values: list[str]) -> pa.Array:
    """``base`` with ``values`` put at ``rows``."""
    mask = np.zeros(len(base), dtype=bool)
    mask[rows] = True
    pos = np.full(len(base), -1)
    pos[rows] = np.arange(len(rows))
    filled = pa.array(values, pa.string()).take(pa.array(np.where(mask, pos, 0)))
    return pc.if_else(pa.array(mask), filled, base)
