"""examples/notebook.ipynb runs from top to bottom (small sizes)."""

import os

import nbformat
from nbclient import NotebookClient

from conftest import ROOT


def test_notebook_executes(monkeypatch):
    monkeypatch.setenv("MIRAGE_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    path = ROOT / "examples" / "notebook.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    assert os.environ["MIRAGE_NOTEBOOK_SMALL"] == "1"
