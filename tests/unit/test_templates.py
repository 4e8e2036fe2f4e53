"""The narrative template catalogue."""

from __future__ import annotations

from collections import Counter

import pytest

from ledgersim.observe.templates import USES, parse, templates
from ledgersim.reference import currencies


def test_at_least_40_templates_per_locale_covering_every_kind_of_line() -> None:
    by_locale = Counter(t.locale for t in templates())
    assert by_locale["en"] >= 40 and by_locale["id"] >= 40
    for locale in ("en", "id"):
        uses = {t.use for t in templates() if t.locale == locale}
        assert uses == set(USES)
        mine = [t for t in templates() if t.locale == locale and t.use in ("full", "partial")]
        assert any(t.has("PO") for t in mine) and any(t.has("CONTRACT") for t in mine)
        assert any(not t.has("INVOICES") and not t.has("PO") and not t.has("CONTRACT") for t in mine)


def test_every_class_of_line_has_a_template_without_optional_slots() -> None:
    for locale in ("en", "id"):
        for use in USES:
            for currency in currencies():
                assert any(t.locale == locale and t.use == use and t.fits(currency) and not t.has("PO")
                           and not t.has("CONTRACT") for t in templates()), (locale, use, currency)


def test_ids_are_stable_and_unique() -> None:
    ids = [t.id for t in templates()]
    assert len(ids) == len(set(ids))
    assert all(t.id.startswith(t.locale + "-") for t in templates())


def test_parse_glues_placeholders_written_against_text() -> None:
    tokens = parse("{COMPANY} /INV/{INVOICES:/}")
    assert [(t.kind, t.name, t.option, t.glued) for t in tokens] == [
        ("slot", "COMPANY", "", False), ("literal", "/INV/", "", False), ("slot", "INVOICES", "/", True)]


def test_unknown_placeholder_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown placeholder"):
        parse("{CUSTOMER}")
