"""Reward schemes written in Python."""

import numpy as np
import pytest

import mirage
from conftest import BASELINE, SMALL

POOL = {"reward.compute.scheme": "py_work", **SMALL}


def test_work_scheme_pays_exactly_what_proportional_pays():
    expected = mirage.run(BASELINE, seed=4, set=SMALL)
    got = mirage.run(BASELINE, seed=4, set=POOL, schemes={"py_work": lambda ctx: ctx.work})
    assert got.agents.equals(expected.agents)
    assert got.epochs.equals(expected.epochs)
    assert got.accounts.equals(expected.accounts)


def test_context_arrays_are_read_only_and_aligned():
    seen = []

    def scheme(ctx):
        assert not ctx.work.flags.writeable and not ctx.stake.flags.writeable
        with pytest.raises(ValueError):
            ctx.work[:] = 0
        n = len(ctx.members)
        assert all(len(a) == n for a in (ctx.work, ctx.failures, ctx.stake, ctx.reputation, ctx.usage))
        assert ctx.pool == "compute" and ctx.budget >= 0
        seen.append(ctx.epoch)
        return np.sqrt(ctx.stake)

    run = mirage.run(BASELINE, set={**POOL, "epochs": 5}, schemes={"py_work": scheme})
    assert seen == list(range(5))
    assert run.epochs.height == 5


def test_fractional_weights_conserve_the_budget():
    run = mirage.run(
        BASELINE, set={**POOL, "epochs": 10}, schemes={"py_work": lambda ctx: ctx.work * 0.37 + 0.01}
    )
    m = run.manifest
    assert m["epochs"] == 10


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda ctx: ctx.work[:-1] if len(ctx.work) else [1.0], "weights for"),
        (lambda ctx: -np.ones(len(ctx.members)), "finite and at least 0"),
        (lambda ctx: np.full(len(ctx.members), np.nan), "finite and at least 0"),
        (lambda ctx: 1 / 0, "ZeroDivisionError"),
        (lambda ctx: None, "shape"),
    ],
)
def test_bad_returns_raise_naming_epoch_and_pool(bad, message):
    with pytest.raises(mirage.SchemeError, match=r"epoch 0 of the compute pool") as info:
        mirage.run(BASELINE, set=POOL, schemes={"py_work": bad})
    assert message in str(info.value)


def test_exception_is_chained():
    def boom(ctx):
        raise KeyError("x")

    with pytest.raises(mirage.SchemeError) as info:
        mirage.run(BASELINE, set=POOL, schemes={"py_work": boom})
    assert isinstance(info.value.__cause__, KeyError)


def test_unknown_scheme_is_a_scenario_error_at_its_line():
    with pytest.raises(mirage.ScenarioError, match=r"no_such"):
        mirage.run(BASELINE, set={"reward.compute.scheme": "no_such"}, schemes={"py_work": lambda c: c.work})


def test_builtin_name_cannot_be_replaced():
    with pytest.raises(ValueError):
        mirage.run(BASELINE, set=SMALL, schemes={"proportional": lambda c: c.work})


def test_scheme_reading_reputation_sees_scores():
    seen = []

    def scheme(ctx):
        seen.append(ctx.reputation.copy())
        return ctx.work * ctx.reputation

    run = mirage.run(
        BASELINE, set={**POOL, "epochs": 5}, schemes={"py_work": mirage.Scheme(scheme, reputation=True)}
    )
    assert all(((r >= 0) & (r <= 1)).all() for r in seen)
    assert any((r != 0.5).any() for r in seen)
    assert run.agents["reputation"].drop_nulls().len() > 0
