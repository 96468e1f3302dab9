"""The changelog gate refuses what antsibull-changelog's own lint lets through, and only that."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
GATE = REPO / "scripts" / "check_changelog_fragments.py"
spec = importlib.util.spec_from_file_location("check_changelog_fragments", GATE)
gate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gate)


@pytest.mark.parametrize("entry", [
    "portproxy - new action plugin for the set of netsh interface portproxy rules.",
    "wsl_guest - new role for the guest half of the baseline.",
    "guest_info - new read-only module for the Linux guest.",
    "mtu, wsl_conf - new modules that edit the guest.",
    "diagnose - new playbook that walks the layers.",
    "guest_baseline - new filter plugin that validates the role variables.",
])
def test_announcing_new_content_is_refused(entry):
    problems = gate.fragment_problems("x.yml", {"minor_changes": [entry]}, released=True)
    assert len(problems) == 1 and "announces new content" in problems[0]


@pytest.mark.parametrize("entry", [
    "mtu - new option ``probe_count`` sets how many pings each probe sends.",
    "wslconfig - keeps a UTF-16 file's byte order mark.",
    "baseline role - the rollout batches whole laptops.",
])
def test_changes_to_existing_content_pass(entry):
    assert gate.fragment_problems("x.yml", {"minor_changes": [entry]}, released=True) == []


def test_bugfixes_need_a_release_to_fix():
    fragment = {"bugfixes": ["drift_report callback - writes the report atomically."]}
    assert gate.fragment_problems("x.yml", fragment, released=True) == []
    problems = gate.fragment_problems("x.yml", fragment, released=False)
    assert len(problems) == 1 and "'bugfixes' before the first release" in problems[0]


def _collection(tmp_path, releases, fragment_text):
    (tmp_path / "changelogs" / "fragments").mkdir(parents=True)
    (tmp_path / "changelogs" / "changelog.yaml").write_text("ancestor: null\nreleases: %s\n" % releases)
    (tmp_path / "changelogs" / "fragments" / "one.yml").write_text(fragment_text)
    return tmp_path


def test_gate_exits_nonzero_and_names_the_fragment(tmp_path):
    root = _collection(tmp_path, "{}", "bugfixes:\n  - relay - a fix.\n")
    run = subprocess.run([sys.executable, str(GATE), str(root)], capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert "one.yml: 'bugfixes' before the first release" in run.stderr


def test_gate_passes_this_collection():
    run = subprocess.run([sys.executable, str(GATE), str(REPO)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
