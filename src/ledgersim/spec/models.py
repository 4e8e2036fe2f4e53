"""Scenario models: what the user asks for. Strict: unknown keys are errors."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

COUNTRIES = ("US", "ID", "DE", "GB", "NL", "SG")
DIVISIONS = ("manufacturing", "software", "logistics", "wholesale")
SCHEDULES = ("monthly", "quarterly", "annual", "milestone", "one_off")
PROFILES = ("punctual", "late", "instalment", "batch", "erratic")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_weights(value: dict[str, float], allowed: tuple[str, ...]) -> dict[str, float]:
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(f"unknown name(s) {', '.join(map(repr, unknown))}; use any of {', '.join(allowed)}")
    if any(w < 0 for w in value.values()):
        raise ValueError("weights must be >= 0")
    if sum(value.values()) <= 0:
        raise ValueError("at least one weight must be > 0")
    return value


class Period(Strict):
    start: dt.date = dt.date(2024, 1, 1)
    end: dt.date = dt.date(2025, 12, 31)

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if (self.end - self.start).days > 366 * 20:
            raise ValueError("the period may span at most 20 years")
        return self


class Groups(Strict):
    share: float = Field(0.15, ge=0, le=0.9, description="share of customers that are subsidiaries of a parent customer")
    parent_pays_share: float = Field(0.3, ge=0, le=1, description="share of a subsidiary's payments sent by its parent")


class Contracts(Strict):
    min_per_customer: int = Field(3, ge=1, le=50)
    max_per_customer: int = Field(15, ge=1, le=50)
    schedules: dict[str, float] = Field(
        default_factory=lambda: {"monthly": 0.6, "quarterly": 0.15, "annual": 0.07, "milestone": 0.08, "one_off": 0.1}
    )
    usd_share: float = Field(0.15, ge=0, le=1, description="share of non-US contracts billed in USD")
    po_policy: dict[str, float] = Field(default_factory=lambda: {"per_invoice": 0.45, "blanket": 0.4, "none": 0.15})

    @field_validator("schedules")
    @classmethod
    def v_sched(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_weights(v, SCHEDULES)
    @field_validator("po_policy")
    @classmethod
    def v_po(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_weights(v, ("per_invoice", "blanket", "none"))

    @model_validator(mode="after")
    def _range(self) -> "Contracts":
        if self.max_per_customer < self.min_per_customer:
            raise ValueError(
                f"max_per_customer ({self.max_per_customer}) must be >= min_per_customer ({self.min_per_customer})"
            )
        return self


class Payments(Strict):
    profiles: dict[str, float] = Field(
        default_factory=lambda: {"punctual": 0.4, "late": 0.3, "instalment": 0.1, "batch": 0.12, "erratic": 0.08}
    )
    fx_share: float = Field(0.04, ge=0, le=1, description="share of payments sent in the payer's home currency instead of the invoice's")
    duplicate_share: float = Field(0.01, ge=0, le=0.5)
    never_share: float = Field(0.02, ge=0, le=1)
    prepayment_share: float = Field(0.01, ge=0, le=0.5)
    refund_share: float = Field(0.6, ge=0, le=1, description="share of over- and duplicate payments refunded later")

    @field_validator("profiles")
    @classmethod
    def v_prof(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_weights(v, PROFILES)


class NonReceivable(Strict):
    share: float = Field(0.25, ge=0, lt=0.95, description="share of bank lines that settle no customer invoice")
    kinds: dict[str, float] = Field(
        default_factory=lambda: {
            "bank_fee": 0.3, "payroll": 0.12, "tax": 0.1, "vendor_payment": 0.33,
            "internal_transfer": 0.1, "interest": 0.05,
        }
    )

    @field_validator("kinds")
    @classmethod
    def v_kinds(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_weights(v, ("bank_fee", "payroll", "tax", "vendor_payment", "internal_transfer", "interest")
    )


NOISE_LEVELS = ("none", "low", "medium", "high")
COMPANY_NOISE = ("suffix_swap", "suffix_drop", "split", "merge", "acronym", "truncate", "abbreviation",
                 "vowel_drop", "typo", "case", "punctuation")
REFERENCE_NOISE = ("no_separator", "space_separator", "prefix_drop", "zeros_drop", "word_swap", "number_only",
                   "digit_typo", "transposition", "case")
LABELS = ("PAYMENT_TYPE", "COMPANY", "INVOICE", "CONTRACT", "PURCHASE_ORDER")


def _check_rates(value: dict[str, float], allowed: tuple[str, ...]) -> dict[str, float]:
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(f"unknown kind(s) {', '.join(map(repr, unknown))}; use any of {', '.join(allowed)}")
    bad = [k for k, v in value.items() if not 0 <= v <= 1]
    if bad:
        raise ValueError(f"rates must be between 0 and 1 ({', '.join(bad)})")
    return value


class Noise(Strict):
    level: Literal["none", "low", "medium", "high"] = "medium"
    company: dict[str, float] = Field(default_factory=dict, description="per-kind rate overrides for company names")
    reference: dict[str, float] = Field(default_factory=dict, description="per-kind rate overrides for references")
    evidence: dict[str, float] = Field(default_factory=dict,
                                       description="rates of payments quoting a PO or contract instead, or nothing")

    @field_validator("evidence")
    @classmethod
    def v_evidence(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_rates(v, ("instead", "no_reference"))

    @field_validator("company")
    @classmethod
    def v_company(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_rates(v, COMPANY_NOISE)

    @field_validator("reference")
    @classmethod
    def v_reference(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_rates(v, REFERENCE_NOISE)


class Mentions(Strict):
    balance: Literal["uniform", "natural"] = "uniform"
    shares: dict[str, float] | None = Field(None, description="target share per label (default: equal)")

    @field_validator("shares")
    @classmethod
    def v_shares(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        return None if v is None else _check_weights(v, LABELS)


class Confidence(Strict):
    """The confidence a line's evidence earns, by difficulty, and the bands that act on it."""

    easy: float = Field(0.99, ge=0, le=1)
    medium: float = Field(0.9, ge=0, le=1)
    hard: float = Field(0.75, ge=0, le=1)
    unidentified: float = Field(0.3, ge=0, le=1)
    automate_at: float = Field(0.95, ge=0, le=1, description="at or above: act without a human")
    review_at: float = Field(0.8, ge=0, le=1, description="at or above (and below automate_at): a human approves")


class Policy(Strict):
    """The rules that turn a line's truth into the gold agent actions."""

    auto_reconcile_tolerance: float = Field(0.01, ge=0, le=0.5,
                                            description="relative difference still treated as an exact payment")
    approval_threshold_usd: float = Field(50_000.0, ge=0, description="amounts at or above need approve")
    confidence: Confidence = Field(default_factory=Confidence)


TASKS = ("ner", "er", "recon", "actions")


class Tasks(Strict):
    build: list[Literal["ner", "er", "recon", "actions"]] = Field(
        default_factory=lambda: list(TASKS),
        description="which tasks' files to write (tasks/splits.jsonl is always written)")
    splits: dict[str, float] = Field(default_factory=lambda: {"train": 0.8, "dev": 0.1, "test": 0.1})
    holdout_templates: float = Field(0.0, ge=0, lt=1, description="share of templates never seen in train")
    policy: Policy = Field(default_factory=Policy)

    @field_validator("splits")
    @classmethod
    def v_splits(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != {"train", "dev", "test"}:
            raise ValueError("give exactly train, dev and test")
        return _check_weights(v, ("train", "dev", "test"))


class Scenario(Strict):
    """Everything that decides a dataset. Same scenario, same bytes."""

    name: str = "custom"
    seed: int = Field(42, ge=0, lt=2**63)
    customers: int = Field(1000, ge=1, le=50_000_000)
    period: Period = Field(default_factory=Period)
    countries: dict[str, float] = Field(
        default_factory=lambda: {"US": 0.22, "ID": 0.3, "DE": 0.14, "GB": 0.14, "NL": 0.08, "SG": 0.12}
    )
    industries: dict[str, float] = Field(
        default_factory=lambda: {"manufacturing": 0.3, "software": 0.3, "logistics": 0.2, "wholesale": 0.2}
    )
    groups: Groups = Field(default_factory=Groups)
    contracts: Contracts = Field(default_factory=Contracts)
    payments: Payments = Field(default_factory=Payments)
    non_receivable: NonReceivable = Field(default_factory=NonReceivable)
    locales: dict[str, float] = Field(default_factory=lambda: {"en": 0.6, "id": 0.4},
                                      description="narrative language / bank style mix")
    noise: Noise = Field(default_factory=Noise)
    mentions: Mentions = Field(default_factory=Mentions)
    tasks: Tasks = Field(default_factory=Tasks)
    confusables: float = Field(0.1, ge=0, le=0.9,
                               description="share of customers named almost like another customer")
    partition_customers: int = Field(
        250, ge=1, le=1_000_000,
        description="customers per partition: fixes memory per worker and the unit of parallel work",
    )

    @field_validator("countries")
    @classmethod
    def v_countries(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_weights(v, COUNTRIES)

    @field_validator("locales")
    @classmethod
    def v_locales(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_weights(v, ("en", "id"))

    @field_validator("industries")
    @classmethod
    def v_industries(cls, v: dict[str, float]) -> dict[str, float]:
        return _check_weights(v, DIVISIONS)
