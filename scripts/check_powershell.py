#!/usr/bin/env python3
"""Syntax-check every PowerShell text the collection sends to a Windows host.

A real PowerShell grammar (tree-sitter-powershell) parses:
  * every ``*.ps1`` / ``*.psm1`` file git knows about,
  * every module-level Python string whose name ends in ``_PS1`` (how plugins keep small
    scripts next to the code that sends them), also one assembled from shared functions at import
    time (the module is imported to read it),
  * every ``script:`` of an ``ansible.windows.win_powershell`` task and every command of an
    ``ansible.windows.win_shell`` task in the collection's YAML.
A text that does not parse fails the run with its origin and the line of the first error.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import tree_sitter
import tree_sitter_powershell
import yaml

REPO = Path(__file__).resolve().parent.parent
_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
_SCRIPT_TASK_KEYS = {
    "ansible.windows.win_powershell": "script",
    "ansible.windows.win_shell": "cmd",
}


def first_error(text: str):
    """Return (line, column, kind) of the first syntax error in *text*, or None when it parses."""
    tree = _PARSER.parse(text.encode("utf-8"))
    if not tree.root_node.has_error:
        return None
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, col = node.start_point
            return row + 1, col + 1, "missing " + node.type if node.is_missing else "unexpected text"
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing or c.is_error]))
    return 1, 1, "unparseable"


def tracked_files():
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout
    return [REPO / line for line in out.splitlines() if line and (REPO / line).is_file()]


def python_constants(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assembled = []
    for node in tree.body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if not (isinstance(target, ast.Name) and target.id.endswith("_PS1")):
                continue
            origin = f"{path.relative_to(REPO)}:{node.lineno} ({target.id})"
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                yield origin, node.value.value
            else:
                assembled.append((origin, target.id))
    if assembled:
        # Scripts built from shared functions at import time: only the module knows the text it sends.
        module = _import_collection_module(path)
        for origin, name in assembled:
            yield origin + " assembled", getattr(module, name)


def _import_collection_module(path: Path):
    """Import a plugin file as Ansible does, as ansible_collections.wslfleet.networking.<path>."""
    collections = REPO / "build" / "collections"
    if not (collections / "ansible_collections" / "wslfleet" / "networking").exists():
        raise SystemExit(f"pwsh-syntax: {path.relative_to(REPO)} assembles scripts at import time; "
                         f"run `make setup` first so {collections} holds this checkout")
    if str(collections) not in sys.path:
        sys.path.insert(0, str(collections))
    dotted = ".".join(path.relative_to(REPO).with_suffix("").parts)
    return importlib.import_module("ansible_collections.wslfleet.networking." + dotted)


def _walk_tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from _walk_tasks(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            if isinstance(value, (list, dict)):
                yield from _walk_tasks(value)


def yaml_scripts(path: Path):
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError:
        return  # yamllint / ansible-lint report broken YAML; not this gate's job
    for doc in documents:
        for task in _walk_tasks(doc):
            for module, key in _SCRIPT_TASK_KEYS.items():
                args = task.get(module)
                text = args.get(key) if isinstance(args, dict) else args
                if isinstance(text, str) and "{{" not in text:
                    yield f"{path.relative_to(REPO)} ({module})", text


def collect():
    for path in tracked_files():
        if path.suffix in (".ps1", ".psm1"):
            yield str(path.relative_to(REPO)), path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".py":
            yield from python_constants(path)
        elif path.suffix in (".yml", ".yaml") and not path.name.startswith("."):
            yield from yaml_scripts(path)


def main(argv):
    sources = [(str(p), Path(p).read_text(encoding="utf-8-sig")) for p in argv] if argv else list(collect())
    failures = 0
    for origin, text in sources:
        error = first_error(text)
        if error:
            failures += 1
            line, col, kind = error
            print(f"PowerShell syntax error in {origin}: line {line}, column {col}: {kind}")
    print(f"pwsh-syntax: {len(sources)} PowerShell texts checked, {failures} with errors")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
