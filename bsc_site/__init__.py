"""bsc-site: Balanced Scorecards kept as files, published as a static site."""

__version__ = "0.1.0"
