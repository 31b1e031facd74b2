"""Jobs: computations run on Dask (a local cluster on 127.0.0.1 by default, or a scheduler
address), or inline in a thread pool (``inline``), or held queued (``hold``); state, progress and results kept in the store.

The service's own thread waits for each task and writes its result, so a worker needs no access
to the store. On start-up, jobs left queued or running by a previous process are marked
``interrupted``; finished jobs keep their stored results.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from orebloc.errors import OreblocError
from orebloc.service.compute import KINDS, JobFn, on_worker
from orebloc.service.schemas import JobState
from orebloc.service.store import Job, Store, utcnow

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

#: the states a job does not leave
FINAL: tuple[JobState, ...] = ("done", "failed", "cancelled", "interrupted")


class JobRunner:
    """Starts jobs, follows them to the end and records the outcome."""

    def __init__(self, store: Store, scheduler: str = "local-cluster", workers: int = 2) -> None:
        self.store = store
        self.scheduler = scheduler
        self.workers = workers
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orebloc-job")
        self._futures: dict[int, Future] = {}  # the Dask task of each job run there
        self._lock = threading.Lock()

    def recover(self) -> int:
        """Mark jobs a previous process left unfinished as interrupted; how many."""
        with self.store.session() as s:
            res = s.execute(  # an UPDATE's result is a cursor result, which counts its rows
                sa.update(Job)
                .where(Job.state.in_(("queued", "running")))
                .values(
                    state="interrupted",
                    finished_at=utcnow(),
                    error="the service stopped before the job finished",
                )
            )
            return cast(sa.CursorResult[Any], res).rowcount or 0

    def _dask(self) -> Client:
        """The Dask client, connected (and the local cluster started) on first use."""
        with self._lock:
            if self._client is None:
                from distributed import Client, LocalCluster

                if self.scheduler == "local-cluster":
                    self._cluster = LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                    )
                    self._client = Client(self._cluster)
                else:
                    self._client = Client(self.scheduler)
            return self._client

    def submit(self, job_id: int, kind: str, params: dict[str, Any]) -> None:
        """Start ``kind`` on ``params``; a follower thread records progress and the outcome."""
        fn = KINDS[kind]
        if self.scheduler == "hold":  # accept jobs, run none (maintenance, tests): they stay queued
            return
        self._pool.submit(self._follow, job_id, fn, params)

    def _progress(self, job_id: int, share: float) -> None:
        """Record a running job's progress: 0.1 when it starts, up to 0.99 before its result."""
        with self.store.session() as s:
            job = s.get(Job, job_id)
            if job is not None and job.state == "running":
                job.progress = round(0.1 + 0.89 * min(max(share, 0.0), 1.0), 4)

    def _follow(self, job_id: int, fn: JobFn, params: dict[str, Any]) -> None:
        """Run a queued job (inline or on Dask) and record how it ended."""
        with self.store.session() as s:
            job = s.get(Job, job_id)
            if job is None or job.state != "queued":
                return
            job.state, job.progress = "running", 0.1
        try:
            if self.scheduler == "inline":
                result = fn(params, progress=lambda share: self._progress(job_id, share))
            else:
                result = self._on_dask(job_id, fn, params)
        except OreblocError as exc:
            self._finish(job_id, "failed", None, str(exc))
            return
        except Exception as exc:  # a cancelled Dask future, or a bug: recorded, never raised
            cancelled = type(exc).__name__ == "CancelledError"
            self._finish(
                job_id,
                "cancelled" if cancelled else "failed",
                None,
                None if cancelled else f"internal error ({type(exc).__name__})",
            )
            return
        finally:
            self._futures.pop(job_id, None)
        self._finish(job_id, "done", result, None)

    def _on_dask(self, job_id: int, fn: JobFn, params: dict[str, Any]) -> dict[str, Any]:
        """Submit to Dask and wait, copying the worker's progress into the store every half second."""
        from distributed import TimeoutError as DaskTimeout
        from distributed import Variable

        client = self._dask()
        channel = f"orebloc-job-{job_id}-{uuid.uuid4().hex[:8]}"
        var = Variable(channel, client=client)
        var.set(
            0.0
        )  # set before the worker starts, so that a read never waits (nor logs a time-out)
        fut = client.submit(on_worker, fn, params, channel, pure=False)
        self._futures[job_id] = fut
        seen = None
        try:
            while True:
                try:
                    result: dict[str, Any] = fut.result(timeout=0.5)
                    return result
                except DaskTimeout:
                    try:
                        share = var.get(timeout=0.1)
                    except (DaskTimeout, TimeoutError):
                        continue
                    if share != seen:
                        seen = share
                        self._progress(job_id, float(share))
        finally:
            with contextlib.suppress(Exception):
                var.delete()

    def _finish(
        self, job_id: int, state: JobState, result: dict[str, Any] | None, error: str | None
    ) -> None:
        """Record a job's final ``state`` with its result or error (unless it is final already)."""
        with self.store.session() as s:
            job = s.get(Job, job_id)
            if job is None or job.state in FINAL:
                return  # cancelled meanwhile: the result is dropped
            job.state, job.result, job.error, job.finished_at = state, result, error, utcnow()
            job.progress = 1.0 if state == "done" else job.progress

    def cancel(self, job_id: int) -> None:
        """Stop following a job (its Dask task is cancelled where it has one)."""
        fut = self._futures.get(job_id)
        if fut is not None:
            fut.cancel()

    def close(self) -> None:
        """Stop the follower threads and the Dask client and cluster this runner started."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
