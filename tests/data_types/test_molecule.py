"""``Molecule``: structure files stored as they are."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import runyard
from runyard.data_types.molecule import Molecule
from tests.data_types.conftest import StoredSink

PDB = "ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\nEND\n"


def test_path_and_file_object(tmp_path: Path, sink: StoredSink) -> None:
    path = tmp_path / "ala.pdb"
    path.write_text(PDB)
    molecule = Molecule(path, caption="alanine")
    value = molecule.to_json(sink)
    assert value["_type"] == "molecule-file" and value["caption"] == "alanine"
    assert value["path"].endswith(".pdb") and sink.read(value["path"]) == PDB.encode()
    assert Molecule(io.StringIO(PDB), file_type="pdb").file_bytes == PDB.encode()


def test_errors_name_the_type(tmp_path: Path) -> None:
    (tmp_path / "m.xyz").write_text("")
    with pytest.raises(ValueError, match="file type 'xyz'"):
        Molecule(tmp_path / "m.xyz")
    with pytest.raises(ValueError, match="pass file_type="):
        Molecule(io.StringIO(PDB))
    with pytest.raises(ValueError, match="got int"):
        Molecule(3)


def test_logged_molecule_is_read_back(ry_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "ala.pdb"
    path.write_text(PDB)
    run = runyard.init(project="mol")
    run.log({"mol": runyard.Molecule(str(path))})
    run.finish()
    stored = runyard.Api().run(f"mol/{run.id}")
    value = next(iter(stored.scan_history()))["mol"]
    assert stored.file(value["path"]).read() == PDB.encode()
