"""Validation: reference errors, then design checks, all reported together."""

from __future__ import annotations

from ..model import Organization, Scorecards
from ..periods import Period
from ..problems import Problems, UnitFindings, did_you_mean
from .design import CHECK_IDS, CHECKS, check_design
from .references import check_references
from .reviews import check_reviews

__all__ = ["CHECKS", "CHECK_IDS", "validate"]


def validate(sc: Scorecards, problems: Problems, period: Period | None = None, strict: bool = False,
             findings: UnitFindings | None = None) -> None:
    """Add every problem of a loaded scorecard folder to `problems`, and to `findings` what
    each unit's own checks found."""
    silences(sc.organization, sc.units_by_id, problems)
    check_references(sc, problems, findings)
    check_reviews(sc, problems)
    if problems.errors:
        return  # design checks on a broken model would only repeat the errors
    check_design(sc, period or sc.latest_review_period(), problems, strict, findings)


def silences(org: Organization, unit_ids, problems: Problems) -> None:
    """`checks.silence` entries naming a unit that does not exist (unknown check ids are
    reported by the loader, where written)."""
    for silence in org.checks.silence:
        if silence.unit is not None and silence.unit not in unit_ids:
            problems.error(org.location, "unknown-unit",
                           f"checks.silence names unit '{silence.unit}', which does not exist",
                           field="checks.silence.unit", hint=did_you_mean(silence.unit, unit_ids))
