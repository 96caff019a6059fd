"""radCAD twin of scenarios/calibration/emission.toml (issue 16's anchor).

10,000 stakers; each epoch a constant emission of 10,000 tokens is paid
pro rata to stake (floored to base units, 10^-6 token, as Mirage's `stake`
scheme does); the Gini of wealth (stake + rewards) is recorded every epoch;
1,000 epochs. Written as an experienced radCAD user writes it: numpy state,
one policy and two state updates, the single-process backend, deepcopy off,
substeps dropped. The genesis stakes are read from a Mirage run's
agents.csv (`genesis_tokens`), so both start from the same state and their
Gini series can be compared epoch by epoch.

usage: python emission_radcad.py AGENTS_CSV [GINI_OUT_CSV]
prints: seconds (whole process) and agent-epochs/s.
"""

import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from radcad import Experiment, Model, Simulation  # noqa: E402
from radcad.engine import Backend, Engine  # noqa: E402

EPOCHS = 1000
EMISSION = 10_000 * 10**6  # base units per epoch


def gini(values):
    """Exact Gini of non-negative values: sorted-rank formula."""
    x = np.sort(values)
    n = x.size
    total = x.sum()
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float((2.0 * np.dot(ranks, x) / (n * total)) - (n + 1.0) / n)


def p_emission(params, substep, state_history, previous_state):
    stake = previous_state["stake"]
    reward = np.floor(stake * (EMISSION / stake.sum()))
    return {"reward": reward}


def s_rewards(params, substep, state_history, previous_state, policy_input):
    return "rewards", previous_state["rewards"] + policy_input["reward"]


def s_gini(params, substep, state_history, previous_state, policy_input):
    wealth = previous_state["stake"] + previous_state["rewards"] + policy_input["reward"]
    return "gini_wealth", gini(wealth)


def main():
    agents = pd.read_csv(sys.argv[1])
    stake = np.round(agents["genesis_tokens"].to_numpy() * 10**6)
    model = Model(
        initial_state={"stake": stake, "rewards": np.zeros_like(stake), "gini_wealth": 0.0},
        state_update_blocks=[
            {
                "policies": {"emission": p_emission},
                "variables": {"rewards": s_rewards, "gini_wealth": s_gini},
            }
        ],
        params={},
    )
    experiment = Experiment([Simulation(model=model, timesteps=EPOCHS, runs=1)])
    experiment.engine = Engine(backend=Backend.SINGLE_PROCESS, deepcopy=False, drop_substeps=True)
    experiment.run()
    series = [row["gini_wealth"] for row in experiment.results if row["timestep"] > 0]
    if len(sys.argv) > 2:
        pd.DataFrame({"epoch": range(len(series)), "gini_wealth": series}).to_csv(sys.argv[2], index=False)
    seconds = time.perf_counter() - START
    print(f"radcad emission: {seconds:.3f} s, {stake.size * EPOCHS / seconds / 1e6:.2f} M agent-epochs/s")


main()
