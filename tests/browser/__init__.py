"""Real-browser tests of the example site (see README.md). A package, so that this folder's
conftest.py does not take the place of tests/conftest.py, which other tests import."""
