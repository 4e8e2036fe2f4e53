"""Human-readable summaries of a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def summary_text(manifest: dict[str, Any], seconds: float | None, out: Path) -> str:
    tables = manifest["tables"]
    lines = [f"ledgersim {manifest['generator']['version']}: dataset '{manifest['scenario']['name']}' "
             f"(seed {manifest['seed']}, {manifest['partitions']} partitions) in {out}"]
    width = max(len(n) for n in tables)
    lines.append("rows per table:")
    for name, info in tables.items():
        lines.append(f"  {info['area']}/{name:<{width}} {info['rows']:>12,}")
    outcomes = manifest["summary"].get("outcome", {})
    total = sum(outcomes.values()) or 1
    lines.append("outcome mix of bank transactions:")
    for name, count in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:<{width + 7}} {count:>12,}  {100 * count / total:5.1f}%")
    if seconds is not None:
        txns = tables.get("bank_transactions", {}).get("rows", 0)
        rows = sum(info["rows"] for info in tables.values())
        lines.append(f"time: {seconds:.1f} s ({txns / seconds:,.0f} bank transactions/s, "
                     f"{rows / seconds:,.0f} rows/s over all tables)")
    return "\n".join(lines)
