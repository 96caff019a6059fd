"""Shared fixtures: the repository's paths and the `mirage` command-line
binary (`MIRAGE_BIN`, else `target/release/mirage`, built when missing)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SWEEP = ROOT / "scenarios" / "sweep-emission.toml"
# A shorter baseline so the suite runs in seconds.
SMALL = {"epochs": 40}


@pytest.fixture(scope="session")
def mirage_bin() -> Path:
    """The `mirage` binary built by cargo."""
    env = os.environ.get("MIRAGE_BIN")
    if env:
        return Path(env)
    path = ROOT / "target" / "release" / "mirage"
    if not path.exists():
        subprocess.run(
            ["cargo", "build", "--release", "--bin", "mirage"], cwd=ROOT, check=True
        )
    return path


def cli_run(mirage_bin: Path, scenario: Path, out: Path, seed=None, sets=None):
    """`mirage run` of `scenario` into `out`."""
    cmd = [str(mirage_bin), "run", str(scenario), "--out", str(out), "--quiet"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    for k, v in (sets or {}).items():
        cmd += ["--set", f"{k}={v}"]
    subprocess.run(cmd, check=True, cwd=ROOT)
    return out
