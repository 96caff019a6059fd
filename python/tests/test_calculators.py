"""`mirage.metrics`, `mirage.fund` and `mirage.yuma` against the command line."""

import json
import subprocess

import polars as pl
import pytest

import mirage
from conftest import ROOT

GITCOIN = ROOT / "data" / "real" / "gitcoin-tegr3"
SN15 = ROOT / "data" / "real" / "bittensor-sn15"
CURVE = ROOT / "data" / "real" / "curve-crv-top1000" / "holders.csv"


def cli_csv(mirage_bin, *args):
    out = subprocess.run([str(mirage_bin), *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return pl.read_csv(out.stdout.encode(), infer_schema=False)


def as_text(df):
    return df.select(pl.all().cast(pl.Utf8))


def test_metrics_equal_the_cli(mirage_bin):
    header = CURVE.read_text().splitlines()[0].split(",")
    column = next(c for c in header if c in ("balance", "amount", "value")) if any(
        c in header for c in ("balance", "amount", "value")
    ) else header[-1]
    out = subprocess.run(
        [str(mirage_bin), "metrics", str(CURVE), "--column", column, "--format", "json"],
        check=True, capture_output=True, text=True,
    )
    values = pl.read_csv(CURVE, infer_schema=False)[column].to_list()
    assert mirage.metrics(values) == json.loads(out.stdout)


@pytest.mark.parametrize("mechanism", ["standard", "pairwise", "cluster", "cocm"])
def test_fund_equals_the_cli(mirage_bin, mechanism):
    expected = cli_csv(
        mirage_bin, "fund", str(GITCOIN / "donations.csv"), "--mechanism", mechanism, "--pool", "100000", "--cap", "0.1"
    )
    donations = pl.read_csv(GITCOIN / "donations.csv", infer_schema=False)
    got = mirage.fund(donations, mechanism=mechanism, pool=100000, cap=0.1)
    assert got["project"].to_list() == expected["project"].to_list()
    for col in ["donations", "match"]:
        assert got[col].to_list() == pytest.approx([float(x) for x in expected[col]], rel=1e-12, abs=1e-9)


def test_fund_with_clusters_equals_the_cli(mirage_bin):
    expected = cli_csv(
        mirage_bin, "fund", str(GITCOIN / "donations.csv"), "--mechanism", "cocm",
        "--clusters", str(GITCOIN / "clusters.csv"),
    )
    got = mirage.fund(
        pl.read_csv(GITCOIN / "donations.csv", infer_schema=False),
        mechanism="cocm",
        clusters=pl.read_csv(GITCOIN / "clusters.csv", infer_schema=False),
    )
    assert got["match"].to_list() == pytest.approx([float(x) for x in expected["match"]], rel=1e-12, abs=1e-9)


def test_yuma_equals_the_cli(mirage_bin):
    expected = cli_csv(mirage_bin, "yuma", "--stakes", str(SN15 / "stakes.csv"), "--weights", str(SN15 / "weights.csv"))
    got = mirage.yuma(
        pl.read_csv(SN15 / "stakes.csv", infer_schema=False),
        pl.read_csv(SN15 / "weights.csv", infer_schema=False),
    )
    assert got["id"].cast(pl.Utf8).to_list() == expected["id"].to_list()
    assert got["kind"].to_list() == expected["kind"].to_list()
    for col in ["consensus", "incentive", "dividend"]:
        want = [None if x in (None, "") else float(x) for x in expected[col].to_list()]
        have = got[col].to_list()
        assert [x is None for x in have] == [x is None for x in want], col
        assert [x for x in have if x is not None] == pytest.approx([x for x in want if x is not None], rel=1e-12, abs=1e-12)


def test_calculators_take_arrays_and_reject_bad_input():
    m = mirage.fund((["a", "a", "b"], ["p", "q", "p"], [1.0, 4.0, 9.0]))
    assert m.columns == ["project", "donations", "match"] and m.height == 2
    y = mirage.yuma({"v1": 10.0, "v2": 5.0}, (["v1", "v2"], ["p1", "p1"], [1.0, 1.0]))
    assert y.filter(pl.col("kind") == "provider")["incentive"].to_list() == [1.0]
    with pytest.raises(ValueError):
        mirage.fund((["a"], ["p"], [1.0]), mechanism="nope")
    with pytest.raises(ValueError):
        mirage.yuma({"v1": 1.0}, (["v9"], ["p"], [1.0]))
    with pytest.raises(ValueError):
        mirage.fund(pl.DataFrame({"donor": ["a"]}))
