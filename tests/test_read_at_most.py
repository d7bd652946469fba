"""read_text reads at most limit + 1 bytes without asking for a buffer that large: the
bytes it gets are those fh.read(limit + 1) gets, at the limit, around it, and for a file
that grows after it is opened."""

from __future__ import annotations

import pytest

from bsc_site.load.text import _read_at_most, read_text
from bsc_site.problems import Problems


@pytest.mark.parametrize("size", [0, 1, 9, 10, 11, 12, 100])
@pytest.mark.parametrize("count", [1, 10, 11, 50])
def test_it_reads_what_a_plain_read_reads(tmp_path, size, count):
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(i % 256 for i in range(size)))
    with path.open("rb") as a, path.open("rb") as b:
        assert _read_at_most(a, count) == b.read(count)


@pytest.mark.parametrize("grown", [1, 5, 40])
def test_a_file_that_grows_after_opening_is_read_as_before(tmp_path, grown):
    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * 10)
    with path.open("rb") as fh:
        with path.open("ab") as more:
            more.write(b"b" * grown)
        data = _read_at_most(fh, 31)
    assert data == (b"a" * 10 + b"b" * grown)[:31]


@pytest.mark.parametrize("size, too_large", [(1023, False), (1024, False), (1025, True), (4000, True)])
def test_the_limit_is_where_it_was(tmp_path, size, too_large):
    path = tmp_path / "f.yml"
    path.write_bytes(b"a" * size)
    problems = Problems()
    text = read_text(path, problems, 1024)
    assert [p.code for p in problems.items] == (["file-too-large"] if too_large else [])
    assert text == (None if too_large else "a" * size)
