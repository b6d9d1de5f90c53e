"""What a cadence pass needs, bundled for the worker, the scheduler and the CLI (the runtime
builds it: ``bot.runtime.outreach.Outreach.cadence_deps``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.cadence.runner import PassReport, RemindFn, run_pass
from bot.config import Settings
from bot.core.clock import Clock


@dataclass(frozen=True)
class CadenceDeps:
    sessions: sessionmaker[Session]
    settings: Settings
    clock: Clock
    remind: RemindFn
    with_thanks: bool = False  # the cadence sends thank-yous (off: the runtime does)
    # runs first in every pass: the runtime breaks promises and agreements whose time passed
    before_pass: Callable[[datetime], object] | None = None

    def run(self, now: datetime | None = None) -> PassReport:
        """One pass at ``now`` (default: the clock's now)."""
        if self.before_pass is not None:
            self.before_pass(now or self.clock.now())
        return run_pass(
            self.sessions,
            self.settings,
            self.clock,
            self.remind,
            now=now,
            with_thanks=self.with_thanks,
        )
