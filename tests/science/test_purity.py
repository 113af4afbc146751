"""coach.science is numbers in, numbers out: the standard library and numpy only, no I/O libraries."""

import ast
import sys
from pathlib import Path

import pytest

import coach.science

SCIENCE = Path(coach.science.__file__).parent
ALLOWED = {"numpy", "coach"} | set(sys.stdlib_module_names)
FORBIDDEN_STDLIB = {"io", "os", "pathlib", "socket", "sqlite3", "urllib", "http", "subprocess", "shutil"}


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", sorted(SCIENCE.glob("*.py")), ids=lambda path: path.name)
def test_science_module_imports_only_stdlib_and_numpy(path: Path) -> None:
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top in ALLOWED, f"{path.name} imports {module}"
        assert top not in FORBIDDEN_STDLIB, f"{path.name} does I/O through {module}"
        if top == "coach":
            assert module.startswith("coach.science"), f"{path.name} imports {module}"
