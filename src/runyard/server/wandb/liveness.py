"""Runs whose wandb client went silent become ``crashed``.

A Runyard SDK run that dies is marked ``crashed`` when its journal is replayed. A
wandb client keeps no journal the server could see: when its process is killed
(``SIGKILL``, an OOM kill, a lost node), its ``file_stream`` simply stops. As W&B's
server does, a run logged by the wandb client (its config holds wandb's telemetry,
``_wandb.t``) that is ``running`` with no heartbeat for ``timeout`` seconds is marked
``crashed`` (wandb's client beats at least every 30 s). A client that comes back
(its next ``file_stream``) puts the run back to ``running``.

A daemon thread per app sweeps every ``timeout / 4`` seconds (at most once a minute),
started by the first wandb request, so apps that never see a wandb client run none.
With several replicas each sweeps; marking a run twice is harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from runyard.entities import RunRef
from runyard.store.base import RunBatch, TrackingStore

__all__ = ["Liveness"]

log = logging.getLogger("runyard.wandb")


class Liveness:
    def __init__(
        self, store: TrackingStore, timeout: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.timeout = timeout
        self.clock = clock
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def sweep(self) -> list[RunRef]:
        """Mark every silent wandb run ``crashed`` now; returns them."""
        cutoff = self.clock() - self.timeout
        silent = {
            "state": "running",
            "heartbeat_at": {"$lt": cutoff},
            "config._wandb.t": {"$exists": True},
        }
        marked = []
        for entity, project in self.store.list_projects():
            for record in self.store.query_runs(entity, project, silent):
                self.store.write_batch(RunBatch(run=record.ref, meta={"state": "crashed"}))
                marked.append(record.ref)
        return marked

    def start(self) -> None:
        """Start the sweeping thread (once)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=self._loop, name="runyard-wandb-liveness", daemon=True
            )
            self._thread.start()

    def _loop(self) -> None:
        every = min(60.0, max(1.0, self.timeout / 4))
        while True:
            time.sleep(every)
            try:
                self.sweep()
            except Exception:  # a database blip: try again next time
                log.exception("marking silent wandb runs crashed failed")
