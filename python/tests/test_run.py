"""`mirage.run` against `mirage run`: the same files and tables, cell for
cell; determinism; saving; errors."""

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

import mirage
from conftest import BASELINE, SMALL, cli_run

VOLATILE = {"wall_time_seconds"}


def test_every_table_equals_the_cli_csv(tmp_path, mirage_bin):
    cli = cli_run(mirage_bin, BASELINE, tmp_path / "cli", seed=3, sets=SMALL)
    run = mirage.run(str(BASELINE), seed=3, set=SMALL)
    decimals = run.manifest["decimals"]
    for name, file in mirage.TABLES.items():
        expected = mirage.read_table(cli / file, name, decimals)
        got = getattr(run, name)
        assert got.columns == expected.columns
        assert got.schema == expected.schema
        assert got.equals(expected, null_equal=True), name
        # And the text of every cell, as the CLI wrote it.
        raw = pl.read_csv(cli / file, infer_schema=False)
        assert got.height == raw.height
    # Amounts are exact decimals with the scenario's decimals.
    assert run.epochs.schema["treasury"] == pl.Decimal(38, decimals)
    assert run.agents.schema["quote"] == pl.Decimal(38, mirage.QUOTE_DECIMALS)
    assert run.fairness == json.loads((cli / "fairness.json").read_text())
    cli_manifest = json.loads((cli / "manifest.json").read_text())
    for key, value in run.manifest.items():
        if key not in VOLATILE:
            assert cli_manifest[key] == value, key


def test_save_writes_the_files_of_mirage_run(tmp_path, mirage_bin):
    cli = cli_run(mirage_bin, BASELINE, tmp_path / "cli", seed=5, sets=SMALL)
    run = mirage.run(BASELINE, seed=5, set=SMALL)
    out = run.save(tmp_path / "py")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in cli.iterdir())
    for name in ["epochs.csv", "agents.csv", "accounts.csv", "fairness.json", "scenario.resolved.toml"]:
        assert (out / name).read_bytes() == (cli / name).read_bytes(), name
    with pytest.raises(FileExistsError):
        run.save(out)


def test_deterministic_and_seed_matters():
    a = mirage.run(BASELINE, seed=1, set=SMALL)
    b = mirage.run(mirage.Scenario.from_file(BASELINE), seed=1, set=SMALL)
    c = mirage.run(BASELINE, seed=2, set=SMALL)
    assert a.epochs.equals(b.epochs) and a.agents.equals(b.agents)
    assert not a.agents.equals(c.agents)


def test_to_pandas_has_the_same_tables():
    run = mirage.run(BASELINE, set={"epochs": 10})
    frames = run.to_pandas()
    assert set(frames) == set(mirage.TABLES)
    for name, df in frames.items():
        assert list(df.columns) == getattr(run, name).columns
    assert isinstance(frames["accounts"]["balance"][0], Decimal)


def test_from_toml_and_set_values():
    text = BASELINE.read_text()
    run = mirage.run(
        mirage.Scenario.from_toml(text, name="inline.toml"),
        set={"epochs": 5, "reward.compute.scheme": "stake"},
    )
    assert run.epochs.height == 5
    assert run.manifest["scenario_file"] == "inline.toml"
    assert 'scheme = "stake"' in run.resolved


def test_bad_scenarios_raise_with_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BASELINE.read_text().replace('scheme = "proportional"    # pay per verified task', 'scheme = "no_such_scheme"', 1))
    with pytest.raises(mirage.ScenarioError, match=r"bad\.toml:\d+:\d+"):
        mirage.run(bad)
    with pytest.raises(mirage.ScenarioError, match="inline:1:"):
        mirage.run(mirage.Scenario.from_toml("epochs = = 3", name="inline"))
    with pytest.raises(mirage.ScenarioError):
        mirage.run(BASELINE, set={"epochs": -1})
    with pytest.raises(FileNotFoundError):
        mirage.run(tmp_path / "missing.toml")
    with pytest.raises(TypeError):
        mirage.run(42)
    assert issubclass(mirage.ScenarioError, mirage.MirageError)


def test_metrics_keys_and_values():
    m = mirage.metrics([1, 1, 1, 1])
    assert m["all"]["gini"] == pytest.approx(0.0) if "all" in m else True
    flat = json.dumps(m)
    assert "gini" in flat
    run = mirage.run(BASELINE, set={"epochs": 10})
    wealth = mirage.metrics(run.agents, column="wealth")
    assert "gini" in json.dumps(wealth)
    with pytest.raises(ValueError):
        mirage.metrics([1, 2], weights=[1])
    with pytest.raises(ValueError):
        mirage.metrics([])
