# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-builder reads meta/execution-environment.yml from the built collection: the files it
names must be in the tarball (not build_ignore'd) and parse as pip / bindep requirements."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile

import yaml
from packaging.requirements import Requirement

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.dirname(sys.executable)
# bindep: a package name, optional version constraints, optional [profile ...] selectors.
BINDEP_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*(\s*[<>=!]=?\s*[^\s\[]+)*(\s*\[[!A-Za-z0-9:_ .-]+\])?$")


def _lines(text):
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def test_built_collection_ships_the_ee_dependencies(tmp_path):
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force",
                    "--output-path", str(tmp_path), REPO], check=True, capture_output=True, cwd=REPO)
    tarball = next(tmp_path.glob("wslfleet-networking-*.tar.gz"))
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        meta = yaml.safe_load(tar.extractfile("meta/execution-environment.yml").read())
        deps = meta["dependencies"]
        assert set(deps) == {"python", "system"}
        assert deps["python"] in names and deps["system"] in names
        python_reqs = _lines(tar.extractfile(deps["python"]).read().decode())
        system_reqs = _lines(tar.extractfile(deps["system"]).read().decode())
    parsed = {Requirement(line).name.lower() for line in python_reqs}
    # WinRM to the laptops and Paramiko for community.general.wsl are what the controller needs.
    assert {"pywinrm", "paramiko"} <= parsed
    assert system_reqs and all(BINDEP_LINE.match(line) for line in system_reqs), system_reqs
    # The developer toolchain pins stay out of the tarball.
    assert "requirements/controller.txt" not in names and "requirements/constraints.txt" not in names
