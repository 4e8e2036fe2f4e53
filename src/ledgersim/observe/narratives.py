"""Narrative rendering: what a bank shows for each line, and exactly what it says.

Each bank line gets a locale (from the scenario's mix) and a template of that
locale that fits the line (a full, partial or multi-invoice payment, a refund,
a fee...). Entity slots are filled with the payer's name, invoice numbers, the
PO or the contract, each possibly corrupted the way real data is
(``observe.variants``). Lines are then rendered template by template with
exact character spans (``observe.render``) and cut to the bank style's field
length; a mention cut by the limit is shortened (``+truncated``) or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ledgersim import frames
from ledgersim.frames import index_of
from ledgersim.observe import variants
from ledgersim.observe.balance import balanced_weights
from ledgersim.observe.render import Segment, render
from ledgersim.observe.templates import USES, Template, templates
from ledgersim.plan import Partition, Plan
from ledgersim.reference import yaml_data
from ledgersim.schema import NER_LABELS
from ledgersim.spec.models import COMPANY_NOISE, REFERENCE_NOISE
from ledgersim.world import names
from ledgersim.world.bank import Accounts, Lines
from ledgersim.world.contracts import Contracts
from ledgersim.world.customers import Customers
from ledgersim.world.invoices import Invoices
from ledgersim.world.payments import Payments
from ledgersim.world.truth import line_of_payment

VENDORS = 300
MIN_TRUNCATED = 3  # a mention cut shorter than this is dropped
DIFFICULTY = ("easy", "medium", "hard", "unidentified")


@dataclass
class Narratives:
    text: pa.Array
    mentions: pa.Table
    locale: np.ndarray
    template_id: np.ndarray
    difficulty: np.ndarray  # "" for lines that settle no invoice


@dataclass
class _Refs:
    """Invoices each line refers to (sorted by line, then invoice number)."""

    line: np.ndarray
    invoice: np.ndarray
    surface: np.ndarray
    tail_surface: np.ndarray  # as a bare number, for the 2nd.. invoice of a grouped list
    variant: np.ndarray
    tail_variant: np.ndarray


def _split_reference(values: np.ndarray, has_division: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``MFG-INV-000157`` -> (MFG, INV, 000157); ``PO-4500012345`` -> ("", PO, 4500012345);
    ``CNT-2024-587`` -> ("", CNT, 2024-587)."""
    arr = pa.array(values, pa.string())
    if has_division:
        parts = pc.split_pattern(arr, "-", max_splits=2)
        pre, word, num = (pc.list_element(parts, i) for i in range(3))
    else:
        parts = pc.split_pattern(arr, "-", max_splits=1)
        pre, word, num = pa.array([""] * len(arr), pa.string()), pc.list_element(parts, 0), pc.list_element(parts, 1)
    return tuple(np.asarray(x.to_numpy(zero_copy_only=False), dtype=str) for x in (pre, word, num))  # type: ignore[return-value]


def _references(values: np.ndarray, kind: str, gen: np.random.Generator, ref_rates: np.ndarray,
                alt_word: str) -> tuple[np.ndarray, np.ndarray]:
    """Corrupted surfaces and variants of references; empty values stay empty."""
    values = np.asarray(values, dtype=str)
    rows = np.flatnonzero(values != "")
    pre, word, num = _split_reference(values[rows], kind == "invoice")
    masks = variants.draw_kinds(gen, len(rows), ref_rates)
    surface, applied = variants.reference_surfaces(pre, word, num, masks, gen, alt_word)
    out = np.full(len(values), "", dtype=object)
    out[rows] = np.asarray(surface.to_numpy(zero_copy_only=False), dtype=object)
    variant = np.full(len(values), "canonical", dtype=object)
    variant[rows] = variants.variant_names(applied, REFERENCE_NOISE)
    return out, variant


def _fields(gen: np.random.Generator, lines: Lines, accounts: Accounts, locale: np.ndarray,
            payer: np.ndarray, cust: Customers) -> dict[str, np.ndarray]:
    """The unlabelled things a bank prints: references, payer bank details, dates."""
    n = len(lines)
    words = yaml_data("narratives.yaml")
    day = (lines.booking - lines.booking.astype("datetime64[M]")).astype(np.int64) + 1
    month = lines.booking.astype("datetime64[M]").astype(np.int64) % 12 + 1
    ddmm = _cat(np.char.zfill(day.astype(str), 2), np.char.zfill(month.astype(str), 2))
    iso = pa.array(lines.booking.astype(str), pa.string())  # 2024-05-04
    yymmdd = np.asarray(pc.utf8_slice_codeunits(pc.replace_substring(iso, "-", ""), 2, 8)
                        .to_numpy(zero_copy_only=False), dtype=object)

    def digits(k: int) -> np.ndarray:
        return np.char.zfill(gen.integers(0, 10**k, n).astype(str), k)

    channel = np.array(words["bank_ref_channels"])[gen.integers(0, len(words["bank_ref_channels"]), n)]
    bankref = _cat(ddmm, "/FT", channel, "/WS", digits(5))
    has_payer = payer >= 0
    pp = np.maximum(payer, 0)
    payer_acct = np.where(has_payer, cust.bank_account[pp] if len(cust) else "", digits(10))
    payer_bic = np.where(has_payer, cust.bic[pp] if len(cust) else "", "")
    id_banks = words["id_bank_codes"]
    known = np.isin(payer_bic, list(id_banks))
    random_bank = np.array(list(id_banks))[gen.integers(0, len(id_banks), n)]
    bank_bic = np.where(known, payer_bic, random_bank)
    code = np.array([id_banks[b][0] for b in id_banks])[index_of(bank_bic, list(id_banks))] if n else bank_bic
    short = np.array([id_banks[b][1] for b in id_banks])[index_of(bank_bic, list(id_banks))] if n else bank_bic
    other_acct = accounts.table["account_number"].to_numpy(zero_copy_only=False)
    internal = lines.kind == "internal_transfer"
    acct = np.where(internal, np.asarray(other_acct, dtype=str)[(lines.account + 1) % len(other_acct)], payer_acct)
    month_idx = lines.booking.astype("datetime64[M]").astype(np.int64) % 12
    year = (lines.booking.astype("datetime64[Y]").astype(np.int64) + 1970).astype(str)
    mon = np.where(locale == "id", np.array(words["id"]["months"])[month_idx], np.array(words["en"]["months"])[month_idx])
    amount = pc.cast(frames.money(lines.amount), pa.string()).to_numpy(zero_copy_only=False)
    return {
        "BANKREF": bankref,
        "TRN": _cat(yymmdd, digits(8)),
        "E2E": np.where(gen.random(n) < 0.3, "NOTPROVIDED", _cat("E2E", digits(10))),
        "BANKCODE": code,
        "BANKNAME": short,
        "ACCT": acct,
        "IBAN": payer_acct,
        "BIC": payer_bic,
        "DDMM": ddmm,
        "MONTH": _cat(mon, " ", year),
        "AMOUNT": np.asarray(amount, dtype=str),
    }


def _locales(gen: np.random.Generator, mix: dict[str, float], accounts: Accounts, lines: Lines,
             is_pay: np.ndarray) -> np.ndarray:
    """The locale each line is printed in.

    Lines that settle no invoice follow their account's bank (Indonesian on the
    rupiah account); customer payments are drawn so that the partition's total
    matches the scenario's mix as closely as possible.
    """
    n = len(lines)
    share_id = mix.get("id", 0.0) / sum(mix.values())
    own = np.where(accounts.currency[lines.account] == "IDR", "id", "en") if n else np.zeros(0, str)
    own = np.where(share_id == 0, "en", np.where(share_id == 1, "id", own))
    n_pay = int(is_pay.sum())
    want_id = share_id * n - int(((own == "id") & ~is_pay).sum())
    p_id = min(1.0, max(0.0, want_id / n_pay)) if n_pay else 0.0
    drawn = np.where(gen.random(n) < p_id, "id", "en")
    return np.where(is_pay, drawn, own).astype(str)


def _cat(*parts: object) -> np.ndarray:
    arrs = [p if isinstance(p, str) else pa.array(np.asarray(p, dtype=str), pa.string()) for p in parts]
    return np.asarray(pc.binary_join_element_wise(*arrs, "").to_numpy(zero_copy_only=False), dtype=object)


EVIDENCE_SCALE = {"none": 0.0, "low": 0.5, "medium": 1.0, "high": 2.5}  # at high, half the payers omit the invoice


def _evidence(gen: np.random.Generator, noise, use: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per line: quote the invoice (0), a PO or contract instead (1), or nothing (2).

    Payers that leave the invoice out are part of the noise: none at level
    ``none``, more as the level rises (``noise.evidence`` overrides the rates).
    """
    base = yaml_data("noise.yaml")["evidence"]
    scale = EVIDENCE_SCALE[noise.level]
    rate = {k: noise.evidence.get(k, min(variants.MAX_RATE, base[k] * scale)) for k in ("instead", "no_reference")}
    u = gen.random(len(use))
    single = np.isin(use, ["full", "partial"])
    return np.where(single & (u < rate["no_reference"]), 2,
                    np.where(single & (u < rate["no_reference"] + rate["instead"]), 1, 0))


def _choose_templates(gen: np.random.Generator, plan: Plan, locale: np.ndarray, use: np.ndarray,
                      currency: np.ndarray, has_po: np.ndarray, has_contract: np.ndarray,
                      n_refs: np.ndarray) -> np.ndarray:
    """Index into ``templates()`` for every line (vectorised per class of lines)."""
    ts = templates()
    n = len(use)
    codes = sorted(set(currency.tolist()))
    evidence = _evidence(gen, plan.scenario.noise, use)
    key = np.stack([index_of(locale, ("en", "id")), index_of(use, USES), index_of(currency, codes),
                    has_po.astype(int), has_contract.astype(int), evidence]) if n else np.zeros((6, 0), np.int64)
    classes, inverse = np.unique(key, axis=1, return_inverse=True)
    inverse = inverse.reshape(-1)
    t_loc = np.array([("en", "id").index(t.locale) for t in ts])
    t_use = np.array([USES.index(t.use) for t in ts])
    t_po = np.array([t.has("PO") for t in ts])
    t_con = np.array([t.has("CONTRACT") for t in ts])
    t_fits = np.array([[t.fits(code) for code in codes] for t in ts]).reshape(len(ts), len(codes))
    t_inv = np.array([t.has("INVOICES") for t in ts])
    t_evidence = np.where(t_inv, 0, np.where(t_po | t_con, 1, 2))
    # a clean dataset (noise none) avoids styles too narrow for a whole narrative (MT950's 34)
    t_ok = np.array([t.limit >= 60 for t in ts]) if plan.scenario.noise.level == "none" else np.ones(len(ts), bool)
    eligible, counts, natural, sizes = [], [], [], []
    for c in range(classes.shape[1]):  # a few dozen classes of lines
        loc, u, cur, po, con, ev = classes[:, c]
        ok_base = (t_loc == loc) & (t_use == u) & t_fits[:, cur] & (po | ~t_po) & (con | ~t_con) & t_ok
        payment = USES[u] in ("full", "partial", "multi")
        ok = np.flatnonzero(ok_base & ((t_evidence == ev) | ~payment))
        if not len(ok):  # no template quotes exactly this: any that fits the line
            ok = np.flatnonzero(ok_base)
        if not len(ok):
            raise ValueError(f"no template for locale {('en', 'id')[loc]}, use {USES[u]}, currency {codes[cur]}")
        rows = inverse == c
        mean_refs = float(n_refs[rows].mean()) if rows.any() else 1.0
        eligible.append(ok)
        counts.append(np.stack([ts[i].label_counts(max(mean_refs, 1.0)) for i in ok]))
        w = np.array([ts[i].weight for i in ok])
        natural.append(w / w.sum())
        sizes.append(int(rows.sum()))
    m = plan.scenario.mentions
    if m.balance == "uniform" and len(sizes):
        shares = m.shares or {label: 1.0 for label in NER_LABELS}
        target = np.array([shares.get(label, 0.0) for label in NER_LABELS])
        probs = balanced_weights(np.array(sizes, float), counts, natural, target / target.sum())
    else:
        probs = natural
    choice = np.zeros(n, dtype=np.int64)
    u = gen.random(n)
    for c in range(len(eligible)):  # one vectorised draw per class
        rows = np.flatnonzero(inverse == c)
        cum = np.cumsum(probs[c])
        pick = np.minimum(np.searchsorted(cum / cum[-1], u[rows], side="right"), len(cum) - 1)
        choice[rows] = eligible[c][pick]
    return choice


def render_partition(plan: Plan, part: Partition, accounts: Accounts, lines: Lines, pay: Payments,
                     cust: Customers, c: Contracts, inv: Invoices) -> Narratives:
    n = len(lines)
    sc = plan.scenario
    company_rates, ref_rates = variants.rates(sc.noise)
    is_pay = lines.payment >= 0
    pp = np.where(is_pay, lines.payment, 0)
    payer = np.where(is_pay, pay.payer[pp] if len(pay) else 0, -1)
    locale = _locales(plan.rng("narrative_locale", part.index), sc.locales, accounts, lines, is_pay)

    # invoices each line refers to, in invoice-number order
    line_pos = line_of_payment(lines, len(pay))
    ref_line = line_pos[pay.ref_payment]
    ok = ref_line >= 0
    r_line, r_inv = ref_line[ok], pay.ref_invoice[ok]
    order = np.lexsort((inv.number[r_inv], r_line))
    r_line, r_inv = r_line[order], r_inv[order]
    n_refs = np.bincount(r_line, minlength=n)
    first_inv = np.full(n, -1)
    first_inv[r_line[::-1]] = r_inv[::-1]
    single = n_refs == 1
    fi = np.maximum(first_inv, 0)
    po = np.where(single, inv.po_number[fi] if len(inv) else "", "")
    assert c.ids is not None
    con = np.where(single, c.ids[inv.contract[fi]] if len(inv) else "", "")

    customer_line = is_pay & (lines.kind == "customer_payment")
    partial = customer_line & (np.where(is_pay, pay.is_partial[pp] if len(pay) else False, False))
    use = np.where(customer_line, np.where(n_refs > 1, "multi", np.where(partial, "partial", "full")),
                   lines.kind).astype(str)
    use = np.where(lines.kind == "refund", "refund", use)
    g_tpl = plan.rng("narrative_templates", part.index)
    choice = _choose_templates(g_tpl, plan, locale, use, lines.currency, (po != "") & customer_line,
                               single & customer_line, n_refs)

    # entity surfaces, corrupted per mention
    g_company = plan.rng("company_noise", part.index)
    parts = [variants.NameParts(*(str(cust.name_parts[k][i]) for k in ("legal_form_prefix", "stem1", "stem2")),
                                bool(cust.name_parts["merged"][i]),
                                *(str(cust.name_parts[k][i]) for k in ("descriptor", "legal_form_suffix")))
             for i in range(len(cust))]  # per customer, not per line
    has_company = payer >= 0
    comp_rows = np.flatnonzero(has_company)
    masks = variants.draw_kinds(g_company, len(comp_rows), company_rates)
    comp_surface, applied = variants.company_surfaces(parts, payer[comp_rows], masks, g_company)
    company = np.full(n, "", dtype=object)
    company[comp_rows] = comp_surface
    company_variant = np.full(n, "canonical", dtype=object)
    company_variant[comp_rows] = variants.variant_names(applied, COMPANY_NOISE)
    company_id = np.where(has_company, cust.customer_id[np.maximum(payer, 0)] if len(cust) else "", "")

    g_ref = plan.rng("reference_noise", part.index)
    inv_surface, inv_variant = _references(inv.number[r_inv], "invoice", g_ref, ref_rates, "INVOICE")
    tail_rates = ref_rates.copy()
    if sc.noise.level != "none":  # INV 157/158/159 abbreviates; without noise all stay canonical
        tail_rates[REFERENCE_NOISE.index("number_only")] = 1.0
    tail_surface, tail_variant = _references(inv.number[r_inv], "invoice", g_ref, tail_rates, "INVOICE")
    po_surface, po_variant = _references(po, "po", g_ref, ref_rates, "PO NO")
    con_surface, con_variant = _references(con, "contract", g_ref, ref_rates, "CONTRACT")

    g_fields = plan.rng("narrative_fields", part.index)
    fields = _fields(g_fields, lines, accounts, locale, payer, cust)
    vendor = np.full(n, "", dtype=object)
    vendor_rows = lines.kind == "vendor_payment"
    if vendor_rows.any():
        g_vendor = plan.rng("vendor_names", part.index)
        pick = g_vendor.integers(0, VENDORS, int(vendor_rows.sum()))
        pool = names.build_names(np.where(locale[vendor_rows] == "id", "ID", "US"), names.NAME_SPACE - 1 - pick, g_vendor)
        vendor[vendor_rows] = pool["legal_name"]

    refs = _Refs(r_line, r_inv, inv_surface, tail_surface, inv_variant, tail_variant)
    slot_values = {
        "COMPANY": (company, company_id, company_variant),
        "VENDOR": (vendor, None, None),
        "PO": (po_surface, po, po_variant),
        "CONTRACT": (con_surface, con, con_variant),
    }
    text, mentions = _render_all(n, choice, slot_values, refs, inv, fields, shorten=sc.noise.level != "none")
    tid = lines.transaction_id
    mention_table = frames.build("mentions", {
        "transaction_id": tid[mentions["row"]], "start": mentions["start"], "end": mentions["end"],
        "label": mentions["label"], "surface": mentions["surface"], "entity_id": mentions["entity"],
        "variant": mentions["variant"],
    })
    ts = templates()
    template_id = np.array([t.id for t in ts])[choice] if n else np.zeros(0, str)
    difficulty = _difficulty(n, mentions, n_refs, customer_line)
    return Narratives(text, mention_table, locale, template_id, difficulty)


def _render_all(n: int, choice: np.ndarray, slots: dict, refs: _Refs, inv: Invoices,
                fields: dict[str, np.ndarray], shorten: bool) -> tuple[pa.Array, dict[str, np.ndarray]]:
    """Render every line with its template, cut to the style's length, and collect mentions."""
    ts = templates()
    text = np.full(n, "", dtype=object)
    found: list[dict[str, np.ndarray]] = []
    for t_idx in np.unique(choice):  # one vectorised render per template
        rows = np.flatnonzero(choice == t_idx)
        t = ts[t_idx]
        segs = [_segment(tok, rows, slots, refs, inv, fields) for tok in t.tokens]
        r = render(len(rows), segs)
        group_text = pc.utf8_rtrim_whitespace(pc.utf8_slice_codeunits(r.text, 0, t.limit))  # a cut leaves no blank
        text[rows] = np.asarray(group_text.to_numpy(zero_copy_only=False), dtype=object)
        keep, end, surface, variant = _cut(r, t.limit, shorten)
        found.append({
            "row": rows[r.m_row[keep]], "start": r.m_start[keep], "end": end[keep], "label": r.m_label[keep],
            "surface": surface[keep], "entity": np.asarray(r.m_entity.to_numpy(zero_copy_only=False), dtype=object)[keep],
            "variant": variant[keep],
        })
    if found:
        merged = {k: np.concatenate([f[k] for f in found]) for k in found[0]}
        order = np.lexsort((merged["start"], merged["row"]))
        merged = {k: v[order] for k, v in merged.items()}
    else:
        merged = {k: np.zeros(0, dtype=object) for k in ("row", "start", "end", "label", "surface", "entity", "variant")}
        merged["row"] = merged["start"] = merged["end"] = np.zeros(0, np.int64)
    return pa.array(text, pa.string()), merged


def _segment(tok, rows: np.ndarray, slots: dict, refs: _Refs, inv: Invoices,  # type: ignore[no-untyped-def]
             fields: dict[str, np.ndarray]) -> Segment:
    k = len(rows)
    if tok.kind == "literal":
        return Segment.literal(tok.name, k, glued=tok.glued)
    if tok.kind == "keyword":
        return Segment.literal(tok.name, k, "PAYMENT_TYPE", glued=tok.glued)
    if tok.kind == "field":
        seg = Segment.per_row(pa.array(fields[tok.name][rows].astype(str), pa.string()))
    elif tok.name == "INVOICES":
        inside = np.isin(refs.line, rows)
        local = np.searchsorted(rows, refs.line[inside])
        surface = refs.surface[inside]
        variant = refs.variant[inside]
        sep = " "
        if tok.option in ("/", "grouped"):
            sep = "/"
        if tok.option == "grouped":  # INV 157/158/159: after the first, bare numbers
            later = np.r_[False, local[1:] == local[:-1]] if len(local) else np.zeros(0, bool)
            surface = np.where(later, refs.tail_surface[inside], surface)
            variant = np.where(later, refs.tail_variant[inside], variant)
        entity = pa.array(inv.number[refs.invoice[inside]], pa.string())
        seg = Segment(local, pa.array(surface.astype(str), pa.string()), "INVOICE", entity,
                      pa.array(variant.astype(str), pa.string()), sep=sep)
    else:
        surface, entity, variant = slots[tok.name]
        present = np.asarray(surface[rows], dtype=str) != ""
        seg = Segment.per_row(pa.array(surface[rows].astype(str), pa.string()), "COMPANY" if tok.name in ("COMPANY", "VENDOR")
                              else ("PURCHASE_ORDER" if tok.name == "PO" else "CONTRACT"),
                              None if entity is None else pa.array(np.where(present, entity[rows], None), pa.string()),
                              None if variant is None else pa.array(variant[rows].astype(str), pa.string()),
                              present=present)
    seg.glued = tok.glued
    return seg


def _cut(r, limit: int, shorten: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Mentions after a field-length cut: kept, new ends, surfaces and variants."""
    surface = np.asarray(r.m_surface.to_numpy(zero_copy_only=False), dtype=object)
    variant = np.asarray(r.m_variant.to_numpy(zero_copy_only=False), dtype=object)
    end = r.m_end.copy()
    crossing = (r.m_start < limit) & (r.m_end > limit)
    if crossing.any():
        idx = np.flatnonzero(crossing)
        # the cut keeps the mention's first limit-start characters, trailing spaces trimmed
        kept = _prefixes(surface[idx], limit - r.m_start[idx])
        kept = np.char.rstrip(kept.astype(str))
        surface[idx] = kept
        end[idx] = r.m_start[idx] + np.char.str_len(kept)
        variant[idx] = np.where(variant[idx] == "canonical", "truncated", np.char.add(variant[idx].astype(str), "+truncated"))
    keep = (r.m_start < limit) & (end - r.m_start >= np.where(crossing, MIN_TRUNCATED, 1))
    if not shorten:  # without noise a cut mention is dropped, so every mention stays canonical
        keep &= ~crossing
    return keep, end, surface, variant


def _prefixes(strings: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each string's first ``lengths[i]`` characters, via a UCS-4 code point matrix."""
    width = max(1, max(len(s) for s in strings))
    mat = np.array(strings.astype(str), dtype=f"<U{width}").view(np.uint32).reshape(len(strings), width).copy()
    mat[np.arange(width)[None, :] >= lengths[:, None]] = 0
    return mat.view(f"<U{width}").reshape(-1)


def _difficulty(n: int, m: dict[str, np.ndarray], n_refs: np.ndarray, customer_line: np.ndarray) -> np.ndarray:
    """How much about a payment's invoices survives in its narrative.

    easy: every invoice it pays is quoted as issued; medium: an invoice, PO or
    contract is quoted but corrupted or instead; hard: only the payer's name;
    unidentified: nothing that points to a customer.
    """
    row, label, variant = m["row"], m["label"], m["variant"]
    canon_inv = np.bincount(row[(label == "INVOICE") & (variant == "canonical")], minlength=n)
    any_ref = np.bincount(row[np.isin(label, ["INVOICE", "PURCHASE_ORDER", "CONTRACT"])], minlength=n) > 0
    company = np.bincount(row[label == "COMPANY"], minlength=n) > 0
    level = np.select([(n_refs > 0) & (canon_inv >= n_refs), any_ref, company], [0, 1, 2], 3)
    return np.where(customer_line, np.array(DIFFICULTY)[level], "")
