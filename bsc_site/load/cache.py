"""What each unit file was read into, kept by the file's bytes: an unchanged file is not parsed again.

Parsing YAML is most of the time a large organisation takes to load (10,000 unit files:
about half a minute of CPU); unpickling what a file was read into takes a fifteenth of
that. The cache is one pack file per scorecard folder, under the cache folder:

    <cache_dir>/load/<digest of the folder's path>.pack

holding, for each unit file read, the unit and the problems found in it, keyed by a
digest of the file's bytes, its path as reported, the organisation file's bytes (its
calendar and KPI library shape every unit) and this package's code and versions. So a
changed file, a changed organisation file or another version of bsc-site is read afresh,
and the result is the same whether a file comes from the cache or not. The pack is
rewritten only when its entries change, holding just the files of the last read: it does
not grow with old versions.

The cache is only ever a shortcut: a pack that is missing, damaged, or from another
format is ignored, and one that cannot be written is left unwritten, without a word.
Unpickling runs code named in the pack, so the cache folder must be as trusted as the
project folder itself (both are the user's own).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import yaml

from ..stored import store

FORMAT = b"bsc-site load cache 1\n"


@functools.cache
def code_digest() -> bytes:
    """This package's source, the Python and PyYAML that run it: what turns a file into its entry."""
    digest = hashlib.blake2b(FORMAT, digest_size=16)
    digest.update(f"{sys.version}\n{yaml.__version__}\n{getattr(yaml, '__with_libyaml__', False)}\n".encode())
    package = Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.digest()


class LoadCache:
    """The pack of one scorecard folder: `get` what a file was read into, `put` a new entry, `save`."""

    def __init__(self, cache_dir: Path, root: Path, context: bytes) -> None:
        where = hashlib.blake2b(str(root.resolve()).encode(), digest_size=8).hexdigest()
        self.path = cache_dir / "load" / f"{where}.pack"
        self._context = hashlib.blake2b(code_digest() + context, digest_size=16).digest()
        self._entries = self._read()
        self._kept: dict[bytes, bytes] = {}  # what this read used or added: the next pack
        self.hits = 0

    def _read(self) -> dict[bytes, bytes]:
        try:
            with open(self.path, "rb") as fh:
                if fh.read(len(FORMAT)) != FORMAT:
                    return {}
                entries = pickle.load(fh)
        except Exception:  # missing, unreadable, cut short, another format: read the files instead
            return {}
        return entries if isinstance(entries, dict) else {}

    def key(self, path: Path, shown: str, limit: int) -> bytes | None:
        """The key of a file's entry; None for a file to read the usual way (not a regular
        file, larger than `limit`, unreadable: reading it reports why)."""
        try:
            if not os.path.isfile(path):  # never open a pipe or a device: it could block or be endless
                return None
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
        except OSError:
            return None
        if len(data) > limit:
            return None
        digest = hashlib.blake2b(self._context, digest_size=20)
        digest.update(shown.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(data)
        return digest.digest()

    def get(self, key: bytes | None) -> Any:
        """The entry under the key, or None."""
        data = self._entries.get(key) if key is not None else None
        if data is None:
            return None
        try:
            value = pickle.loads(data)
        except Exception:  # a damaged entry: the file is read instead
            return None
        self._kept[key] = data
        self.hits += 1
        return value

    def put(self, key: bytes | None, data: bytes) -> None:
        """A new entry: the pickled result of reading the file."""
        if key is not None:
            self._kept[key] = data

    def save(self) -> None:
        """Write the pack if its entries changed; a cache that cannot be written is no error."""
        if self._kept.keys() == self._entries.keys():
            return
        try:
            store(self.path, FORMAT + pickle.dumps(self._kept, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass
