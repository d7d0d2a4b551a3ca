"""Execute the research notebooks in ``notebooks/`` top to bottom, as CI does: any error (or a
failed ``assert`` in their last cells) fails the build."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
EXPECTED = {"01_quickstart.ipynb", "02_evaluation.ipynb", "03_your_own_batch.ipynb"}


def test_notebooks_present():
    assert {p.name for p in PATHS} >= EXPECTED


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"clear outputs of {path}"


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch) -> str:
    """A ``python3`` kernel spec that runs THIS interpreter (the venv running pytest), ahead of
    any user or system ``python3`` spec that may point elsewhere."""
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return "python3"


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path: Path, python3_kernel: str):
    nb = nbformat.read(path, as_version=4)
    check = f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable"
    nb.cells.insert(0, nbformat.v4.new_code_cell(check))
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name=python3_kernel,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
