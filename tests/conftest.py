"""Shared test fixtures, and how the suite is ordered, grouped and split into fast and slow.

* The Agg backend for figures and the folder of R-made reference files.
* ``study1_run``: ``ld.run_study("study1")`` on the bundled data, computed once per test
  process (per pytest-xdist worker) for the modules that read the same result.
* **Durations** (``tests/durations.json``, committed): the seconds each test took (set-up, then
  call and tear-down), the larger of recorded runs of the whole suite and of ``-m "not slow"``.
  ``pytest --record-durations=tests/durations.json`` merges a run into it (delete the file to
  start afresh); a test it does not list counts as instant. From it:

  - **Order.** Under pytest-xdist the tests are handed out longest first (with the tests of one
    group kept together), so the last tests to finish are short ones and the workers end
    together. ``tests/test_docs.py`` builds the site from the notebooks that
    ``tests/test_notebooks.py`` executed, so it goes after them, with other work in between.
    Without xdist the collection order is kept.
  - **Groups.** The tests that share an expensive module- or session-scoped fixture (one whose
    set-up took over :data:`SLOW_SECONDS`) go to one xdist worker (``xdist_group``), so the
    fixture is computed once, not once per worker.
  - **slow.** A test that took over :data:`SLOW_SECONDS`, or that shares such a fixture, is
    marked ``slow``: ``make test-fast`` (``-m "not slow"``) leaves it out; ``make test`` runs
    everything.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

# One BLAS/OpenMP thread in each pytest-xdist worker (and the notebook kernels and CLI
# subprocesses it starts, which inherit the environment): the workers already use every core,
# and each worker's BLAS starting a thread per core oversubscribes them. Measured on 2 cores:
# tests/test_power.py took 103 s (64 s of CPU) with BLAS threads, 35 s (29 s) without.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import matplotlib  # after the thread settings: it imports numpy
import pytest

matplotlib.use("Agg")

TESTS = Path(__file__).parent
DURATIONS = TESTS / "durations.json"
# a test (set-up included) or a shared fixture that took longer than this in the recorded run is
# "slow"; the recorded run's seconds are those of its machine and load (see durations.json)
SLOW_SECONDS = 0.5
_WIDE_SCOPES = {"session", "package", "module", "class"}
# session fixtures always treated as expensive (their users share one worker, and are slow),
# whatever the recorded run says
EXPENSIVE_FIXTURES = {"study1_run"}


@pytest.fixture
def reference_dir() -> Path:
    """tests/reference: fixtures computed in R (see each JSON file's ``versions``)."""
    return TESTS / "reference"


@pytest.fixture
def close_figures():
    """Close every matplotlib figure after a test that draws."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture(scope="session")
def study1_run():
    """``ld.run_study("study1")`` with its defaults on the bundled data, run once per process.

    Study 1 has no random step, so its seed and resample count do not change the result.
    Read it, never change it: test_study1, test_studies_common and test_study_language share it.
    """
    import matplotlib.pyplot as plt

    import learning_direction as ld

    out = ld.run_study("study1")
    plt.close("all")
    return out


# ------------------------------------------------------------------------------------ durations
def pytest_addoption(parser):
    parser.addoption(
        "--record-durations",
        metavar="PATH",
        default=None,
        help="write each test's set-up and call seconds to PATH (tests/durations.json)",
    )


class _DurationRecorder:
    """Collects the seconds of each phase of each test (in the xdist controller, or alone)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seconds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def pytest_runtest_logreport(self, report) -> None:
        nodeid = report.nodeid
        if nodeid.rfind("@") > nodeid.rfind("]"):  # loadgroup's "@group" suffix
            nodeid = nodeid.rsplit("@", 1)[0]
        self.seconds[nodeid][0 if report.when == "setup" else 1] += report.duration

    def pytest_sessionfinish(self, session) -> None:
        # the larger of the seconds already in the file and this run's, phase by phase: a
        # test-fast run adds the costs that move onto other tests when the slow ones are left
        # out (the first test to import a library or fill a cache pays for it)
        old = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        rows = {}
        for k in sorted(set(old) | set(self.seconds)):
            new = self.seconds.get(k, [0.0, 0.0])
            was = old.get(k, [0.0, 0.0])
            rows[k] = [round(max(a, b), 2) for a, b in zip(new, was, strict=True)]
        _write_durations(self.path, rows)


def _write_durations(path: Path, rows: dict[str, list[float]]) -> None:
    """One test a line (readable diffs); tests under 0.05 s are left out (they count as 0)."""
    lines = [f"{json.dumps(k)}: [{s}, {c}]" for k, (s, c) in rows.items() if s + c >= 0.05]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


def pytest_configure(config):
    path = config.getoption("--record-durations")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_DurationRecorder(Path(path)), "ld-durations")
    config.pluginmanager.register(_Grouping(), "ld-grouping")
    if hasattr(config.option, "loadscopereorder"):
        # xdist would hand out the largest groups first; the order set below is longest first
        config.option.loadscopereorder = False


def _recorded() -> dict[str, list[float]]:
    if not DURATIONS.exists():
        return {}
    return json.loads(DURATIONS.read_text(encoding="utf-8"))


def _wide_fixtures(item) -> dict[str, str]:
    """The module-, class-, package- and session-scoped fixtures of ``item``: name -> scope."""
    info = getattr(item, "_fixtureinfo", None)
    out = {}
    for name in getattr(item, "fixturenames", ()):
        defs = info.name2fixturedefs.get(name) if info is not None else None
        code = getattr(defs[-1].func, "__code__", None) if defs else None
        # the suite's own fixtures only (not pytest's tmp_path_factory and the like)
        if code is not None and defs[-1].scope in _WIDE_SCOPES:
            if Path(code.co_filename).resolve().is_relative_to(TESTS.resolve()):
                out[name] = defs[-1].scope
    return out


def _group(item) -> str | None:
    mark = item.get_closest_marker("xdist_group")
    if mark is None:
        return None
    return mark.args[0] if mark.args else mark.kwargs.get("name", "default")


class _Grouping:
    """Groups the users of each expensive shared fixture; marks them and long tests slow.

    A shared fixture is set up by the first test that uses it: when that test's set-up took
    over :data:`SLOW_SECONDS`, the fixtures it was the first to use are expensive. Done as each
    test is collected (in collection order), so the marks are there before any
    ``pytest_collection_modifyitems`` (``-m`` and xdist's loadgroup read them).
    """

    def __init__(self) -> None:
        self.seconds = _recorded()
        # (module path, or "" for a session fixture; fixture name)
        self.expensive = {("", name) for name in EXPENSIVE_FIXTURES}
        self.seen: set[tuple[str, str]] = set()

    def pytest_itemcollected(self, item) -> None:
        wide = _wide_fixtures(item)
        keys = {("" if s == "session" else str(item.path), n): n for n, s in wide.items()}
        first = set(keys) - self.seen
        self.seen |= first
        recorded = self.seconds.get(item.nodeid, [0.0, 0.0])
        if recorded[0] > SLOW_SECONDS:
            self.expensive |= first
        shared = sorted(n for k, n in keys.items() if k in self.expensive and not k[0])
        local = sorted(n for k, n in keys.items() if k in self.expensive and k[0])
        if (shared or local) and _group(item) is None:
            # a session fixture shared across modules names the group; else the module does
            group = f"fixture:{shared[0]}" if shared else f"module:{item.path.name}"
            item.add_marker(pytest.mark.xdist_group(group))
        if shared or local or sum(recorded) > SLOW_SECONDS:
            item.add_marker(pytest.mark.slow)


def _name_group_in_nodeid(item) -> None:
    """``nodeid@group``: how xdist's loadgroup scheduler sees a group.

    pytest-xdist 3.8 adds the suffix by setting ``item._nodeid``, which pytest 9 no longer reads
    (a node's id is ``item._id``): without this, ``xdist_group`` marks are silently ignored and
    the tests of a group are spread over the workers.
    """
    group = _group(item)
    if group is None or item.nodeid.endswith(f"@{group}"):
        return
    try:
        from _pytest.nodeid import NodeId  # pytest >= 9
    except ImportError:  # pytest 8: xdist's own suffix works
        return
    item._id = NodeId.parse(f"{item.nodeid}@{group}")


def _longest_first(items, seconds) -> list:
    """Units (a group's tests, or one test) longest first; test_docs after the notebooks."""
    units: dict[str, list] = {}
    for item in items:
        units.setdefault(_group(item) or item.nodeid, []).append(item)
    cost = {k: sum(sum(seconds.get(i.nodeid, [0.0, 0.0])) for i in v) for k, v in units.items()}
    order = sorted(units, key=lambda k: -cost[k])  # stable: ties keep the collection order
    docs = [k for k in order if units[k][0].path.name == "test_docs.py"]
    order = [k for k in order if k not in docs]
    notebooks = [
        k for k in order if getattr(units[k][0], "originalname", "") == "test_notebook_runs"
    ]
    if notebooks:
        # test_docs starts once every notebook has finished: after the last notebook handed out
        # comes other work worth three of the longest notebook (the two workers take it in turn)
        last = max(order.index(k) for k in notebooks)
        wait, at = 3 * max(cost[k] for k in notebooks), last + 1
        while at < len(order) and wait > 0:
            wait -= cost[order[at]]
            at += 1
        order[at:at] = docs
    else:
        order += docs
    return [item for k in order for item in units[k]]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    seconds = _recorded()
    if config.pluginmanager.hasplugin("xdist") and (
        hasattr(config, "workerinput") or getattr(config.option, "numprocesses", None)
    ):
        items[:] = _longest_first(items, seconds)
        if config.getvalue("loadgroup"):
            for item in items:
                _name_group_in_nodeid(item)
    else:
        # one process: module order, but test_docs after test_notebooks (it builds the site
        # from the notebooks that module executed)
        items.sort(key=lambda item: item.path.name == "test_docs.py")
