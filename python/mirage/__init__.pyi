"""Type stubs of the `mirage` package (see `mirage/__init__.py`)."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt
import polars as pl

PathLike = Union[str, os.PathLike[str]]

__version__: str
QUOTE_DECIMALS: int
TABLES: Dict[str, str]

class MirageError(Exception):
    """Base class of Mirage's errors."""

class ScenarioError(MirageError):
    """An invalid scenario or `set` override (message: file:line:column)."""

class RunError(MirageError):
    """A simulation failed, or its outputs could not be written."""

class SchemeError(MirageError):
    """A Python scheme raised or returned bad weights (names epoch and pool)."""

class SweepError(MirageError):
    """A sweep could not run or stopped on an error."""

@dataclass(frozen=True)
class Scenario:
    text: str
    name: str = ...
    @classmethod
    def from_toml(cls, text: str, name: str = ...) -> Scenario: ...
    @classmethod
    def from_file(cls, path: PathLike) -> Scenario: ...

@dataclass(frozen=True)
class SchemeContext:
    pool: str
    epoch: int
    members: npt.NDArray[np.uint32]
    work: npt.NDArray[np.uint64]
    failures: npt.NDArray[np.uint64]
    stake: npt.NDArray[np.float64]
    reputation: npt.NDArray[np.float64]
    usage: npt.NDArray[np.uint64]
    budget: float

SchemeFunction = Callable[[SchemeContext], Union[Sequence[float], npt.ArrayLike]]

@dataclass(frozen=True)
class Scheme:
    func: SchemeFunction
    reputation: bool = ...
    usage: bool = ...

class Run:
    decimals: int
    @property
    def epochs(self) -> pl.DataFrame: ...
    @property
    def agents(self) -> pl.DataFrame: ...
    @property
    def accounts(self) -> pl.DataFrame: ...
    @property
    def tables(self) -> Dict[str, pl.DataFrame]: ...
    @property
    def fairness(self) -> Dict[str, Any]: ...
    @property
    def manifest(self) -> Dict[str, Any]: ...
    @property
    def resolved(self) -> str: ...
    @property
    def files(self) -> list[str]: ...
    def to_pandas(self) -> Dict[str, Any]: ...
    def save(self, directory: PathLike, *, force: bool = ...) -> Path: ...

class Sweep:
    out: Path
    outcome: Dict[str, Any]
    @property
    def runs(self) -> pl.DataFrame: ...
    @property
    def points(self) -> pl.DataFrame: ...
    @property
    def manifest(self) -> Dict[str, Any]: ...

def read_table(path: PathLike, table: str, decimals: int) -> pl.DataFrame: ...
def run(
    scenario: Union[PathLike, Scenario],
    *,
    seed: Optional[int] = ...,
    set: Optional[Mapping[str, Any]] = ...,
    schemes: Optional[Mapping[str, Union[SchemeFunction, Scheme]]] = ...,
) -> Run: ...
def sweep(
    scenario_or_sweep_file: Union[PathLike, Scenario],
    *,
    jobs: Optional[int] = ...,
    set: Optional[Mapping[str, Any]] = ...,
    out: Optional[PathLike] = ...,
    resume: bool = ...,
    progress: bool = ...,
) -> Sweep: ...
def metrics(
    values: Any,
    weights: Any = ...,
    *,
    column: Optional[str] = ...,
    weight: Optional[str] = ...,
) -> Dict[str, Any]: ...
def fund(
    donations: Any,
    *,
    mechanism: str = ...,
    pool: Optional[float] = ...,
    cap: Optional[float] = ...,
    m: Optional[float] = ...,
    clusters: Any = ...,
    harsh: Optional[bool] = ...,
    style: Optional[str] = ...,
) -> pl.DataFrame: ...
def yuma(
    stakes: Any,
    weights: Any,
    *,
    kappa: float = ...,
    bond_alpha: float = ...,
    bonds_penalty: float = ...,
    epochs: int = ...,
) -> pl.DataFrame: ...
