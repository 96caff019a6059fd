"""`mirage.sweep`: tables, and an interrupted sweep resumed equals an
uninterrupted one."""

import polars as pl
import pytest

import mirage
from conftest import SWEEP

SMALL = {"epochs": 15, "sweep.replications": 2}


def test_sweep_tables(tmp_path):
    s = mirage.sweep(SWEEP, set=SMALL, out=tmp_path / "s", jobs=2, progress=False)
    assert s.out == tmp_path / "s"
    assert s.outcome["complete"]
    assert s.runs.height == 12
    assert s.points.height == 6


def test_default_out_is_a_fresh_temporary_directory():
    s = mirage.sweep(SWEEP, set=SMALL, progress=False)
    assert s.out.exists() and s.runs.height == 12


def test_interrupted_then_resumed_equals_uninterrupted(tmp_path, monkeypatch):
    # Runs of ~40 ms each, so that the interrupt (polled every 100 ms) comes
    # well before the last of the 18.
    sets = {"sweep.replications": 3}
    full = mirage.sweep(SWEEP, set=sets, out=tmp_path / "full", jobs=1, progress=False)

    class Interrupt(mirage._Progress):
        """Ctrl-C as soon as one run is done."""

        def update(self, done, total):
            if done >= 1:
                raise KeyboardInterrupt

    monkeypatch.setattr(mirage, "_Progress", Interrupt)
    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        mirage.sweep(SWEEP, set=sets, out=out, jobs=1)
    assert not (out / "runs.csv").exists()
    assert (out / "runs.journal.csv").exists()
    monkeypatch.undo()
    resumed = mirage.sweep(SWEEP, set=sets, out=out, resume=True, jobs=2, progress=False)
    assert 0 < resumed.outcome["ran"] < 18
    assert resumed.outcome["complete"]
    assert resumed.runs.equals(full.runs)
    assert resumed.points.equals(full.points)


def test_bad_sweep_raises(tmp_path):
    with pytest.raises(mirage.ScenarioError):
        mirage.sweep(SWEEP, set={"sweep.replications": "x"}, out=tmp_path / "x", progress=False)
    with pytest.raises(FileNotFoundError):
        mirage.sweep(tmp_path / "none.toml")


def test_sweep_of_a_scenario_object(tmp_path):
    scenario = mirage.Scenario.from_file(SWEEP)
    s = mirage.sweep(scenario, set=SMALL, out=tmp_path / "o", progress=False)
    assert s.runs.height == 12 and s.outcome["complete"]


def test_ctrl_c_raises_keyboard_interrupt_and_keeps_the_journal(tmp_path):
    import _thread
    import threading

    out = tmp_path / "sigint"
    timer = threading.Timer(0.2, _thread.interrupt_main)  # as Ctrl-C: SIGINT's handler
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            mirage.sweep(SWEEP, set={"sweep.replications": 3}, out=out, jobs=1, progress=False)
    finally:
        timer.cancel()
    assert (out / "runs.journal.csv").exists() and not (out / "runs.csv").exists()
    resumed = mirage.sweep(SWEEP, set={"sweep.replications": 3}, out=out, resume=True, progress=False)
    assert resumed.outcome["complete"] and resumed.runs.height == 18
