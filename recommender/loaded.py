"""What this process has loaded from the database and the storage (the text
index, the corpus, the collaborative signal), kept until what is stored
changes.

Every web and worker process reads the same stored data. Each keeps one copy
per name, with the version of what was stored when it loaded it, and loads
again only when a caller finds another version stored: never per request.
"""

import threading
from collections.abc import Callable, Hashable
from typing import NamedTuple, cast


class _Kept(NamedTuple):
    version: Hashable
    value: object


_values: dict[str, _Kept] = {}
_lock = threading.Lock()


def load_once[T](name: str, version: Hashable, load: Callable[[], T]) -> T:
    """What `load` returns for this `version`, loaded once per process."""
    with _lock:
        kept = _values.get(name)
        if kept is None or kept.version != version:
            kept = _Kept(version, load())
            _values[name] = kept
        return cast(T, kept.value)


def forget() -> None:
    """Drop everything loaded (tests that replace the stored data wholesale)."""
    with _lock:
        _values.clear()
