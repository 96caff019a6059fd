"""Mesa 3.3.1 twin of scenarios/calibration/boltzmann.toml (issue 16's anchor).

Mesa's Boltzmann wealth model as its tutorial writes it: 10,000 agents with
wealth 1; each step the agents act in a freshly shuffled order
(`shuffle_do`), and an agent with wealth > 0 gives 1 to an agent drawn
uniformly from all agents (itself included); a DataCollector records the
Gini every step (the tutorial's compute_gini).

usage: python boltzmann_mesa.py STEPS
prints: seconds for the model's construction and STEPS steps, and the last Gini.
"""

import sys
import time

import mesa


def compute_gini(model):
    x = sorted(agent.wealth for agent in model.agents)
    n = len(x)
    b = sum(xi * (n - i) for i, xi in enumerate(x)) / (n * sum(x))
    return 1 + (1 / n) - 2 * b


class MoneyAgent(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.wealth = 1

    def exchange(self):
        if self.wealth > 0:
            other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1


class MoneyModel(mesa.Model):
    def __init__(self, n, seed=None):
        super().__init__(seed=seed)
        MoneyAgent.create_agents(model=self, n=n)
        self.agent_list = list(self.agents)
        self.datacollector = mesa.DataCollector(model_reporters={"Gini": compute_gini})

    def step(self):
        self.agents.shuffle_do("exchange")
        self.datacollector.collect(self)


def main():
    steps = int(sys.argv[1])
    start = time.perf_counter()
    model = MoneyModel(10_000, seed=1)
    for _ in range(steps):
        model.step()
    seconds = time.perf_counter() - start
    gini = model.datacollector.get_model_vars_dataframe()["Gini"].iloc[-1]
    print(f"mesa boltzmann {steps} steps: {seconds:.3f} s, gini {gini:.4f}")


main()
