"""Customers of one partition: identity, corporate groups, payment behaviour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ledgersim import frames
from ledgersim.plan import Partition, Plan
from ledgersim.reference import countries
from ledgersim.spec.models import PROFILES
from ledgersim.world import identity, names

SEGMENTS = np.array(["enterprise", "mid_market", "smb"])
SEGMENT_WEIGHTS = np.array([0.15, 0.35, 0.5])

# Hidden behaviour per profile: mean and spread of days paid after the due
# date. Negative means early.
PROFILE_DELAY = {
    "punctual": (-3.0, 3.0),
    "late": (21.0, 12.0),
    "instalment": (6.0, 8.0),
    "batch": (9.0, 6.0),
    "erratic": (30.0, 25.0),
}


@dataclass
class Customers:
    """Columns of a partition's customers, positions 0..n-1 (local index)."""

    table: pa.Table
    profiles: pa.Table
    customer_id: np.ndarray
    country: np.ndarray
    currency: np.ndarray
    locale: np.ndarray
    industry: np.ndarray
    segment: np.ndarray
    parent: np.ndarray  # local index of the parent, -1 if none
    profile: np.ndarray  # index into PROFILES
    delay_mean: np.ndarray
    delay_sd: np.ndarray
    fx_propensity: np.ndarray
    legal_name: np.ndarray
    name_parts: dict[str, np.ndarray]  # stem1, stem2, merged, descriptor, legal form prefix/suffix
    bank_account: np.ndarray
    bic: np.ndarray

    def __len__(self) -> int:
        return len(self.customer_id)


def weighted_choice(gen: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    """n draws from a name -> weight mapping. Names are taken in sorted order, so the
    order a YAML file (or a manifest) lists them in does not change the data."""
    keys = np.array(sorted(weights))
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[gen.choice(len(keys), size=n, p=p / p.sum())]


def weighted_index(
    gen: np.random.Generator, weights: dict[str, float], n: int, vocabulary: tuple[str, ...]
) -> np.ndarray:
    """n draws from a name -> weight mapping, as positions in ``vocabulary``."""
    names = sorted(weights)  # mapping order does not change the data
    order = np.array([vocabulary.index(k) for k in names], dtype=np.int64)
    p = np.array([weights[k] for k in names], dtype=float)
    return order[gen.choice(len(order), size=n, p=p / p.sum())]


def customer_ids(global_index: np.ndarray) -> np.ndarray:
    """``CUS-00002``: 1-based, at least five digits."""
    return np.char.add("CUS-", np.char.zfill((global_index + 1).astype(str), 5))


def _confusable_pairs(gen: np.random.Generator, indonesian: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """Customers to rename after an earlier customer whose name is in the same language.

    Only customers that keep their own name are targets, so a renamed customer
    always ends up looking like its target's final name.
    """
    picked = gen.random(len(indonesian)) < share
    u = gen.random(len(indonesian))
    rows, targets = [], []
    for flag in (True, False):  # Indonesian names, then the others
        group = np.flatnonzero(indonesian == flag)
        keepers = group[~picked[group]]
        earlier = np.searchsorted(keepers, group)  # keepers before each member
        ok = picked[group] & (earlier > 0)
        rows.append(group[ok])
        targets.append(keepers[(u[group][ok] * earlier[ok]).astype(np.int64)])
    conf, target = np.concatenate(rows), np.concatenate(targets)
    order = np.argsort(conf, kind="stable")
    return conf[order], target[order]


def generate(plan: Plan, part: Partition, *, with_identity: bool = True) -> Customers:
    """The partition's customers. ``with_identity=False`` skips names, tax ids
    and bank details (their own streams), for the census pass that only
    needs what drives volumes."""
    sc = plan.scenario
    n = part.size
    gen = plan.rng("customers", part.index)
    gidx = np.arange(part.first_customer, part.stop_customer, dtype=np.int64)
    ids = customer_ids(gidx)
    country = weighted_choice(gen, sc.countries, n)
    industry = weighted_choice(gen, sc.industries, n)
    segment = SEGMENTS[gen.choice(len(SEGMENTS), size=n, p=SEGMENT_WEIGHTS)]
    facts = countries()
    currency = np.array([facts[c]["currency"] for c in country]) if n else np.array([], dtype=str)
    locale = np.array([facts[c]["locale"] for c in country]) if n else np.array([], dtype=str)

    # corporate groups stay inside the partition: parents are top-level customers
    is_sub = gen.random(n) < sc.groups.share
    if n:
        is_sub[0] = False
    top = np.flatnonzero(~is_sub)
    parent = np.full(n, -1, dtype=np.int64)
    if len(top):
        parent[is_sub] = top[gen.integers(0, len(top), size=int(is_sub.sum()))]

    tax_id, tax_type, bank_name, bank_account, bic = (np.full(n, "", dtype=object) for _ in range(5))
    name_parts: dict[str, np.ndarray] = {"legal_name": np.full(n, "", dtype=object)}
    confusable_with = np.full(n, -1, dtype=np.int64)
    if with_identity:
        name_gen = plan.rng("customer_names", part.index)
        name_parts = names.build_names(country, gidx, name_gen)
        # near-identical names: the hard negatives of entity resolution
        gen_conf = plan.rng("confusables", part.index)
        conf, target = _confusable_pairs(gen_conf, country == "ID", sc.confusables)
        names.make_confusable(name_parts, conf, target, country, gen_conf, sc.customers)
        confusable_with[conf] = target
    legal_name = name_parts["legal_name"]
    id_gen = plan.rng("customer_identity", part.index)
    for code in sorted(set(country.tolist())) if with_identity else ():  # one library call per country
        rows = np.flatnonzero(country == code)
        tax_id[rows], tax_type[rows] = identity.tax_ids(code, id_gen, len(rows), index=gidx[rows])
        bank_name[rows], bank_account[rows], bic[rows] = identity.bank_details(code, id_gen, len(rows))

    beh = plan.rng("customer_behaviour", part.index)
    profile = weighted_index(beh, sc.payments.profiles, n, PROFILES)
    base_mean = np.array([PROFILE_DELAY[p][0] for p in PROFILES])[profile]
    base_sd = np.array([PROFILE_DELAY[p][1] for p in PROFILES])[profile]
    delay_mean = np.round(base_mean + beh.normal(0, 2.0, n), 1)
    fx_propensity = np.clip(sc.payments.fx_share * beh.uniform(0.5, 1.5, n), 0, 1).round(3)

    parent_ids = np.where(parent >= 0, ids[np.maximum(parent, 0)], "")
    table = frames.build("customers", {
        "customer_id": ids, "legal_name": legal_name, "country": country, "industry": industry,
        "segment": segment, "parent_customer_id": parent_ids, "tax_id": tax_id.astype(str),
        "tax_id_type": tax_type.astype(str), "currency": currency, "bank_name": bank_name.astype(str),
        "bank_account": bank_account.astype(str), "bic": bic.astype(str),
    }, nulls={"parent_customer_id": parent < 0})
    profiles = frames.build("customer_profiles", {
        "customer_id": ids, "profile": np.array(PROFILES)[profile], "mean_delay_days": delay_mean,
        "home_currency_share": fx_propensity,
        "confusable_with": np.where(confusable_with >= 0, ids[np.maximum(confusable_with, 0)], ""),
    }, nulls={"confusable_with": confusable_with < 0})
    return Customers(
        table=table, profiles=profiles, customer_id=ids, country=country, currency=currency,
        locale=locale, industry=industry, segment=segment, parent=parent, profile=profile,
        delay_mean=delay_mean, delay_sd=base_sd, fx_propensity=fx_propensity, legal_name=legal_name,
        name_parts=name_parts, bank_account=bank_account.astype(str), bic=bic.astype(str),
    )
