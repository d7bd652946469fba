"""Validation: reference errors, then design checks, all reported together."""

from __future__ import annotations

from ..model import Scorecards
from ..periods import Period
from ..problems import Problems, did_you_mean
from .design import CHECK_IDS, CHECKS, check_design
from .references import check_references
from .reviews import check_reviews

__all__ = ["CHECKS", "CHECK_IDS", "validate"]


def validate(sc: Scorecards, problems: Problems, period: Period | None = None, strict: bool = False) -> None:
    """Add every problem of a loaded scorecard folder to `problems`."""
    for silence in sc.organization.checks.silence:  # unknown check ids: reported by the loader, where written
        if silence.unit is not None and sc.unit(silence.unit) is None:
            problems.error(sc.organization.location, "unknown-unit",
                           f"checks.silence names unit '{silence.unit}', which does not exist",
                           field="checks.silence.unit", hint=did_you_mean(silence.unit, sc.units_by_id))
    check_references(sc, problems)
    check_reviews(sc, problems)
    if problems.errors:
        return  # design checks on a broken model would only repeat the errors
    check_design(sc, period or sc.latest_review_period(), problems, strict)
