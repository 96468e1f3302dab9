"""Every program the suite runs on this machine is installed by scripts/bootstrap.sh.

The last test is the gate: it reads the real tree. The others prove the reader finds programs where
they hide (pipelines, command substitutions, make's $(shell), argv lists, delegated tasks) and that
the gate fails for a program bootstrap does not install, so it cannot pass by finding nothing.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("controller_tools", REPO / "scripts" / "controller_tools.py")
controller_tools = importlib.util.module_from_spec(spec)
sys.modules["controller_tools"] = controller_tools   # dataclasses look their module up there
spec.loader.exec_module(controller_tools)

needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-query") is None,
                                reason="traces programs to Debian packages with dpkg-query")


def programs(uses):
    return sorted({use.program for use in uses})


def test_shell_reader_finds_pipelines_substitutions_and_skips_builtins_and_functions():
    text = textwrap.dedent("""\
        #!/usr/bin/env bash
        set -euo pipefail
        step() { printf '%s\\n' "$*"; }
        arr=(one two)
        n=$((1 + 2))
        out=$(iptables-save | grep -v '^#' | sed 's/x/y/')
        step "x"; cd /tmp && jq . <<EOF
        {}
        EOF
        if [ -n "$out" ]; then sudo -n tc qdisc show; fi
        "$BIN/ansible-playbook" site.yml
        """)
    found = programs(controller_tools.shell_programs(text, "t.sh"))
    assert found == sorted(["iptables-save", "grep", "sed", "jq", "sudo", "tc",
                            str(controller_tools.VENV_BIN / "ansible-playbook")])


def test_makefile_reader_expands_make_variables_and_shell_function(tmp_path):
    (tmp_path / "Makefile").write_text(textwrap.dedent("""\
        BIN := $(CURDIR)/.venv/bin
        TOOL := nft
        check:
        \t@$(BIN)/pytest -q $(shell lsblk | wc -l)
        \t-$(TOOL) list ruleset \\
        \t  && echo $$HOME
        """))
    found = programs(controller_tools.makefile_programs(tmp_path / "Makefile", tmp_path))
    assert found == sorted([str(controller_tools.VENV_BIN / "pytest"), "lsblk", "wc", "nft"])


def test_python_reader_finds_argv_lists_also_bound_to_names_first(tmp_path):
    source = tmp_path / "prog.py"
    source.write_text(textwrap.dedent("""\
        import subprocess, sys
        def ip(*args): pass
        subprocess.run(["tcpdump", "-i", "lo"], check=True)
        if sys.argv:
            argv = ["socat", "STDIO", "TCP:a:1"]
        else:
            argv = ["nc", "a", "1"]
        subprocess.Popen(argv)
        subprocess.run([sys.executable, "-c", "pass"])
        ip("link")
        """))
    found = programs(controller_tools.python_programs(source, tmp_path))
    assert found == ["ip", "nc", "socat", "tcpdump"]


def test_molecule_reader_counts_only_what_runs_on_the_controller(tmp_path):
    play = tmp_path / "verify.yml"
    play.write_text(textwrap.dedent("""\
        - name: On the guests
          hosts: wsl_guests
          tasks:
            - name: Runs in the guest
              ansible.builtin.command:
                argv: [ufw, status]
            - name: Delegated
              ansible.builtin.command:
                argv: [conntrack, -L]
              delegate_to: localhost
            - name: A block delegated as a whole
              delegate_to: localhost
              block:
                - name: Inherits the delegation
                  ansible.builtin.shell:
                    cmd: set -o pipefail; ethtool eth0 | grep mtu
                    executable: /bin/bash
        - name: On the controller
          hosts: localhost
          tasks:
            - name: Local play
              ansible.builtin.command: tshark -c 1
            - name: Templated program is not guessed
              ansible.builtin.command:
                argv: ["{{ venv }}/bin/molecule", test]
        """))
    found = programs(controller_tools.molecule_programs(play, tmp_path))
    assert found == ["conntrack", "ethtool", "grep", "tshark"]


def _tree(tmp_path, makefile_recipe, packages):
    (tmp_path / "scripts").mkdir(parents=True)
    (tmp_path / "scripts" / "bootstrap.sh").write_text(
        "DEBIAN_PACKAGES=(\n%s\n)\n" % "\n".join("  %s  # why" % p for p in packages))
    (tmp_path / "Makefile").write_text("test:\n\t%s\n" % makefile_recipe)
    return tmp_path


@needs_dpkg
def test_gate_names_a_program_that_is_not_installed(tmp_path):
    repo = _tree(tmp_path, "wslfleet-no-such-program --version", ["git"])
    found = controller_tools.problems(repo)
    assert any(line.startswith("wslfleet-no-such-program (not installed), run by Makefile:2") for line in found), found


@needs_dpkg
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git installed (bootstrap installs it)")
def test_gate_names_a_program_whose_package_bootstrap_does_not_install(tmp_path):
    # git is of priority optional: present here, absent from a minimal Debian.
    repo = _tree(tmp_path, "git status", ["make"])
    found = controller_tools.problems(repo)
    assert any(line.startswith("git comes from Debian package git, which scripts/bootstrap.sh does not install")
               for line in found), found
    assert controller_tools.problems(_tree(tmp_path / "ok", "git status", ["git"])) == []


@needs_dpkg
def test_gate_accepts_what_every_debian_has(tmp_path):
    repo = _tree(tmp_path, "cat /etc/hostname | sed -n 1p", [])
    assert controller_tools.problems(repo) == []


@needs_dpkg
def test_every_program_the_suite_runs_on_this_machine_is_installed_by_bootstrap():
    uses = controller_tools.collect()
    # The reader must see the programs we know the suite runs, or the gate would pass vacuously.
    assert {"systemd-nspawn", "mmdebstrap", "ip", "nsenter", "socat", "rsync", "git"} <= {u.program for u in uses}
    assert controller_tools.problems() == []
