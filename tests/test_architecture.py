"""The package layout as architecture: capability packages import only downwards, no
module imports in a circle, CLI command modules stand alone, the CLI starts light, and
the public API resolves."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import click
import pytest

import sitewatch
from sitewatch.cli.main import COMMANDS, cli

PACKAGE = Path(sitewatch.__file__).parent

#: Capabilities from the bottom up; a capability imports only from lower layers.
LAYERS: list[set[str]] = [
    {"errors", "times"},
    {"limits"},
    {"geo", "inference", "network"},
    {"sites"},
    {"imagery"},
    {"change", "detection", "reach", "activity"},
    {"claims"},
    {"store", "datasets"},
    {"evaluation", "pipeline"},
    {"report", "web", "export"},
    {"demo", "train"},
    {"cli"},
    {"__main__"},
]
LAYER = {name: i for i, layer in enumerate(LAYERS) for name in layer}
HEAVY = ("numpy", "matplotlib", "scipy", "onnxruntime", "rasterio", "alembic", "sqlalchemy")


def module_name(path: Path) -> str:
    parts = ["sitewatch", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imports(path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """The sitewatch modules ``path`` imports, anywhere in the file, and whether each
    import is for type checking only."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            tc = typing_only or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if isinstance(child, ast.ImportFrom) and child.module and not child.level:
                if child.module.startswith("sitewatch"):
                    for alias in child.names:
                        sub = f"{child.module}.{alias.name}"
                        found.append((sub if sub in known else child.module, tc))
            elif isinstance(child, ast.Import):
                found.extend((a.name, tc) for a in child.names if a.name.startswith("sitewatch"))
            visit(child, tc)

    visit(ast.parse(path.read_text()), False)
    return found


def capability(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "sitewatch"


@pytest.fixture(scope="module")
def graph() -> dict[str, list[tuple[str, bool]]]:
    mods = modules()
    return {m: imports(p, set(mods)) for m, p in mods.items()}


def test_every_capability_has_a_layer() -> None:
    top = {capability(m) for m in modules()} - {"sitewatch", "models", "data"}
    assert top <= set(LAYER), f"place {sorted(top - set(LAYER))} in LAYERS"


def test_capabilities_import_only_downwards(
    graph: dict[str, list[tuple[str, bool]]],
) -> None:
    upward = []
    for module, targets in graph.items():
        src = capability(module)
        if src == "sitewatch":  # the lazy root API names everything, for type checkers
            continue
        for target, _ in targets:
            dst = capability(target)
            if dst != src and dst != "sitewatch" and LAYER[dst] >= LAYER[src]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports that are not downwards:\n" + "\n".join(upward)


def test_no_import_circle(graph: dict[str, list[tuple[str, bool]]]) -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target, typing_only in targets:
            if not typing_only and target != module:
                edges[module].add(target)
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)


def test_a_module_never_imports_its_own_package(
    graph: dict[str, list[tuple[str, bool]]],
) -> None:
    """Submodules import their siblings directly, never through the package ``__init__``
    (which imports them)."""
    bad = [
        f"{m} -> {t}"
        for m, targets in graph.items()
        for t, _ in targets
        if "." in m and m.rsplit(".", 1)[0] == t and modules()[m].name != "__init__.py"
    ]
    assert not bad, bad


def test_cli_command_modules_do_not_import_each_other(
    graph: dict[str, list[tuple[str, bool]]],
) -> None:
    shared = {"sitewatch.cli", "sitewatch.cli.main", "sitewatch.cli.options"}
    bad = [
        f"{m} -> {t}"
        for m, targets in graph.items()
        if m.startswith("sitewatch.cli.") and m not in shared
        for t, _ in targets
        if t.startswith("sitewatch.cli") and t != "sitewatch.cli.options"
    ]
    assert not bad, bad


def test_command_registry_matches_the_commands() -> None:
    """The one-line help shown by ``sitewatch --help`` (from the registry, without
    loading commands) is each command's own first paragraph."""
    ctx = click.Context(cli)
    for name, (_, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None
        assert command.name == name
        first = " ".join((command.help or "").split("\n\n")[0].split())
        assert first == summary, name


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_cli_start_imports_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['sitewatch', *{args!r}]\n"
        "from sitewatch.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED:' + ','.join(sorted({m.split('.')[0] for m in sys.modules} & "
        f"set({HEAVY!r}))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = out.strip().splitlines()[-1]
    assert loaded == "LOADED:", f"`sitewatch {' '.join(args)}` imported {loaded}"


def test_import_sitewatch_is_light() -> None:
    code = (
        "import sys, sitewatch\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_every_public_name_imports() -> None:
    for name in sitewatch.__all__:
        assert getattr(sitewatch, name) is not None, name
    with pytest.raises(AttributeError):
        _ = sitewatch.no_such_name
    assert sorted(dir(sitewatch)) == sorted(sitewatch.__all__)


def test_every_package_names_its_public_api() -> None:
    """Each capability package's ``__all__`` lists names that exist."""
    import importlib

    for cap in sorted(
        set(LAYER) - {"errors", "times", "network", "demo", "train", "cli", "__main__"}
    ):
        package = importlib.import_module(f"sitewatch.{cap}")
        public = getattr(package, "__all__", None)
        assert public, f"sitewatch.{cap} has no __all__"
        missing = [n for n in public if not hasattr(package, n)]
        assert not missing, f"sitewatch.{cap}: {missing}"


def test_every_error_class_lives_in_errors() -> None:
    """Error classes are defined in errors.py only (one place to find what can fail)."""
    stray = []
    for module, path in modules().items():
        if module == "sitewatch.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                stray.append(f"{module}.{node.name}")
    assert not stray, stray
