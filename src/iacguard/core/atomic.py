"""Writing a file atomically: the one way iacguard replaces a file it was asked to write
(``--output-file`` / ``--report``, ``--fix``, a baseline, a cache entry).

The new bytes go to a temporary file in the target's directory, are flushed (and, unless told
otherwise, synced to disk), given the mode asked for and renamed over the target; until the
rename the target is exactly as it was, and whatever fails leaves no temporary file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO


def replace_atomically(
    target: str,
    produce: Callable[[BinaryIO], object],
    *,
    mode: int | None = None,
    prefix: str = ".iacguard-",
    suffix: str = ".tmp",
    sync: bool = True,
    still_wanted: Callable[[], bool] | None = None,
) -> bool:
    """Let ``produce(file)`` write the new content of ``target`` and put it in place.

    ``mode``: the permission bits of the result (None: the temporary file's own, 0600);
    ``sync``: fsync before the rename (a cache entry need not be durable);
    ``still_wanted()``: asked just before the rename; False abandons the write (the target is
    left as it was) and the call returns False. True when ``target`` was replaced. Any
    exception (``OSError``, or one ``produce`` raises) propagates after the temporary file is
    removed."""
    import tempfile

    fd, temp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=os.path.dirname(target) or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            produce(fh)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        if still_wanted is not None and not still_wanted():
            os.unlink(temp)
            return False
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return True
