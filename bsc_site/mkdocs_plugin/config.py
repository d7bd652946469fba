"""Options of the `bsc` plugin in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config, ValidationError

from ..site.links import prefix_problem


class _SitePath(c.Type):
    """A folder inside the site: the generated pages and data files are written there."""

    def __init__(self) -> None:
        super().__init__(str, default="")

    def run_validation(self, value):
        value = super().run_validation(value)
        problem = prefix_problem(value)
        if problem:
            raise ValidationError(problem)
        return value



class ScorecardConfig(Config):
    scorecards = c.Type(str, default="scorecards")
    """The scorecard folder (organization.yml, units/, actuals/), relative to mkdocs.yml."""
    period = c.Optional(c.Type(str))
    """The review period the site shows, e.g. 2026-Q3; default: the latest with data."""
    strict = c.Type(bool, default=False)
    """Treat design-check warnings as errors."""
    path = _SitePath()
    """Folder of the generated pages inside the site; '' puts the home page at the site root."""
    cache_dir = c.Type(str, default=".cache/bsc")
    """Where laid-out strategy maps and the unit files as read are cached, relative to mkdocs.yml."""
    templates = c.Type(str, default="overrides/bsc")
    """Folder of template overrides, relative to mkdocs.yml: a file there replaces the built-in one."""
    nav = c.Type(bool, default=True)
    """Build the navigation from the unit hierarchy when mkdocs.yml has no `nav`."""
    parallel = c.Type(bool, default=True)
    """Render the pages' tables, charts and maps in helper processes while MkDocs converts
    the Markdown (where the system can fork, in `mkdocs build`)."""
