"""An interrupted or killed run leaves the previous complete result, or nothing, never half.

The solve runs in a real subprocess through the command line
(``gridplan.cli.main``, as ``python -m gridplan solve`` does). A hook on
``gridplan.highs.HighsSession.run`` touches a marker file when solving starts, so the
test knows when to send the signal; nothing else is changed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import default_sigint
from tests.test_bad_inputs import ONE_NODE, build

#: Days modelled: large enough that compile plus HiGHS take a few seconds.
DAYS = 90

RUNNER = textwrap.dedent(
    """
    import pathlib, sys
    from gridplan.highs import HighsSession
    marker, stage = pathlib.Path(sys.argv[1]), sys.argv[2]
    original = getattr(HighsSession, stage)

    def hooked(self, *args, **kwargs):
        marker.touch()
        return original(self, *args, **kwargs)

    setattr(HighsSession, stage, hooked)
    sys.argv = ["gridplan", *sys.argv[3:]]
    from gridplan.cli import main
    main()
    """
)


def _previous_result(out: Path) -> dict[str, bytes]:
    """A complete earlier result in ``out`` (written the way gridplan writes), as {file: bytes}."""
    from gridplan.output import write_atomically

    def writer(folder: Path) -> None:
        (folder / "summary.json").write_text(json.dumps({"case": "base", "status": "optimal", "run": "previous"}))
        (folder / "capacity.csv").write_text("asset,mw\npv,400\n")

    write_atomically(out, writer)
    return {p.name: p.read_bytes() for p in out.iterdir()}


def _start_solve(case: Path, out: Path, marker: Path, stage: str = "run") -> subprocess.Popen:
    """Start ``gridplan solve``; ``marker`` appears when HighsSession reaches ``stage``."""
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(marker), stage, "solve", str(case), "--out", str(out), "--days", str(DAYS),
         "--method", "simplex"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )


def _wait_for(marker: Path, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    t0 = time.monotonic()
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the solve ended before it started solving: {proc.communicate()}")
        if time.monotonic() - t0 > timeout_s:
            proc.kill()
            pytest.fail("the solve did not start within the timeout")
        time.sleep(0.05)


def _leftovers(folder: Path, out: Path) -> list[str]:
    """Anything beside ``out`` that a reader could take for a result (hidden temporaries excluded)."""
    return sorted(p.name for p in folder.iterdir() if p != out and not p.name.startswith(".") and p.suffix != ".yaml"
                  and p.name not in ("demand.csv", "pv.csv", "solving"))


# SIGKILL lands while HiGHS runs. SIGINT lands while the LP is handed to HiGHS
# (HighsSession.__init__): inside HiGHS's C++ loop Python only sees Ctrl-C once
# the solve returns, which would make the test wait for the whole solve.
@pytest.mark.parametrize("sig,previous,stage", [(signal.SIGKILL, True, "run"), (signal.SIGINT, False, "__init__")],
                         ids=["SIGKILL-keeps-previous", "SIGINT-writes-nothing"])
def test_signal_during_solve_leaves_previous_result_or_nothing(tmp_path, sig, previous, stage):
    case = build({"id": "long", **ONE_NODE}, tmp_path)
    out = tmp_path / "result"
    before = _previous_result(out) if previous else None
    marker = tmp_path / "solving"
    proc = _start_solve(case, out, marker, stage)
    _wait_for(marker, proc)
    time.sleep(0.3)
    assert proc.poll() is None, "the solve finished before the signal: raise DAYS"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        # Typer turns KeyboardInterrupt into exit code 130 (gridplan.cli.main's message never shows).
        assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    if previous:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "the previous result was changed"
    else:
        assert not out.exists(), "an interrupted first run left a result folder"
    assert _leftovers(tmp_path, out) == []


def test_kill_while_writing_leaves_previous_result_whole(tmp_path):
    """SIGKILL half-way through writing the new files: the old folder stays complete and in place."""
    out = tmp_path / "result"
    before = _previous_result(out)
    script = textwrap.dedent(
        f"""
        import os, signal, pathlib
        from gridplan.output import write_atomically

        def writer(folder):
            (folder / "summary.json").write_text("new but unfinished")
            os.kill(os.getpid(), signal.SIGKILL)

        write_atomically(pathlib.Path({str(out)!r}), writer)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == -signal.SIGKILL
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # What the killed writer left is a hidden temporary sibling, never the result folder itself.
    assert all(p.name.startswith(".result.tmp-") for p in tmp_path.iterdir() if p != out)


def test_same_case_gives_the_same_files_byte_for_byte(tmp_path):
    """Two solves of one case write identical files; summary.json differs only in its timings."""
    import gridplan

    case = gridplan.load_case(build({"id": "same", **ONE_NODE}, tmp_path))
    folders = [gridplan.write_result(gridplan.solve(case), tmp_path / f"run{i}") for i in (1, 2)]
    names = sorted(p.name for p in folders[0].iterdir())
    assert names == sorted(p.name for p in folders[1].iterdir())
    assert "dispatch.parquet" in names and "summary.json" in names
    for name in names:
        first, second = ((f / name).read_bytes() for f in folders)
        if name == "summary.json":
            first, second = (json.loads(b) for b in (first, second))
            for s in (first, second):
                s.pop("timings_s")
        assert first == second, f"{name} differs between two solves of the same case"


def test_time_limit_without_incumbent_is_reported_with_the_case_name(tmp_path):
    """A solve stopped by its time limit says so; without a usable point nothing is passed on as a result."""
    import gridplan
    from gridplan.api import require_solution
    from gridplan.errors import SolveError

    case = gridplan.load_case(build({"id": "limit", **ONE_NODE}, tmp_path))
    result = gridplan.solve(case, days=30, time_limit_s=0.01)
    assert result.status == "time_limit"
    if result.dispatch.empty:
        with pytest.raises(SolveError, match=r"case base: the solver stopped without a solution \(Time limit reached\)"):
            require_solution(result)
    else:  # HiGHS found a feasible point in time: it is passed on, and labelled as such
        assert require_solution(result).status == "time_limit"


# Seconds into the solve to send Ctrl-C: past HiGHS's presolve, which does not listen for an interrupt
# (cold, the pathway's presolve and crash take about 2.5 s; its simplex runs until about 8-10 s).
@pytest.mark.parametrize("block_start, after_s", [("auto", 1.5), ("off", 4.0)])
def test_ctrl_c_while_a_large_lp_solves_stops_at_once_and_writes_nothing(tmp_path, block_start, after_s):
    """HiGHS runs in worker threads (the windows of a block start, its finishes, a cold solve), so Ctrl-C reaches gridplan during the solve."""
    case = Path(__file__).resolve().parents[1] / "cases" / "dongguan.yaml"  # both years at 8760 h: 3-7 s of simplex
    out, marker = tmp_path / "result", tmp_path / "solving"
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(marker), "run", "solve", str(case), "--out", str(out),
         "--block-start", block_start],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint,
    )
    _wait_for(marker, proc)
    time.sleep(after_s)
    assert proc.poll() is None, "the solve finished before the signal"
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    assert time.monotonic() - t0 < 1.5, "Ctrl-C waited for the solve to end (2.5 s or more)"
    assert not out.exists()
