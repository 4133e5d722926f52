"""One executor for embarrassingly parallel work: in process, local processes (joblib) or a Dask cluster.

Monte Carlo power, sample-size searches and other simulation studies run many independent tasks, each with
its own random numbers. :func:`run_tasks` runs them in one of three places, chosen by its arguments:

* in this process (``n_jobs=1``, no ``scheduler``);
* in local worker processes through joblib's loky backend (``n_jobs`` > 1, or -1 for every core), or in local
  threads (``prefer="threads"``) for numpy-bound tasks whose inputs are costly to ship to a fresh process;
* on a Dask cluster (``scheduler=`` a ``dask.distributed.Client``, or the address of a running scheduler such as
  ``"tcp://10.0.0.5:8786"``), which may span machines.

The results are the same in all three, for any number of workers: task ``i`` always receives child ``i`` of one
``numpy.random.SeedSequence(seed)`` (built from its spawn key, so it does not depend on which worker runs it or
when), and the results come back in task order.

Why hand-written: joblib and dask.distributed do all the work (processes, scheduling, serialization, retries);
this module is the thin layer that gives them one signature, the one seeding rule, one rich progress bar and
named errors for a scheduler that is not there. Dask is imported only when a scheduler is given.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np

from ._blas import one_blas_thread
from ._validation import BOOL, N_JOBS, NON_NEGATIVE_INT, STR, InstanceOf, Options, Satisfies, check
from .errors import ParameterError

CONNECT_TIMEOUT = 10  # seconds to wait for a scheduler at an address before giving up
SCHEDULER_HINT = "a dask.distributed.Client or the address of a running Dask scheduler (e.g. 'tcp://127.0.0.1:8786')"


def run_tasks(fn: Callable[[Any, np.random.SeedSequence], Any], tasks: Sequence[Any], *,
              seed: int | np.random.SeedSequence | None, n_jobs: int = 1, scheduler: Any = None,
              progress: bool = False, description: str = "tasks", prefer: str = "processes") -> list:
    """Run ``fn(task, seed_sequence)`` for every task, in process, in local processes or on a Dask cluster.

    Parameters
    ----------
    fn : callable
        ``fn(task, seed_sequence) -> result``; ``seed_sequence`` is the task's own
        ``numpy.random.SeedSequence`` (pass it to ``np.random.default_rng``). With ``n_jobs`` > 1 or a
        ``scheduler`` it must be picklable: a module-level function or a ``functools.partial`` of one.
    tasks : sequence
        One item per task (picklable for the parallel backends).
    seed : int, SeedSequence or None
        Seed (>= 0) of the whole run: task ``i`` gets child ``i`` of ``SeedSequence(seed)`` (the child with spawn
        key ``(i,)``, as ``SeedSequence(seed).spawn(len(tasks))[i]``), so its numbers do not depend on the
        backend, the number of workers or the order tasks finish in. A SeedSequence is used as the root (its
        children are built from its spawn key, whatever it has spawned before). None: fresh entropy, not
        reproducible.
    n_jobs : int
        Local worker processes (joblib, loky backend): 1 runs in this process, -1 uses every core. Ignored when a
        ``scheduler`` is given (the cluster's workers run the tasks).
    scheduler : dask.distributed.Client, str or None
        A Dask client, or the address of a running Dask scheduler (connected to for this call and closed after).
        None: run locally.
    progress : bool
        Show a rich progress bar on stderr (on every backend).
    description : str
        The progress bar's label.
    prefer : {"processes", "threads"}
        With ``n_jobs`` > 1 and no ``scheduler``: joblib's loky processes, or threads of this process (no
        start-up or pickling; for tasks whose time is spent in numpy, which releases the GIL). The results are
        the same either way.

    Returns
    -------
    list
        ``fn``'s results, in the order of ``tasks``.

    Raises
    ------
    ParameterError
        ``seed``, ``n_jobs`` or ``prefer`` out of range, ``scheduler`` neither a Client nor an address, or no
        scheduler answering at the address within 10 seconds.

    Examples
    --------
    >>> import numpy as np
    >>> from stickiness_research.executor import run_tasks
    >>> def draw(scale, seed_sequence):
    ...     return round(float(np.random.default_rng(seed_sequence).normal(0, scale)), 6)
    >>> run_tasks(draw, [1, 10, 100], seed=7)
    [-0.630068, 14.019101, 3.948502]

    Task ``i`` always gets the same seed: the first two tasks of a shorter run give the same numbers.

    >>> run_tasks(draw, [1, 10], seed=7)
    [-0.630068, 14.019101]
    """
    check(fn, "fn", "run_tasks", Satisfies(callable, "a callable fn(task, seed_sequence)"), shown=type(fn).__name__)
    check(tasks, "tasks", "run_tasks", Satisfies(lambda v: hasattr(v, "__len__") and not isinstance(v, str | bytes),
                                                 "a sequence of tasks"))
    check(seed, "seed", "run_tasks", NON_NEGATIVE_INT, InstanceOf(np.random.SeedSequence, "a SeedSequence"), None)
    check(n_jobs, "n_jobs", "run_tasks", *N_JOBS)
    check(progress, "progress", "run_tasks", BOOL)
    check(description, "description", "run_tasks", STR)
    check(prefer, "prefer", "run_tasks", Options(("processes", "threads")))
    tasks = list(tasks)
    seeds = task_seeds(seed, len(tasks))
    with _progress_bar(progress, len(tasks), description) as advance, connect(scheduler, "run_tasks") as client:
        if client is not None:
            return _run_dask(client, fn, tasks, seeds, advance)
        if n_jobs == 1 or len(tasks) <= 1:
            results = []
            for i, (task, child) in enumerate(zip(tasks, seeds, strict=True)):
                results.append(_indexed(fn, i, task, child)[1])
                advance()
            return results
        return _run_joblib(fn, tasks, seeds, n_jobs, advance, prefer)


def map_chunks(fn: Callable[[Any], Any], chunks: Sequence[Any], *, n_jobs: int = 1, scheduler: Any = None,
               progress: bool = False, description: str = "chunks") -> list:
    """``fn(chunk)`` for every chunk through :func:`run_tasks`, on local threads (or a Dask cluster), for work
    whose random numbers were all drawn before it was split (bootstrap resamples, permutations): the tasks'
    seeds are not needed, so ``fn`` takes the chunk alone. A closure is fine on threads; Dask pickles it with
    cloudpickle.

    Examples
    --------
    >>> from stickiness_research.executor import map_chunks
    >>> map_chunks(sum, [[1, 2], [3, 4]], n_jobs=2)
    [3, 7]
    """
    return run_tasks(partial(_call, fn), chunks, seed=0, n_jobs=n_jobs, scheduler=scheduler, progress=progress,
                     description=description, prefer="threads")


def _call(fn: Callable[[Any], Any], chunk: Any, _seed: np.random.SeedSequence) -> Any:
    return fn(chunk)


def task_seeds(seed: int | np.random.SeedSequence | None, count: int) -> list[np.random.SeedSequence]:
    """The ``count`` per-task seed sequences of :func:`run_tasks`: children 0, 1, ... of ``SeedSequence(seed)``.

    Built from spawn keys, so ``task_seeds(s, n)[i]`` equals ``SeedSequence(s).spawn(n)[i]`` and does not
    depend on ``count`` or on what a given SeedSequence has spawned before.

    Examples
    --------
    >>> import numpy as np
    >>> a = task_seeds(3, 4)[2]
    >>> b = np.random.SeedSequence(3).spawn(4)[2]
    >>> bool((a.generate_state(2) == b.generate_state(2)).all())
    True
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i), pool_size=root.pool_size)
            for i in range(count)]


@contextmanager
def connect(scheduler: Any, function: str = "run_tasks", name: str = "scheduler") -> Iterator[Any]:
    """Yield a ``dask.distributed.Client`` for ``scheduler`` (None for None).

    A Client given is yielded as it is (and left open); an address is connected to, and the client is closed on
    exit. Callers that run several batches (one per sample size) connect once and pass the client on.
    ``function`` and ``name`` are the caller and argument that errors name (``"stickiness power"``,
    ``"--dask-scheduler"``).

    Raises
    ------
    ParameterError
        ``scheduler`` is neither a Client nor an address, dask.distributed is not installed, or no scheduler
        answers at the address within 10 seconds.
    """
    if scheduler is None:
        yield None
        return
    check(scheduler, name, function, InstanceOf(str, SCHEDULER_HINT), Satisfies(_is_client, SCHEDULER_HINT),
          None, shown=scheduler if isinstance(scheduler, str | int | float) else f"a {type(scheduler).__name__}")
    if not isinstance(scheduler, str):
        yield scheduler
        return
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise ParameterError(name, function, "None when dask.distributed is not installed "
                             "(pip install 'dask[distributed]')", scheduler) from None
    address = scheduler.strip()
    if not address:
        raise ParameterError(name, function, SCHEDULER_HINT, scheduler)
    try:
        _reachable(address)
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:  # refused, timed out, or an address dask cannot parse
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ParameterError(name, function, f"{SCHEDULER_HINT}; none answered there ({reason[:160]})",
                             scheduler) from None
    try:
        yield client
    finally:
        client.close()


def _reachable(address: str) -> None:
    """Fail fast for a TCP address nobody listens at: a plain socket is refused at once, where dask's Client
    retries until its timeout and, failing, leaves a half-built client whose cleanup stalls the interpreter's exit.
    Raises ValueError for an address dask cannot parse and OSError when nothing answers."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    scheme, location = parse_address(address)
    if scheme not in backends:
        raise ValueError(f"unknown address scheme {scheme!r}; dask knows {', '.join(sorted(backends))}")
    if scheme not in ("tcp", "tls"):
        return  # inproc://, ws://, ucx://: left to dask
    host, port = parse_host_port(location)
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except TimeoutError:
        raise OSError(f"no answer from {host}:{port} within {CONNECT_TIMEOUT} s") from None
    except OSError as exc:
        raise OSError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None


def _is_client(value: Any) -> bool:
    """A dask.distributed Client, recognised without importing dask when it is not loaded."""
    import sys

    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(value, distributed.Client)


def _indexed(fn: Callable, index: int, task: Any, seed: np.random.SeedSequence) -> tuple[int, Any]:
    """Every task, wherever it runs (this process, a thread, a worker process, a Dask worker), on one BLAS thread:
    BLAS sums round differently on more threads, so the bytes would depend on the backend. The limit is
    counted over threads (``_blas``), so tasks running side by side on threads keep it until the last ends."""
    with one_blas_thread():
        return index, fn(task, seed)


def _run_joblib(fn: Callable, tasks: list, seeds: list, n_jobs: int, advance: Callable[[], None],
                prefer: str) -> list:
    from joblib import Parallel, delayed

    results: list = [None] * len(tasks)
    outputs = Parallel(n_jobs=n_jobs, prefer=prefer, return_as="generator_unordered")(
        delayed(_indexed)(fn, i, task, child) for i, (task, child) in enumerate(zip(tasks, seeds, strict=True)))
    for index, result in outputs:
        results[index] = result
        advance()
    return results


def _run_dask(client: Any, fn: Callable, tasks: list, seeds: list, advance: Callable[[], None]) -> list:
    from distributed import as_completed

    futures = client.map(partial(_indexed, fn), range(len(tasks)), tasks, seeds, pure=False)
    try:
        results: list = [None] * len(tasks)
        for future in as_completed(futures, loop=client.loop):  # the Client's own loop: it need not be the default
            index, result = future.result()  # re-raises a task's exception here, with its own type
            results[index] = result
            advance()
        return results
    finally:
        client.cancel(futures)


@contextmanager
def _progress_bar(show: bool, total: int, description: str) -> Iterator[Callable[[], None]]:
    """Yield ``advance()``; a transient rich bar on stderr when ``show``, else a no-op."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:  # a log file or a pipe: a bar would leave only blank lines
        yield lambda: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)
