"""Run ids and project/entity names at ``init``: refused when no run may have them, and
never sharing a file area with another run (issue 12, point 2), in the embedded store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import runyard
from runyard.errors import UsageError

#: Pairs of projects the old blob prefix squashed into one (``_`` for unsafe
#: characters, dots stripped), and one that differs only by case (one directory on
#: macOS and Windows file systems).
COLLIDING = [("эксперимент", "тест"), ("a b", "a_b"), ("v1.", "v1"), ("MNIST", "mnist")]


def _log_run(root: Path, project: str, marker: str) -> runyard.Run:
    """One run of ``project`` with id ``r1``: a saved file, a media image and a summary
    tensor, each holding ``marker``."""
    work = root / f"work-{marker}"
    work.mkdir(parents=True)
    (work / "model.txt").write_text(marker)
    run = runyard.init(project=project, id="r1")
    run.save(str(work / "model.txt"), base_path=str(work), policy="now")
    pixels = np.full((4, 4, 3), ord(marker[0]), dtype=np.uint8)
    run.log({"img": runyard.Image(pixels)})
    run.summary["w"] = np.full(40, float(len(marker)))
    run.finish()
    return run


@pytest.mark.parametrize(("first", "second"), COLLIDING)
def test_runs_whose_names_squashed_alike_keep_their_own_files(
    ry_dir: Path, tmp_path: Path, first: str, second: str
) -> None:
    _log_run(tmp_path, first, "first")
    _log_run(tmp_path, second, "second-run")
    api = runyard.Api()
    one, two = api.run(f"tester/{first}/r1"), api.run(f"tester/{second}/r1")
    assert one.file("model.txt").read() == b"first"
    assert two.file("model.txt").read() == b"second-run"
    assert one.summary.load_tensor("w")[0] == len("first")
    assert two.summary.load_tensor("w")[0] == len("second-run")
    assert len([f for f in one.files() if f.name.startswith("media/")]) == 1
    assert len([f for f in two.files() if f.name.startswith("media/")]) == 1

    one.delete()
    two = runyard.Api().run(f"tester/{second}/r1")
    assert two.file("model.txt").read() == b"second-run"
    assert two.summary.load_tensor("w")[0] == len("second-run")
    assert len(two.files()) == 3


@pytest.mark.parametrize("run_id", ["..", ".", "a\0b", "a\nb", "x" * 129, "a/b", "\ud800"])
def test_run_ids_no_run_may_have_are_refused_naming_the_value(ry_dir: Path, run_id: str) -> None:
    with pytest.raises(UsageError, match="Run ID") as caught:
        runyard.init(project="p", id=run_id)
    assert repr(run_id)[:40] in str(caught.value) or "longer than 128" in str(caught.value)


@pytest.mark.parametrize("kind", ["project", "entity"])
@pytest.mark.parametrize("name", ["..", ".", "a\0b", "a/b", "a\\b", "x" * 129, " ", "a\tb"])
def test_names_no_project_or_entity_may_have_are_refused(
    ry_dir: Path, kind: str, name: str
) -> None:
    with pytest.raises(UsageError, match=kind.capitalize() + "|" + kind) as caught:
        runyard.init(**{kind: name})  # type: ignore[arg-type]
    assert repr(name)[:40] in str(caught.value)


@pytest.mark.parametrize("name", ["эксперимент", "тест", "日本", "a b", "v1.", "MNIST", "con"])
def test_any_other_name_is_fine_non_ascii_only_too(ry_dir: Path, name: str) -> None:
    run = runyard.init(project=name, entity=name, id=name)
    run.log({"x": 1})
    run.finish()
    assert runyard.Api().run(f"{name}/{name}/{name}").summary["x"] == 1


@pytest.mark.parametrize(
    "run_id", ["r1", "..a", "a..", "...", "..\\..", "~", "%2e%2e", "con", "ÄÖ", "é" * 128]
)
def test_run_dir_is_always_inside_its_own_directory(ry_dir: Path, run_id: str) -> None:
    run = runyard.init(project="p", id=run_id)
    directory = Path(run.dir).resolve()
    files = (ry_dir / "files").resolve()
    assert directory.is_relative_to(files) and directory != files
    assert len(directory.relative_to(files).parts) == 3  # entity/project/run
    other = runyard.init(project="p", id="o" + run_id[1:], reinit="create_new")
    assert Path(other.dir).resolve() != directory
    other.finish()
    run.finish()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=40))
@example("..")
@example("é" * 128)
def test_any_run_id_is_refused_or_gets_a_directory_of_its_own(ry_dir: Path, run_id: str) -> None:
    try:
        run = runyard.init(project="p", id=run_id, mode="offline")
    except UsageError as exc:
        refused = str(exc)
        assert repr(run_id) in refused
        return
    try:
        directory = Path(run.dir).resolve()
        assert directory.parent.parent.parent == (ry_dir / "files").resolve()
    finally:
        run.finish(quiet=True)
