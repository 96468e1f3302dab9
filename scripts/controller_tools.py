#!/usr/bin/env python3
"""Every program the test suite and the demo run on this machine, and the package it comes from.

A fresh machine has only what scripts/bootstrap.sh installs (plus Debian's Essential packages and
the Python packages in .venv). A program that some test runs on the controller but that came from a
package installed by hand passes on a developer's machine and fails on the next fresh one. This
finds those programs by reading the code that runs them:

  * shell: recipes of the Makefile and every ``scripts/*.sh``, with a real bash grammar
    (tree-sitter-bash), so pipelines, command substitutions and functions count correctly;
  * Python: argv lists handed to ``subprocess`` (and the lab's ``run``/``ip`` helpers) in the lab
    program, the tests, the benchmarks and Molecule's helper scripts;
  * Molecule: ``command``/``shell`` tasks that run on the controller (a play on ``localhost`` or a
    task delegated to it), argv[0] or the shell text;
  * connections: the programs Ansible's connection plugins start for the lab inventory.

Then each program is resolved on PATH (with .venv/bin first, as the Makefile sets it) and traced to
its Debian package with dpkg. Run it to see the table; exit status 1 lists what bootstrap misses.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tree_sitter
import tree_sitter_bash
import yaml

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
_BASH = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
SHELL_BUILTINS = frozenset("""
    . : [ alias bg bind break builtin caller cd command compgen complete compopt continue declare
    dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs kill
    let local logout mapfile popd printf pushd pwd read readarray readonly return set shift shopt
    source suspend test times trap true type typeset ulimit umask unalias unset wait
""".split())
# Functions of ours that wrap subprocess with the program's name as the first argv element.
PYTHON_RUNNERS = frozenset({"run", "Popen", "call", "check_call", "check_output", "_run", "run_cmd"})
# Helpers whose name is the program they run.
PYTHON_NAMED_RUNNERS = {"ip": "ip"}
COMMAND_MODULES = {"ansible.builtin.command", "command", "ansible.builtin.shell", "shell"}
# Programs started by Ansible itself for the lab's inventory, not written in any task.
CONNECTION_PROGRAMS = {
    "ssh": "ansible.builtin.ssh connection to lab hosts (lab/wslfleet_lab.py inventory)",
    "nsenter": "community.docker.nsenter connection to lab hosts (lab/wslfleet_lab.py inventory)",
    "socat": "the ProxyCommand of the lab inventory's SSH options (lab/wslfleet_lab.py)",
}


@dataclass(frozen=True)
class Use:
    program: str
    where: str


# ----------------------------------------------------------------------------------------------- #
# readers

def shell_programs(text: str, where: str) -> list[Use]:
    """Command names in a shell text, less builtins, its own functions and expansions."""
    tree = _BASH.parse(text.encode("utf-8"))
    functions, names = set(), []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            fname = node.child_by_field_name("name")
            if fname is not None:
                functions.add(fname.text.decode())
        elif node.type == "command":
            name = node.child_by_field_name("name")
            if name is not None:
                names.append((name.text.decode(), node.start_point[0] + 1, node))
        stack.extend(node.children)
    uses = []
    for name, line, node in names:
        name = name.strip("'\"")
        # Our scripts name .venv/bin as $BIN; any other expansion is decided at run time and is
        # listed by main() as dynamic rather than guessed.
        name = re.sub(r"^\$\{?BIN\}?/", str(VENV_BIN) + "/", name)
        if name in SHELL_BUILTINS or name in functions:
            continue
        if name in ("sudo", "nice", "env", "timeout", "xargs"):
            # The program is the next plain word.
            words = [c.text.decode() for c in node.children if c.type == "word"]
            args = [w for w in words if not w.startswith("-") and "=" not in w]
            if args:
                uses.append(Use(args[0], "%s:%d" % (where, line)))
        uses.append(Use(name, "%s:%d" % (where, line)))
    return uses


def makefile_programs(path: Path, repo: Path = REPO) -> list[Use]:
    """Shell programs in the recipes; $(BIN)/x is .venv's, other make variables are expanded."""
    text = path.read_text()
    variables = dict(re.findall(r"^([A-Z_]+)\s*:?=\s*(.*)$", text, re.M))
    uses = []
    lines = text.replace("\\\n", " ").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.startswith("\t"):
            continue
        recipe = line.lstrip("\t").lstrip("@-+")
        recipe = recipe.replace("$(BIN)", str(VENV_BIN)).replace("$(CURDIR)", str(REPO))
        for _ in range(3):
            recipe = re.sub(r"\$\(([A-Z_]+)\)", lambda m: variables.get(m.group(1), "MAKEVAR"), recipe)
        # After expansion: a variable's value may hold a $(shell X) too, run like bash's $(X).
        recipe = recipe.replace("$(shell ", "$(")
        recipe = recipe.replace("$$", "$")
        uses += shell_programs(recipe, "%s:%d" % (path.relative_to(repo), number))
    return uses


def python_programs(path: Path, repo: Path = REPO) -> list[Use]:
    """argv[0] of subprocess calls whose argv is a literal list (or a list bound to a name first)."""
    try:
        tree = ast.parse(path.read_text(), str(path))
    except (SyntaxError, UnicodeDecodeError):
        return []
    where = str(path.relative_to(repo))
    lists = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.Tuple)):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    lists.setdefault(target.id, []).append(node.value)
    uses = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if fname in PYTHON_NAMED_RUNNERS:
            uses.append(Use(PYTHON_NAMED_RUNNERS[fname], "%s:%d" % (where, node.lineno)))
            continue
        if fname not in PYTHON_RUNNERS or not node.args:
            continue
        argv = node.args[0]
        if isinstance(argv, ast.BinOp):     # ["x", ...] + more
            argv = argv.left
        # A name bound to a list anywhere in the file may be what runs (branches pick one).
        candidates = lists.get(argv.id, []) if isinstance(argv, ast.Name) else [argv]
        for candidate in candidates:
            if isinstance(candidate, (ast.List, ast.Tuple)) and candidate.elts:
                first = candidate.elts[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    uses.append(Use(first.value, "%s:%d" % (where, node.lineno)))
    return uses


def _tasks(items, on_controller):
    for task in items or []:
        if not isinstance(task, dict):
            continue
        here = on_controller or task.get("delegate_to") in ("localhost", "127.0.0.1") \
            or task.get("connection") == "local"
        for key in ("block", "rescue", "always"):
            if key in task:
                yield from _tasks(task[key], here)
        yield task, here


def molecule_programs(path: Path, repo: Path = REPO) -> list[Use]:
    """argv[0] or shell text of command/shell tasks that run on the controller."""
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        return []
    if not isinstance(doc, list):
        return []
    where = str(path.relative_to(repo))
    task_lists = []
    for item in doc:
        if isinstance(item, dict) and "hosts" in item:
            local = item.get("hosts") == "localhost" or item.get("connection") == "local"
            for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                task_lists.append((item.get(key), local))
        else:
            task_lists.append(([item], False))
    uses = []
    for tasks, local in task_lists:
        for task, on_controller in _tasks(tasks, local):
            if not on_controller:
                continue
            module = next((m for m in COMMAND_MODULES if m in task), None)
            if module is None:
                continue
            spec = task[module]
            shell = module.endswith("shell")
            if isinstance(spec, str):
                text = spec
            else:
                argv = spec.get("argv")
                if isinstance(argv, list) and argv and isinstance(argv[0], str):
                    if "{{" not in argv[0]:
                        uses.append(Use(argv[0], "%s (%s)" % (where, task.get("name", "?"))))
                    continue
                text = spec.get("cmd") or ""
            if "{{" in text.split(None, 1)[0] if text.split() else True:
                continue
            text = re.sub(r"\{\{.*?\}\}", "JINJA", text, flags=re.S)
            if shell:
                uses += [Use(u.program, "%s (%s)" % (where, task.get("name", "?")))
                         for u in shell_programs(text, where)]
            else:
                uses.append(Use(text.split()[0], "%s (%s)" % (where, task.get("name", "?"))))
    return uses


def collect(repo: Path = REPO) -> list[Use]:
    uses = makefile_programs(repo / "Makefile", repo)
    for script in sorted((repo / "scripts").glob("*.sh")):
        uses += shell_programs(script.read_text(), str(script.relative_to(repo)))
    for root in ("lab", "tests", "benchmarks", "molecule", "scripts"):
        for py in sorted((repo / root).rglob("*.py")):
            uses += python_programs(py, repo)
    for yml in sorted((repo / "molecule").rglob("*.yml")):
        uses += molecule_programs(yml, repo)
    if (repo / "lab" / "wslfleet_lab.py").exists():
        uses += [Use(program, why) for program, why in CONNECTION_PROGRAMS.items()]
    return uses


# ----------------------------------------------------------------------------------------------- #
# where each program comes from

def bootstrap_packages(repo: Path = REPO) -> set[str]:
    """The words of the DEBIAN_PACKAGES array in scripts/bootstrap.sh."""
    tree = _BASH.parse((repo / "scripts" / "bootstrap.sh").read_bytes())
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "variable_assignment":
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is not None and name.text == b"DEBIAN_PACKAGES" and value is not None:
                return {c.text.decode() for c in value.children if c.type == "word"}
        stack.extend(node.children)
    raise RuntimeError("scripts/bootstrap.sh has no DEBIAN_PACKAGES array")


def owning_package(path: str):
    """The Debian package that ships *path* (trying both sides of the /usr merge), or None."""
    candidates = [path]
    for short, merged in (("/bin/", "/usr/bin/"), ("/sbin/", "/usr/sbin/")):
        if path.startswith(merged):
            candidates.append(short + path[len(merged):])
        elif path.startswith(short):
            candidates.append(merged + path[len(short):])
    for candidate in candidates:
        res = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False)
        if res.returncode == 0:
            # "pkg1, pkg2: /path" (diversions print extra lines; the owner line has ": /").
            for line in res.stdout.splitlines():
                if ": /" in line:
                    return line.split(":", 1)[0].split(",")[0].strip()
    return None


def in_every_debian(package: str) -> bool:
    """Essential or of priority required: what debootstrap's minbase, the smallest Debian there
    is, installs, so every machine of this kind has it before bootstrap runs."""
    res = subprocess.run(["dpkg-query", "-W", "-f=${Essential}|${Priority}", package],
                         capture_output=True, text=True, check=False)
    essential, _, priority = res.stdout.strip().partition("|")
    return essential == "yes" or priority == "required"


def resolve(program: str, repo: Path = REPO):
    """(how, detail): 'repo' for the repository's own files, 'venv', 'deb' with a package,
    'dynamic' for a name only known at run time, 'missing'."""
    if "$" in program:
        return "dynamic", "chosen at run time"
    if "/" in program:
        path = Path(program) if os.path.isabs(program) else repo / program
        if repo in path.resolve().parents or path.resolve().parent == repo:
            if str(path).startswith(str(VENV_BIN)):
                return ("venv", str(path)) if path.exists() else ("missing", "not in .venv: " + str(path))
            return "repo", str(path)
        found = str(path) if path.exists() else None
    else:
        # The sbin folders too: the lab runs as root, whose PATH has them, while the unit tests may
        # run as a user whose PATH does not.
        search = os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
        found = shutil.which(program, path=search)
    if found is None:
        return "missing", "not installed"
    if Path(found).parent == VENV_BIN:
        return "venv", found
    package = owning_package(os.path.realpath(found)) or owning_package(found)
    return ("deb", package) if package else ("missing", "no Debian package ships " + found)


def problems(repo: Path = REPO) -> list[str]:
    """One line per program that a fresh machine would not have after bootstrap."""
    wanted = bootstrap_packages(repo)
    by_program: dict[str, list[str]] = {}
    for use in collect(repo):
        by_program.setdefault(use.program, []).append(use.where)
    found = []
    for program, places in sorted(by_program.items()):
        how, detail = resolve(program, repo)
        if how == "missing":
            found.append("%s (%s), run by %s: install its package in scripts/bootstrap.sh"
                         % (program, detail, ", ".join(places[:3])))
        elif how == "deb" and detail not in wanted and not in_every_debian(detail):
            found.append("%s comes from Debian package %s, which scripts/bootstrap.sh does not install "
                         "and a minimal Debian lacks; run by %s" % (program, detail, ", ".join(places[:3])))
    return found


def main() -> int:
    uses = collect()
    by_program: dict[str, list[str]] = {}
    for use in uses:
        by_program.setdefault(use.program, []).append(use.where)
    for program, places in sorted(by_program.items()):
        how, detail = resolve(program)
        print("%-22s %-8s %-28s %s" % (program, how, detail if how != "repo" else "", places[0]))
    bad = problems()
    for line in bad:
        print("controller-tools: " + line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
