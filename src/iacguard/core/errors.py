"""The one exception that crosses module boundaries: the run itself cannot do its job."""

from __future__ import annotations


class CheckError(Exception):
    """The run cannot do its job (bad config, bad baseline, bad git ref): exit code 2."""
