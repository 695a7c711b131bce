"""Where scenarios run: a local pool of processes, or a Dask distributed cluster.

Both executors have one method, ``run(fn, scenarios, notify)``, a generator
that yields ``(scenario, Outcome)`` as each scenario finishes, in completion
order. ``fn`` is :func:`gridplan.sweep.worker.run_scenario` (or a wrapper of
it); it must be picklable. ``notify(event, scenario)`` is called with
``"start"`` when a scenario is handed to a worker and ``"requeue"`` when it
is put back to be run again alone (for the progress display).

A worker that dies is not a failed sweep:

* :class:`ProcessPool` (``concurrent.futures.ProcessPoolExecutor``): when a
  worker dies the pool is broken and every scenario in flight is lost with
  it, the innocent ones too. Those scenarios become suspects and are re-run
  later, one at a time, each in a fresh single-process pool; a suspect that
  kills its worker when alone is the culprit and is recorded as
  ``WorkerCrashed``.
* :class:`DaskExecutor`: the Dask scheduler reschedules the tasks of a dead
  worker itself; a task that was on ``allowed-failures + 1`` dead workers
  comes back as ``KilledWorker``. Since an innocent scenario may have shared
  a worker with the culprit, it is then run again alone; one that comes back
  ``KilledWorker`` when alone is recorded as ``WorkerCrashed``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from uuid import uuid4

from gridplan.sweep.spec import Scenario
from gridplan.sweep.worker import Outcome

Notify = Callable[[str, Scenario], None]


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the driving process, which stops the pool cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context():
    """A forkserver context that has gridplan imported once, so new workers start in milliseconds.

    Forking the driving process itself is unsafe once it runs threads (the
    progress display does); the fork server is a clean single-threaded parent.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not on Linux
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["gridplan.sweep.worker", "gridplan.api", "gridplan.rules", "pyomo.environ"])
    return ctx


class ProcessPool:
    """Run scenarios on a local pool of worker processes.

    Parameters
    ----------
    workers : int, optional
        Worker processes (default: the machine's CPU count).
    """

    def __init__(self, workers: int | None = None):
        self.workers = max(1, int(workers or os.cpu_count() or 1))

    def describe(self) -> str:
        return f"local process pool, {self.workers} worker(s)"

    def run(self, fn, scenarios: list[Scenario], notify: Notify | None = None) -> Iterator[tuple[Scenario, Outcome]]:
        queue, suspects = deque(scenarios), deque()
        while queue or suspects:
            # Regular work first, at full width; suspects afterwards, alone, to find the culprit.
            source, width = (queue, self.workers) if queue else (suspects, 1)
            pool = ProcessPoolExecutor(max_workers=width, mp_context=_context(), initializer=_ignore_sigint)
            inflight: dict = {}
            broken = False
            try:
                while (source or inflight) and not broken:
                    # At most one scenario per worker in flight, so a broken pool takes no queued ones with it.
                    while source and len(inflight) < width:
                        s = source.popleft()
                        try:
                            inflight[pool.submit(fn, s)] = s
                        except BrokenProcessPool:
                            # The pool broke between two results: this one never started, so it is no suspect.
                            source.appendleft(s)
                            break
                        if notify is not None:
                            notify("start", s)
                    if not inflight:
                        broken = True
                        break
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for f in done:
                        s = inflight.pop(f)
                        try:
                            outcome = f.result()
                        except BrokenProcessPool:
                            broken = True
                            if width == 1:
                                yield s, Outcome.crashed(s.name, "its worker process died while running it (killed, out of memory or crashed)")
                            else:
                                suspects.append(s)
                                if notify is not None:
                                    notify("requeue", s)
                            continue
                        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
                            outcome = Outcome(name=s.name, status="failed", error_type=type(exc).__name__, error=str(exc))
                        yield s, outcome
                if broken:
                    # Every other scenario in flight died with the pool; run them again later, alone.
                    for f, s in inflight.items():
                        suspects.append(s)
                        if notify is not None:
                            notify("requeue", s)
                    inflight.clear()
            finally:
                _stop(pool, hard=bool(inflight) or broken)


def _stop(pool: ProcessPoolExecutor, hard: bool) -> None:
    """Shut the pool down; with ``hard``, kill its workers (Ctrl-C, broken pool) instead of waiting."""
    if hard:
        # ProcessPoolExecutor has no public way to stop running tasks; its process table is the only handle.
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):  # already gone
                p.kill()
    pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Run scenarios on Dask distributed: an existing scheduler, a LocalCluster, or a given Client.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``. Its
        workers need gridplan installed (same version) and access to the
        base case's data files at the same paths.
    local_workers : int, optional
        Start a ``LocalCluster`` of this many single-threaded worker processes
        on loopback instead (closed after the sweep).
    client : distributed.Client, optional
        Use this client (left open).
    allowed_failures : int
        For a LocalCluster this executor starts: how many worker deaths a
        scenario may be part of before it is recorded as crashed (Dask's
        ``distributed.scheduler.allowed-failures``). An external scheduler
        keeps its own setting.
    """

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None, client=None,
                 allowed_failures: int = 1):
        if sum(x is not None for x in (scheduler, local_workers, client)) != 1:
            raise ValueError("give exactly one of scheduler, local_workers or client")
        self.scheduler, self.local_workers, self.client = scheduler, local_workers, client
        self.allowed_failures = allowed_failures

    def describe(self) -> str:
        if self.scheduler:
            return f"Dask scheduler {self.scheduler}"
        if self.local_workers:
            return f"Dask LocalCluster, {self.local_workers} worker(s)"
        return f"Dask client {getattr(self.client, 'scheduler', '')}"

    def _connect(self):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            from gridplan.errors import InputError

            raise InputError("<command line>", "--scheduler", "needs Dask distributed, which is not installed",
                             'pip install "gridplan[dask]" (or pip install "dask[distributed]")') from None
        if self.client is not None:
            return self.client, None
        if self.scheduler:
            try:
                return Client(self.scheduler, timeout="20s"), None
            except (OSError, TimeoutError) as exc:
                from gridplan.errors import InputError

                raise InputError("<command line>", "--scheduler", f"cannot reach the Dask scheduler {self.scheduler} ({exc})",
                                 "start it (dask scheduler) or check the address, e.g. tcp://HOST:8786") from None
        with dask.config.set({"distributed.scheduler.allowed-failures": self.allowed_failures}):
            cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=50)
        return Client(cluster), cluster

    def run(self, fn, scenarios: list[Scenario], notify: Notify | None = None) -> Iterator[tuple[Scenario, Outcome]]:
        from distributed import as_completed

        if not scenarios:
            return
        client, cluster = self._connect()
        queue, suspects = deque(scenarios), deque()
        futures: dict = {}
        alone: set = set()
        pending = as_completed()

        def submit(s: Scenario, isolated: bool) -> None:
            # pure=False and a fresh key: a re-run must run again, never reuse a cached result.
            f = client.submit(fn, s, key=f"gridplan-scenario-{s.name}-{uuid4().hex[:8]}", pure=False)
            futures[f] = s
            if isolated:
                alone.add(f)
            pending.add(f)
            if notify is not None:
                notify("start", s)

        def refill() -> None:
            # No more scenarios in flight than the cluster has threads: the scheduler hands each
            # worker only what it runs, so a dying worker takes no queued scenario down with it.
            if queue:
                slots = max(1, sum(client.nthreads().values()))
                while queue and len(futures) < slots:
                    submit(queue.popleft(), False)
            elif suspects and not futures:
                submit(suspects.popleft(), True)

        try:
            refill()
            while futures:
                f = next(pending)
                s = futures.pop(f)
                if f.status == "finished":
                    try:
                        outcome = f.result()
                    except Exception as exc:  # noqa: BLE001 - lost while fetching
                        outcome = Outcome(name=s.name, status="failed", error_type=type(exc).__name__, error=str(exc))
                else:
                    exc = f.exception()
                    if type(exc).__name__ == "KilledWorker":
                        if f not in alone:
                            # It may only have shared a worker with the culprit: try it again, alone.
                            suspects.append(s)
                            if notify is not None:
                                notify("requeue", s)
                            f.release()
                            refill()
                            continue
                        outcome = Outcome.crashed(s.name, f"its Dask worker died each time it ran it, alone ({exc})")
                    else:
                        outcome = Outcome(name=s.name, status="failed", error_type=type(exc).__name__, error=str(exc))
                alone.discard(f)
                f.release()
                yield s, outcome
                refill()
        finally:
            for f in futures:
                f.cancel()
            if cluster is not None:
                client.close()
                cluster.close()


def make_executor(workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None):
    """The executor that the command-line options ask for."""
    if scheduler and dask_local:
        from gridplan.errors import InputError

        raise InputError("<command line>", "--scheduler", "and --dask-local were both given", "use one of them")
    if scheduler:
        return DaskExecutor(scheduler=scheduler)
    if dask_local:
        return DaskExecutor(local_workers=dask_local)
    return ProcessPool(workers)
