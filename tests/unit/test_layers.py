"""The three layers stay apart: the domain and the services never import Flask, and no
blueprint (nor any shared module) imports a blueprint."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
BLUEPRINTS = {p.name for p in APP.iterdir() if (p / "__init__.py").exists() and "bp = Blueprint" in (p / "__init__.py").read_text()}
WEB_PACKAGES = ("flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "werkzeug", "wtforms")


def imported_modules(path: Path) -> set[str]:
    """Absolute dotted names of everything a module imports (relative imports resolved)."""
    package = ".".join(path.relative_to(APP.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def modules_under(folder: str) -> list[Path]:
    return sorted((APP / folder).rglob("*.py"))


def test_blueprints_are_found():
    assert {"auth", "entry", "review", "exports", "admin"} <= BLUEPRINTS


@pytest.mark.parametrize("layer", ["reporting", "services"])
def test_domain_and_services_import_nothing_from_the_web_framework(layer):
    offenders = [
        f"{path.relative_to(APP)} imports {name}"
        for path in modules_under(layer)
        for name in imported_modules(path)
        if name.split(".")[0] in WEB_PACKAGES
    ]
    assert offenders == []


def test_domain_imports_only_the_domain():
    offenders = [
        f"{path.relative_to(APP)} imports {name}"
        for path in modules_under("reporting")
        for name in imported_modules(path)
        if name.startswith("app.") and not name.startswith("app.reporting")
    ]
    assert offenders == []


def test_no_module_imports_a_blueprint_but_its_own():
    offenders = []
    for path in APP.rglob("*.py"):
        own = path.relative_to(APP).parts[0]
        for name in imported_modules(path):
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "app" and parts[1] in BLUEPRINTS and parts[1] != own:
                if path == APP / "__init__.py" and len(parts) <= 3:
                    continue  # the factory registers each blueprint
                offenders.append(f"{path.relative_to(APP)} imports {name}")
    assert offenders == []


READS = {"get", "scalar", "scalars", "execute", "query"}


def test_no_view_runs_its_own_query():
    """Blueprints parse, call a service and render: what they read comes from a service. They
    may commit or roll back the request's work, and catch the database's exceptions."""
    offenders = []
    for name in sorted(BLUEPRINTS):
        for path in modules_under(name):
            for module in imported_modules(path):
                if module.split(".")[0] == "sqlalchemy" and ".exc" not in module:
                    offenders.append(f"{path.relative_to(APP)} imports {module}")
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.Attribute) and node.attr in READS and isinstance(node.value, ast.Attribute)
                        and node.value.attr == "session"):
                    offenders.append(f"{path.relative_to(APP)}:{node.lineno} reads with session.{node.attr}")
                elif isinstance(node, ast.Attribute) and node.attr == "query" and not isinstance(node.value, ast.Attribute):
                    offenders.append(f"{path.relative_to(APP)}:{node.lineno} uses {ast.unparse(node)}")
    assert offenders == []
