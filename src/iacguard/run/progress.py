"""A single updating progress line on stderr, for slow runs in a terminal only.

Nothing is drawn for the first ``delay`` seconds (pre-commit runs finish long before), nor
when stderr is not a terminal; the line is erased when the run ends, so it never mixes
with the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import threading


class Progress:
    """Callable as ``api.ProgressHook``; ``with Progress(...)`` draws from a daemon thread."""

    def __init__(
        self,
        stream: TextIO,
        *,
        delay: float = 1.0,
        interval: float = 0.2,
    ) -> None:
        self.stream = stream
        self.scope = ""
        self.delay = delay
        self.interval = interval
        self.done = 0
        self.total = 0
        self.label = ""
        self.drawn = False
        self._last = ""
        import threading  # here: a run without a progress line (not a terminal) needs none

        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __call__(self, done: int, total: int, label: str) -> None:
        with self._lock:
            if done == 0:  # the run announces what it found before evaluating
                self.scope, self.total = label, total
            else:
                self.done, self.total, self.label = done, total, label

    def line(self) -> str:
        with self._lock:
            done, total, label, scope = self.done, self.total, self.label, self.scope
        head = "iacguard: " + (scope or "discovering files")
        if total:
            head += f" · evaluated {done}/{total} units"
        if label:
            head += f" · {label}"
        return head[:120]

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            self.draw()
            self._stop.wait(self.interval)

    def draw(self) -> None:
        """Redraw the line in place when it changed (called by the drawing thread)."""
        line = self.line()
        if line == self._last:
            return
        self._last = line
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self.drawn = True

    def __enter__(self) -> Progress:
        import threading

        self._thread = threading.Thread(target=self._run, name="iacguard-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def wanted(stream: TextIO, *, machine_format: bool, quiet: bool) -> bool:
    """Progress only on a terminal, for humans: never for machine formats or --quiet."""
    if machine_format or quiet:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
