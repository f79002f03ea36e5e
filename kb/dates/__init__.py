"""Russian date resolver: temporal expressions in news text to calendar intervals."""

from kb.dates.model import Anchor, Modifier, Precision, ResolvedDate, interval_for_value
from kb.dates.resolve import find_dates, resolve_date

__all__ = ["Anchor", "Modifier", "Precision", "ResolvedDate", "find_dates",
           "interval_for_value", "resolve_date"]
