"""ARCHITECTURE.md's layering rules, enforced by walking the imports of every module.

Every ``import`` and ``from ... import`` in every ``.py`` file under ``src/runyard``
counts: at module level, inside functions (lazy imports) and under
``TYPE_CHECKING`` alike, because the rules are about which parts may know about
which. Relative imports are resolved; ``from a.b import c`` counts as importing
``a.b.c`` when that is a module, otherwise ``a.b``.

The rules as checked:

- "``metrics``, ``entities``, ``errors``, ``settings`` import nothing else from
  runyard": each may import its own package (``runyard.metrics.*`` inside
  metrics) and nothing else from runyard, with one exception read into the doc:
  ``metrics`` may import ``runyard.errors``. ``errors`` is the root of the
  dependency graph (it imports nothing), so pure logic raising Runyard's own
  exception types adds no layer above it; "nothing else" is read as "nothing
  that is not itself in this bottom layer *and* import-free", which only
  ``errors`` is. ``entities``, ``errors`` and ``settings`` import nothing from
  runyard at all.
- ``sdk`` never imports ``server`` or ``ui``; ``server`` never imports ``sdk``.
- ``data_types`` never imports ``sdk`` (files go to a ``MediaSink``, not the live run).
- ``store.sql`` and ``store.rest`` import only ``store.base``, their own package,
  ``entities``, ``metrics``, ``errors`` and ``journal`` (replay bookkeeping)
  (parent packages that merely get initialised on the way, ``runyard`` and
  ``runyard.store``, are not imports of their own). Read into the doc for
  ``store.rest``, the one client for a server: ``store.wire``, the wire format it
  shares with the server's routes (both ends import one module, so they agree by
  construction), and ``blobs.base``/``blobs.keys``, because its ``HttpBlobStore``
  is a ``BlobStore`` that routes blob keys to the server's file routes.
- ``data_types``, ``blobs``, ``public_api``, ``cli`` and ``journal`` never import
  ``sdk``: what they share with it lives in ``journal``, ``store``, ``metrics`` or
  ``settings``.
- ``export`` and ``importers`` never import ``sdk`` or ``server``: they work on
  stores, not on a live run.
- ``integration.*`` use only the public facade ``runyard`` (and their own
  integration package, e.g. ``runyard.integration.keras.*``, and
  ``runyard.integration.lazy``, which makes their names lazy).

Rules about packages that do not exist yet (server, ui, store.rest, integration)
pass trivially today and bite as soon as those packages appear; the checker itself
is tested on synthetic sources below so that it cannot silently find nothing.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import runyard

SRC = Path(runyard.__file__).resolve().parent
ROOT = SRC.parent  # the directory holding the `runyard` package


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module, resolved
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str, root: Path) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(source: str, module: str, is_package: bool, root: Path = ROOT) -> list[Import]:
    """Every runyard module ``source`` (the text of ``module``) imports."""
    out: list[Import] = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.extend(Import(module, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                target = candidate if _is_module(candidate, root) else base
                out.append(Import(module, target, node.lineno))
    return [i for i in out if i.target == "runyard" or i.target.startswith("runyard.")]


def all_imports(root: Path = ROOT) -> list[Import]:
    out: list[Import] = []
    for path in sorted((root / "runyard").rglob("*.py")):
        out.extend(
            imports_of(
                path.read_text(encoding="utf-8"),
                module_name(path, root),
                path.name == "__init__.py",
                root,
            )
        )
    return out


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# A rule: (modules it applies to, predicate saying whether an import target is allowed).
Rule = tuple[Callable[[str], bool], Callable[[str, str], bool]]


def _leaf(package: str, also: tuple[str, ...] = ()) -> Rule:
    return (
        lambda m: within(m, package),
        lambda m, t: within(t, package) or any(within(t, a) for a in also),
    )


def _never(package: str, forbidden: tuple[str, ...]) -> Rule:
    return (lambda m: within(m, package), lambda m, t: not any(within(t, f) for f in forbidden))


def _store_backend(package: str, also: tuple[str, ...] = ()) -> Rule:
    allowed = (
        "runyard.store.base",
        "runyard.entities",
        "runyard.metrics",
        "runyard.errors",
        "runyard.journal",
        *also,
    )
    return (
        lambda m: within(m, package),
        lambda m, t: (
            t in ("runyard", "runyard.store")
            or within(t, package)
            or any(within(t, a) for a in allowed)
        ),
    )


def _own_integration(module: str) -> str:
    return ".".join(module.split(".")[:3])  # runyard.integration.<name>


RULES: dict[str, Rule] = {
    "metrics": _leaf("runyard.metrics", also=("runyard.errors",)),
    "entities": _leaf("runyard.entities"),
    "errors": _leaf("runyard.errors"),
    "settings": _leaf("runyard.settings"),
    "sdk-not-server-ui": _never("runyard.sdk", ("runyard.server", "runyard.ui")),
    "server-not-sdk": _never("runyard.server", ("runyard.sdk",)),
    # Data types write their files to a MediaSink, never to the live Run.
    "data-types-not-sdk": _never("runyard.data_types", ("runyard.sdk",)),
    "store-sql": _store_backend("runyard.store.sql"),
    "store-rest": _store_backend(
        "runyard.store.rest",
        also=("runyard.store.wire", "runyard.blobs.base", "runyard.blobs.keys"),
    ),
    # What these share with the SDK lives in journal, store, metrics or settings.
    "blobs-not-sdk": _never("runyard.blobs", ("runyard.sdk",)),
    "public-api-not-sdk": _never("runyard.public_api", ("runyard.sdk",)),
    "cli-not-sdk": _never("runyard.cli", ("runyard.sdk",)),
    "journal-not-sdk": _never("runyard.journal", ("runyard.sdk",)),
    # Exports and imports read and write stores (through the public API or
    # write_batch), never a live run.
    "export-not-sdk": _never("runyard.export", ("runyard.sdk", "runyard.server")),
    "importers-not-sdk": _never("runyard.importers", ("runyard.sdk", "runyard.server")),
    "integration-facade-only": (
        lambda m: within(m, "runyard.integration") and m != "runyard.integration",
        lambda m, t: t in ("runyard", "runyard.integration.lazy") or within(t, _own_integration(m)),
    ),
}


def violations(rule: Rule, imports: list[Import]) -> list[str]:
    applies, allowed = rule
    return [str(i) for i in imports if applies(i.module) and not allowed(i.module, i.target)]


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    found = all_imports()
    modules = {i.module for i in found}
    # The walk must really see the package (otherwise every rule passes vacuously).
    assert {"runyard", "runyard.sdk.init", "runyard.store.sql.store"} <= modules
    return found


@pytest.mark.parametrize("name", sorted(RULES))
def test_layering_rule(imports: list[Import], name: str) -> None:
    assert violations(RULES[name], imports) == []


# -- the checker checks --------------------------------------------------------


def _fake_tree(tmp_path: Path, files: dict[str, str]) -> list[Import]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return all_imports(tmp_path)


def test_checker_flags_violations_in_every_import_form(tmp_path: Path) -> None:
    found = _fake_tree(
        tmp_path,
        {
            "runyard/__init__.py": "",
            "runyard/errors.py": "",
            "runyard/entities.py": "",
            "runyard/metrics/__init__.py": "from runyard.errors import Error\n",
            "runyard/metrics/bad.py": """
                from . import flatten
                from ..entities import RunRef
                def lazy():
                    import runyard.sdk.run
            """,
            "runyard/metrics/flatten.py": "",
            "runyard/sdk/__init__.py": "",
            "runyard/sdk/run.py": "from runyard.server import app\n",
            "runyard/server/__init__.py": "",
            "runyard/server/app.py": "from runyard import sdk\n",
            "runyard/data_types/__init__.py": "",
            "runyard/data_types/image.py": "if 0:\n    from runyard.sdk.run import Run\n",
            "runyard/store/__init__.py": "",
            "runyard/store/base.py": "",
            "runyard/store/sql/__init__.py": "",
            "runyard/store/sql/store.py": """
                from runyard.store.base import TrackingStore
                from runyard.store.sql import chunks
                from runyard.metrics.flatten import set_path
                from runyard.sdk.run import Run
            """,
            "runyard/store/sql/chunks.py": "",
            "runyard/integration/__init__.py": "",
            "runyard/integration/keras/__init__.py": "from .callback import WandbCallback\n",
            "runyard/integration/keras/callback.py": """
                import runyard
                from runyard.sdk.run import Run
            """,
        },
    )
    by_rule = {name: violations(rule, found) for name, rule in RULES.items()}
    assert by_rule["metrics"] == [
        "runyard.metrics.bad:3 imports runyard.entities",
        "runyard.metrics.bad:5 imports runyard.sdk.run",
    ]
    assert by_rule["sdk-not-server-ui"] == ["runyard.sdk.run:1 imports runyard.server.app"]
    assert by_rule["server-not-sdk"] == ["runyard.server.app:1 imports runyard.sdk"]
    assert by_rule["data-types-not-sdk"] == ["runyard.data_types.image:2 imports runyard.sdk.run"]
    assert by_rule["store-sql"] == ["runyard.store.sql.store:5 imports runyard.sdk.run"]
    assert by_rule["integration-facade-only"] == [
        "runyard.integration.keras.callback:3 imports runyard.sdk.run"
    ]
    assert by_rule["errors"] == by_rule["entities"] == by_rule["settings"] == []


def test_relative_imports_resolve(tmp_path: Path) -> None:
    found = _fake_tree(
        tmp_path,
        {
            "runyard/__init__.py": "",
            "runyard/a/__init__.py": "from .b import x\nfrom . import c\n",
            "runyard/a/b.py": "from .. import d\nfrom ..d import e\n",
            "runyard/a/c.py": "",
            "runyard/d/__init__.py": "",
        },
    )
    assert sorted((i.module, i.target) for i in found) == [
        ("runyard.a", "runyard.a.b"),
        ("runyard.a", "runyard.a.c"),
        ("runyard.a.b", "runyard.d"),
        ("runyard.a.b", "runyard.d"),
    ]


# -- what `import runyard` costs --------------------------------------------------

HEAVY = [
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "boto3",
    "pandas",
    "matplotlib",
    "plotly",
    "torch",
    "tensorflow",
    "jax",
    "numpy",
    "PIL",
]
LAZY_PARTS = [
    "runyard.public_api",
    "runyard.data_types",
    "runyard.plot",
    "runyard.server",
    "runyard.store.sql",
    "runyard.blobs",
]


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_", "PYTHON"))
    }
    env.update(HOME=str(tmp_path / "home"), RUNYARD_DIR=str(tmp_path / "ry"), RUNYARD_SILENT="true")
    return env


def _run_child(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_env(tmp_path),
        cwd=tmp_path,
        check=False,
    )


def test_import_runyard_stays_light(tmp_path: Path) -> None:
    proc = _run_child(
        f"""
        import sys
        import runyard
        heavy = [m for m in {HEAVY!r} if m in sys.modules]
        lazy = [m for m in sys.modules if m.startswith(tuple(p for p in {LAZY_PARTS!r}))]
        print(heavy, sorted(lazy))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[] []"


def test_init_log_finish_in_a_fresh_process(tmp_path: Path) -> None:
    proc = _run_child(
        """
        import runyard
        run = runyard.init(project="layering", config={"lr": 0.01})
        runyard.log({"loss": 0.5, "acc": 1})
        runyard.finish()
        print(run.id)
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    run_id = proc.stdout.strip().splitlines()[-1]
    db = tmp_path / "ry" / "runyard.db"
    assert db.is_file()

    from runyard.store.sql.store import SqlStore

    store = SqlStore(f"sqlite:///{db}")
    try:
        projects = store.list_projects()
        leftovers = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "ry").rglob("*"))
        assert len(projects) == 1, (proc.stderr, leftovers)
        ((entity, project),) = projects
        assert project == "layering"
        (rec,) = store.list_runs(entity, project)
        assert rec.ref.run_id == run_id
        assert rec.state == "finished"
        assert rec.config["lr"] == 0.01
        assert rec.summary["loss"] == 0.5
        assert rec.last_step == 0
        assert store.read_series(rec.ref, "loss").values.tolist() == [0.5]
        assert store.read_series(rec.ref, "acc").values.tolist() == [1]
    finally:
        store.close()
