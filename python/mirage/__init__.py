"""Mirage from Python: run token-economy scenarios, sweeps and reward schemes.

Mirage is a discrete-event simulator of token economies written in Rust. This
package runs it in-process:

- :func:`run` runs one scenario (a file or a :class:`Scenario`) and returns a
  :class:`Run` whose tables (``epochs``, ``agents``, ``accounts``) are polars
  DataFrames with exactly the columns of the CSV files ``mirage run`` writes,
  token and quote amounts as exact ``Decimal`` columns.
- :func:`sweep` runs a parameter sweep on every core (the GIL released), with a
  progress bar, Ctrl-C raising :class:`KeyboardInterrupt` and ``resume=True``
  continuing an interrupted sweep.
- :func:`metrics` computes the metrics of ``mirage metrics``.
- Reward schemes can be Python functions: ``run(path, schemes={"mine": f})``
  where a pool of the scenario says ``scheme = "mine"``; ``f(ctx)`` returns
  one weight per member and Mirage splits the budget with its own exact
  integer pro-rata split.

Errors are Python exceptions: :class:`ScenarioError` (with the file, line and
column), :class:`RunError`, :class:`SchemeError`, :class:`SweepError`, all
subclasses of :class:`MirageError`.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
import tempfile
import weakref
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union

import numpy as np

from . import _native
from ._native import MirageError, RunError, ScenarioError, SchemeError, SweepError

__all__ = [
    "MirageError",
    "RunError",
    "Run",
    "Scenario",
    "Scheme",
    "SchemeContext",
    "SchemeError",
    "ScenarioError",
    "Sweep",
    "SweepError",
    "fund",
    "metrics",
    "yuma",
    "run",
    "sweep",
    "__version__",
]

__version__: str = _native.VERSION

#: Decimals of quote amounts (``fees_quote``, ``task_fee``, an agent's ``quote``).
QUOTE_DECIMALS = 6

# Columns holding token amounts (the scenario's decimals) and quote amounts,
# by file. `rewards_<role>` columns of epochs.csv are token amounts too.
_TOKEN_COLUMNS = {
    "epochs": {
        "circulating_supply",
        "minted_total",
        "burned_total",
        "treasury",
        "emission",
        "rewards_paid",
    },
    "agents": {"balance", "stake", "unvested", "wealth", "rewards_total"},
    "accounts": {"balance"},
}
_QUOTE_COLUMNS = {
    "epochs": {"fees_quote", "task_fee"},
    "agents": {"quote"},
    "accounts": set(),
}
_TOKEN_PATTERNS = {"epochs": re.compile(r"^rewards_(?!paid$)[a-z_]+$")}

#: The tables of a run, by attribute name and file.
TABLES = {"epochs": "epochs.csv", "agents": "agents.csv", "accounts": "accounts.csv"}

PathLike = Union[str, "os.PathLike[str]"]


def _pl():
    import polars as pl

    return pl


def _amount_schema(table: str, header: Sequence[str], decimals: int) -> Dict[str, Any]:
    """The Decimal dtypes of the amount columns of ``table``."""
    pl = _pl()
    schema: Dict[str, Any] = {}
    pattern = _TOKEN_PATTERNS.get(table)
    for col in header:
        if col in _TOKEN_COLUMNS.get(table, ()) or (pattern is not None and pattern.match(col)):
            schema[col] = pl.Decimal(38, decimals)
        elif col in _QUOTE_COLUMNS.get(table, ()):
            schema[col] = pl.Decimal(38, QUOTE_DECIMALS)
    return schema


def read_table(path: PathLike, table: str, decimals: int):
    """Reads one CSV of a run directory (``table`` is ``epochs``, ``agents``
    or ``accounts``) into a polars DataFrame, amounts as exact Decimals."""
    pl = _pl()
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split(",")
    return pl.read_csv(path, schema_overrides=_amount_schema(table, header, decimals))


@dataclass(frozen=True)
class Scenario:
    """A scenario's TOML text and the name it is known by in messages.

    Build one with :meth:`from_toml` or :meth:`from_file`; pass it to
    :func:`run` or :func:`sweep`.
    """

    text: str
    name: str = "<string>"

    @classmethod
    def from_toml(cls, text: str, name: str = "<string>") -> "Scenario":
        """A scenario from its TOML ``text``; ``name`` appears in error messages
        (``name:line:column``) and as the manifest's ``scenario_file``."""
        return cls(text=text, name=name)

    @classmethod
    def from_file(cls, path: PathLike) -> "Scenario":
        """The scenario of the file at ``path`` (read now)."""
        path = os.fspath(path)
        with open(path, encoding="utf-8") as f:
            return cls(text=f.read(), name=path)


@dataclass(frozen=True)
class SchemeContext:
    """What a Python reward scheme sees for one pool and epoch.

    The arrays are read-only and aligned with ``members`` (agent ids,
    ascending). ``stake`` and ``budget`` are in tokens (base units divided by
    10^decimals), as the ``formula`` scheme sees them; ``work`` counts verified
    units of work, ``failures`` results caught wrong or datasets rejected,
    ``reputation`` scores in [0, 1] (0.5 unless the scheme reads reputation),
    ``usage`` times each member's datasets were used (0 unless it reads usage).
    """

    pool: str
    epoch: int
    members: np.ndarray
    work: np.ndarray
    failures: np.ndarray
    stake: np.ndarray
    reputation: np.ndarray
    usage: np.ndarray
    budget: float


@dataclass(frozen=True)
class Scheme:
    """A Python reward scheme with the inputs it reads.

    A plain callable given to ``run(..., schemes=...)`` is ``Scheme(f)``,
    which reads work, failures and stake only, like ``proportional``: its
    ``ctx.reputation`` is 0.5 and its ``ctx.usage`` 0. ``reputation=True``
    keeps reputation scores for the pool (the beta model with the
    defaults of the ``reputation`` scheme; ``agents.csv`` then has them);
    ``usage=True`` counts dataset usage, which makes every task draw a
    dataset and so changes the run's random draws.
    """

    func: Callable[[SchemeContext], Any]
    reputation: bool = False
    usage: bool = False


def _wrap(func: Callable[[SchemeContext], Any]):
    frombuffer = np.frombuffer
    u32, u64, f64 = np.uint32, np.uint64, np.float64

    def call(pool, epoch, members, work, failures, stake, reputation, usage, budget):
        ctx = SchemeContext(
            pool=pool,
            epoch=epoch,
            members=frombuffer(members, u32),
            work=frombuffer(work, u64),
            failures=frombuffer(failures, u64),
            stake=frombuffer(stake, f64),
            reputation=frombuffer(reputation, f64),
            usage=frombuffer(usage, u64),
            budget=budget,
        )
        weights = np.asarray(func(ctx), dtype=f64)
        if weights.ndim != 1:
            raise ValueError(
                f"returned an array of shape {weights.shape}; one weight per member expected"
            )
        return weights.tobytes()

    return call


def _scheme_specs(schemes: Optional[Mapping[str, Any]]):
    if not schemes:
        return None
    specs = {}
    for name, value in schemes.items():
        scheme = value if isinstance(value, Scheme) else Scheme(value)
        if not callable(scheme.func):
            raise TypeError(f"schemes[{name!r}] is not callable")
        specs[str(name)] = (_wrap(scheme.func), bool(scheme.reputation), bool(scheme.usage))
    return specs


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as a TOML value")


def _sets(sets: Optional[Mapping[str, Any]]) -> list:
    """``{"dotted.path": value}`` as ``--set`` strings."""
    if not sets:
        return []
    if not isinstance(sets, Mapping):
        raise TypeError("set must be a dict of dotted paths to values")
    return [f"{path}={_toml_value(value)}" for path, value in sets.items()]


def _scenario_text(scenario: Union[PathLike, Scenario]):
    if isinstance(scenario, Scenario):
        return scenario.text, scenario.name
    if isinstance(scenario, (str, os.PathLike)):
        s = Scenario.from_file(scenario)
        return s.text, s.name
    raise TypeError("scenario must be a path or a mirage.Scenario")


class Run:
    """The results of one run: its tables and reports.

    ``epochs``, ``agents`` and ``accounts`` are polars DataFrames with the
    columns of the CSV files ``mirage run`` writes (amounts as exact
    ``Decimal``); ``fairness`` and ``manifest`` are dicts; ``resolved`` is
    the scenario after overrides (``scenario.resolved.toml``). The files
    live in a temporary directory removed with the object; :meth:`save`
    copies them.
    """

    def __init__(self, directory: str, decimals: int):
        self._dir = Path(directory)
        self.decimals: int = decimals
        self._tables: Dict[str, Any] = {}
        self._finalizer = weakref.finalize(self, shutil.rmtree, directory, True)

    def _table(self, name: str):
        if name not in self._tables:
            self._tables[name] = read_table(self._dir / TABLES[name], name, self.decimals)
        return self._tables[name]

    @property
    def epochs(self):
        """``epochs.csv``: one row per epoch (polars DataFrame)."""
        return self._table("epochs")

    @property
    def agents(self):
        """``agents.csv``: one row per agent at the end (polars DataFrame)."""
        return self._table("agents")

    @property
    def accounts(self):
        """``accounts.csv``: the system accounts at the end (polars DataFrame)."""
        return self._table("accounts")

    @property
    def tables(self) -> Dict[str, Any]:
        """Every table of the run, by name (``epochs``, ``agents``, ``accounts``)."""
        return {name: self._table(name) for name in TABLES}

    @property
    def fairness(self) -> Dict[str, Any]:
        """``fairness.json`` as a dict."""
        return json.loads((self._dir / "fairness.json").read_text(encoding="utf-8"))

    @property
    def manifest(self) -> Dict[str, Any]:
        """``manifest.json`` as a dict."""
        return json.loads((self._dir / "manifest.json").read_text(encoding="utf-8"))

    @property
    def resolved(self) -> str:
        """``scenario.resolved.toml``: the scenario after overrides."""
        return (self._dir / "scenario.resolved.toml").read_text(encoding="utf-8")

    @property
    def files(self) -> list:
        """The names of the files ``mirage run`` writes for this run."""
        return list(self.manifest["files"])

    def to_pandas(self) -> Dict[str, Any]:
        """The tables as pandas DataFrames (needs pandas and pyarrow); amounts
        are ``decimal.Decimal`` objects."""
        return {name: df.to_pandas() for name, df in self.tables.items()}

    def save(self, directory: PathLike, *, force: bool = False) -> Path:
        """Writes the files ``mirage run --out directory`` writes; refuses a
        non-empty directory unless ``force``. Returns the directory."""
        out = Path(directory)
        if out.exists() and any(out.iterdir()) and not force:
            raise FileExistsError(
                f"output directory {out} is not empty; pass force=True to overwrite its files"
            )
        out.mkdir(parents=True, exist_ok=True)
        for name in self.files:
            shutil.copyfile(self._dir / name, out / name)
        return out

    def __repr__(self) -> str:
        m = self.manifest
        return f"<mirage.Run {m.get('scenario')!r} seed={m.get('seed')} epochs={m.get('epochs')}>"


def run(
    scenario: Union[PathLike, Scenario],
    *,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    schemes: Optional[Mapping[str, Any]] = None,
) -> Run:
    """Runs ``scenario`` (a path or a :class:`Scenario`) and returns its :class:`Run`.

    ``seed`` overrides the scenario's seed (``--seed``); ``set`` maps dotted
    paths to values (``--set path=value``, applied in order, then the seed).
    ``schemes`` maps scheme names to Python functions (or :class:`Scheme`)
    that scenario pools may name: each epoch ``f(ctx)`` receives a
    :class:`SchemeContext` and returns one finite, non-negative weight per
    member; the budget is split pro rata with Mirage's integer split (whole
    weights below 2^53 exactly, as ``proportional``; others in 52-bit fixed
    point), so the pool never pays more than its budget.

    The simulation runs without the GIL (a Python scheme takes it only while
    its function runs). Raises :class:`ScenarioError` for an invalid scenario
    (``file:line:column``), :class:`SchemeError` when a scheme raises or
    returns bad weights (naming the epoch and the pool), :class:`RunError`
    when the run fails; nothing is left behind then.
    """
    text, source = _scenario_text(scenario)
    sets = _sets(set)
    specs = _scheme_specs(schemes)
    if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    directory = tempfile.mkdtemp(prefix="mirage-run-")
    try:
        decimals = _native.run_text(
            text, source, directory, None if seed is None else int(seed), sets, specs, True
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return Run(directory, decimals)


class _Progress:
    """A progress bar: tqdm (``tqdm.auto``: notebooks and terminals) when
    installed, else a plain line on stderr every tenth of the way."""

    def __init__(self, enabled: bool, desc: str):
        self.enabled = enabled
        self.desc = desc
        self.bar = None
        self.plain_last = -1

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, initial=done, desc=self.desc, unit="run")
            else:
                self.bar = False
        if self.bar:
            self.bar.total = total
            self.bar.update(done - self.bar.n)
        else:
            tenth = done * 10 // max(total, 1)
            if tenth != self.plain_last:
                self.plain_last = tenth
                print(f"{self.desc}: {done}/{total} runs", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar:
            self.bar.close()


class Sweep:
    """A sweep's output directory ``out`` and its tables: ``runs``
    (``runs.csv``, one row per run) and ``points`` (``points.csv``, means and
    confidence intervals per design point), as polars DataFrames."""

    def __init__(self, out: Path, outcome: Dict[str, Any]):
        self.out: Path = out
        self.outcome: Dict[str, Any] = outcome

    @property
    def runs(self):
        """``runs.csv`` (polars DataFrame)."""
        return _pl().read_csv(self.out / "runs.csv")

    @property
    def points(self):
        """``points.csv`` (polars DataFrame)."""
        return _pl().read_csv(self.out / "points.csv")

    @property
    def manifest(self) -> Dict[str, Any]:
        """``sweep.json`` as a dict."""
        return json.loads((self.out / "sweep.json").read_text(encoding="utf-8"))

    def __repr__(self) -> str:
        o = self.outcome
        return f"<mirage.Sweep {o.get('runs_done')}/{o.get('runs_in_shard')} runs in {str(self.out)!r}>"


def sweep(
    scenario_or_sweep_file: Union[PathLike, Scenario],
    *,
    jobs: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    out: Optional[PathLike] = None,
    resume: bool = False,
    progress: bool = True,
) -> Sweep:
    """Runs the sweep of a scenario with a ``[sweep]`` table, or of a sweep
    file, as ``mirage sweep`` does, into ``out`` (default: a fresh directory
    under the system's temporary directory).

    ``jobs`` threads (default: one per core) run with the GIL released. A
    progress bar is drawn unless ``progress=False``. Ctrl-C (or an exception
    of the progress bar) stops the sweep cleanly and raises
    :class:`KeyboardInterrupt`; the journal is kept, and ``resume=True``
    with the same ``out`` continues it. Raises :class:`ScenarioError` for an
    invalid scenario or sweep, :class:`SweepError` when a run fails.
    """
    if isinstance(scenario_or_sweep_file, Scenario):
        # A stable path per text, so that `resume=True` finds the same file.
        import hashlib

        digest = hashlib.sha256(scenario_or_sweep_file.text.encode()).hexdigest()[:16]
        holder = Path(tempfile.gettempdir()) / f"mirage-scenario-{digest}"
        holder.mkdir(exist_ok=True)
        stem = Path(scenario_or_sweep_file.name).name or "scenario.toml"
        path = holder / (stem if stem.endswith(".toml") else stem + ".toml")
        path.write_text(scenario_or_sweep_file.text, encoding="utf-8")
    elif isinstance(scenario_or_sweep_file, (str, os.PathLike)):
        path = Path(scenario_or_sweep_file)
        if not path.exists():
            raise FileNotFoundError(f"cannot read scenario file {path}")
    else:
        raise TypeError("scenario_or_sweep_file must be a path or a mirage.Scenario")
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a positive integer, not {jobs!r}")
    out_dir = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="mirage-sweep-"))
    bar = _Progress(progress, "sweep")
    try:
        outcome = _native.sweep(str(path), str(out_dir), jobs, _sets(set), bool(resume), bar.update)
    finally:
        bar.close()
    return Sweep(out_dir, dict(outcome))


def _decimal_text(v: Any) -> str:
    if isinstance(v, bool):
        raise TypeError("a boolean is not a value")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if not math.isfinite(v):
            raise ValueError(f"value {v} is not finite")
        return np.format_float_positional(v, unique=True, trim="-")
    if isinstance(v, str):
        return v
    raise TypeError(f"cannot read {v!r} as a number")


def _column(values: Any, column: Optional[str]):
    """A sequence of Python values from a list, numpy array, polars or pandas
    Series, or a column of a DataFrame."""
    if column is not None:
        values = values[column]
    if hasattr(values, "to_list"):  # polars Series
        return values.to_list()
    if hasattr(values, "tolist"):  # numpy, pandas
        return values.tolist()
    return list(values)


def metrics(
    values: Any,
    weights: Any = None,
    *,
    column: Optional[str] = None,
    weight: Optional[str] = None,
) -> Dict[str, Any]:
    """The metrics of ``mirage metrics`` of ``values`` (numbers: a list, numpy
    array, polars or pandas Series, or with ``column=`` a DataFrame column),
    optionally weighted by non-negative integer ``weights`` (or the
    DataFrame column ``weight=``). Returns the dict ``mirage metrics
    --format json`` prints (``gini``, ``nakamoto``, ``hhi``, ...)."""
    vals = [_decimal_text(v) for v in _column(values, column)]
    w = None
    if weight is not None:
        weights = values[weight]
    if weights is not None:
        w = []
        for x in _column(weights, None):
            if isinstance(x, float) and x.is_integer():
                x = int(x)
            if not isinstance(x, (int, np.integer)) or isinstance(x, bool) or x < 0:
                raise ValueError(f"weights must be non-negative integers, not {x!r}")
            w.append(int(x))
    return json.loads(_native.metrics(vals, w))


def _columns(data: Any, names: Sequence[str], what: str) -> list:
    """The columns ``names`` of a DataFrame (polars or pandas) or dict, or a
    tuple/list of as many arrays, as lists."""
    if isinstance(data, (tuple, list)) and len(data) == len(names):
        cols = [_column(c, None) for c in data]
    elif hasattr(data, "columns") or isinstance(data, Mapping):
        missing = [n for n in names if n not in list(data.keys() if isinstance(data, Mapping) else data.columns)]
        if missing:
            raise ValueError(f"{what}: no column {missing[0]!r} (expected {', '.join(names)})")
        cols = [_column(data[n], None) for n in names]
    else:
        raise TypeError(f"{what}: expected a DataFrame with columns {', '.join(names)} or {len(names)} arrays")
    if len({len(c) for c in cols}) > 1:
        raise ValueError(f"{what}: the columns have different lengths")
    return cols


class _Ids:
    """Ids interned in order of first appearance."""

    def __init__(self):
        self.index: Dict[Any, int] = {}
        self.names: list = []

    def intern(self, name: Any) -> int:
        key = str(name)
        if key not in self.index:
            self.index[key] = len(self.names)
            self.names.append(name)
        return self.index[key]


def _sorted_ids(names: Sequence[Any]) -> list:
    """Indices of ``names`` ordered numerically if every id is a number, else
    lexicographically (as the command line orders its rows)."""

    def number(x):
        try:
            return float(str(x))
        except ValueError:
            return None

    nums = [number(x) for x in names]
    if all(n is not None for n in nums):
        return sorted(range(len(names)), key=lambda i: nums[i])
    return sorted(range(len(names)), key=lambda i: str(names[i]))


def fund(
    donations: Any,
    *,
    mechanism: str = "standard",
    pool: Optional[float] = None,
    cap: Optional[float] = None,
    m: Optional[float] = None,
    clusters: Any = None,
    harsh: Optional[bool] = None,
    style: Optional[str] = None,
):
    """Quadratic-funding matches, as ``mirage fund``.

    ``donations`` has columns ``donor, project, amount`` (a polars or pandas
    DataFrame, or a tuple of three arrays); a donor may appear many times.
    ``mechanism`` is ``standard``, ``pairwise`` (bound ``m``), ``cluster`` or
    ``cocm`` (``style``: ``markov``, ``og``, ``pct_friends``; ``harsh``);
    ``clusters`` (``donor, cluster[, weight]``) gives the donor clusters of
    ``cluster`` and ``cocm`` (default: the projects each donor gave to). With
    ``pool`` the matches are scaled to it, each capped at ``cap`` of it.
    Returns a polars DataFrame ``project, donations, match`` ordered by project.
    """
    donor, project, amount = _columns(donations, ["donor", "project", "amount"], "donations")
    donors, projects = _Ids(), _Ids()
    rows = [(donors.intern(d), projects.intern(p), float(a)) for d, p, a in zip(donor, project, amount)]
    memberships = None
    cluster_ids = _Ids()
    if clusters is not None:
        if isinstance(clusters, (tuple, list)):
            names = ["donor", "cluster", "weight"][: len(clusters)]
        else:
            keys = clusters.keys() if isinstance(clusters, Mapping) else clusters.columns
            names = ["donor", "cluster"] + (["weight"] if "weight" in list(keys) else [])
        cols = _columns(clusters, names, "clusters")
        memberships = []
        seen = set()
        for row in zip(*cols):
            d, c = row[0], row[1]
            w = float(row[2]) if len(row) > 2 else 1.0
            if str(d) not in donors.index:
                continue  # donors who gave nothing are ignored
            seen.add(str(d))
            memberships.append((donors.index[str(d)], cluster_ids.intern(c), w))
        missing = [n for n in donors.names if str(n) not in seen]
        if missing:
            raise ValueError(f"clusters: donor {missing[0]!r} has no row")
    totals, matches = _native.fund(
        len(donors.names), len(projects.names), rows, mechanism, m, pool, cap, harsh, style,
        memberships, len(cluster_ids.names),
    )
    order = _sorted_ids(projects.names)
    pl = _pl()
    return pl.DataFrame(
        {
            "project": [projects.names[i] for i in order],
            "donations": [totals[i] for i in order],
            "match": [matches[i] for i in order],
        },
        strict=False,
    )


def yuma(
    stakes: Any,
    weights: Any,
    *,
    kappa: float = 0.5,
    bond_alpha: float = 0.1,
    bonds_penalty: float = 1.0,
    epochs: int = 1,
):
    """Bittensor's Yuma consensus, as ``mirage yuma``.

    ``stakes`` has columns ``validator, stake`` (or is a tuple of two arrays,
    or a dict ``{validator: stake}``); ``weights`` has ``validator, provider,
    weight`` (raw, normalised per validator; a validator's weight on its own
    id is ignored). Runs ``epochs`` epochs from empty bonds and returns a
    polars DataFrame ``id, kind, consensus, incentive, dividend``: providers
    first (consensus and incentive), then validators (dividend), each ordered
    by id.
    """
    if isinstance(stakes, Mapping) and not all(k in stakes for k in ("validator", "stake")):
        stakes = (list(stakes.keys()), list(stakes.values()))
    vids, vstakes = _columns(stakes, ["validator", "stake"], "stakes")
    validators = _Ids()
    for v in vids:
        if str(v) in validators.index:
            raise ValueError(f"stakes: validator {v!r} appears twice")
        validators.intern(v)
    wv, wp, ww = _columns(weights, ["validator", "provider", "weight"], "weights")
    providers = _Ids()
    entries = []
    for v, p, w in zip(wv, wp, ww):
        if str(v) not in validators.index:
            raise ValueError(f"weights: validator {v!r} is not in the stakes")
        entries.append((validators.index[str(v)], providers.intern(p), float(w)))
    self_provider = [providers.index.get(str(v)) for v in validators.names]
    consensus, incentive, dividends = _native.yuma(
        [float(s) for s in vstakes], len(providers.names), entries, self_provider,
        kappa, bond_alpha, bonds_penalty, epochs,
    )
    rows = {"id": [], "kind": [], "consensus": [], "incentive": [], "dividend": []}
    for j in _sorted_ids(providers.names):
        for k, v in zip(rows, [providers.names[j], "provider", consensus[j], incentive[j], None]):
            rows[k].append(v)
    for i in _sorted_ids(validators.names):
        for k, v in zip(rows, [validators.names[i], "validator", None, None, dividends[i]]):
            rows[k].append(v)
    return _pl().DataFrame(rows, strict=False)
