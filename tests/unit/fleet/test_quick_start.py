# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""README.md's fleet quick start, as a new user runs it outside the Makefile: the example
inventory, the connections it names, and the collection installed the two ways shown."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BIN = os.path.dirname(sys.executable)
INVENTORY = os.path.join(REPO, "examples", "inventory")


def _env(tmp_path, **extra):
    env = dict(os.environ, ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_RETRY_FILES_ENABLED="false", ANSIBLE_HOST_KEY_CHECKING="false",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    env.update(extra)
    return env


def _run(tmp_path, argv, **extra):
    return subprocess.run([os.path.join(BIN, argv[0])] + argv[1:], env=_env(tmp_path, **extra), cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=300, check=False)


def test_example_inventory_has_the_groups_the_playbooks_use(tmp_path):
    proc = _run(tmp_path, ["ansible-inventory", "-i", INVENTORY, "--graph"])
    assert proc.returncode == 0, proc.stderr
    assert "[WARNING]" not in proc.stderr, proc.stderr
    graph = [line.strip(" |-") for line in proc.stdout.splitlines()]
    assert graph.index("@wsl_hosts:") < graph.index("lt-0417") < graph.index("lt-0533") < graph.index("@wsl_guests:")
    assert graph.index("@wsl_guests:") < graph.index("lt-0417-ubuntu") and "lt-0533-debian" in graph
    proc = _run(tmp_path, ["ansible-inventory", "-i", INVENTORY, "--list"])
    hostvars = json.loads(proc.stdout)["_meta"]["hostvars"]
    # Guests name their laptop and distribution (the baseline's inventory contract).
    for guest in ("lt-0417-ubuntu", "lt-0533-debian"):
        assert hostvars[guest]["wslfleet_windows_host"] in ("lt-0417", "lt-0533")
        assert hostvars[guest]["wslfleet_distribution"]
    # wsl_guest needs root in the guest: as the wsl.exe user, or through become over SSH.
    assert hostvars["lt-0417-ubuntu"]["wsl_user"] == "root"
    assert hostvars["lt-0533-debian"]["ansible_become"] is True
    # Laptops get WinRM over HTTPS with a checked certificate from group_vars/wsl_hosts.yml.
    assert hostvars["lt-0417"]["ansible_winrm_server_cert_validation"] == "validate"
    assert hostvars["lt-0417"]["ansible_port"] == 5986
    assert hostvars["lt-0533"]["wslfleet_restart_policy"] == "never"


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_wsl_connection_finds_paramiko(tmp_path):
    # A port nobody listens on: the connection must get as far as trying to connect, which it
    # only does once paramiko imports (community.general's wsl.py checks that first).
    port = _closed_port()
    proc = _run(tmp_path, ["ansible", "all", "-i", "guest,", "-c", "community.general.wsl", "-m", "ansible.builtin.ping",
                           "-e", "ansible_host=127.0.0.1", "-e", "ansible_port=%d" % port,
                           "-e", "wsl_distribution=Debian", "-e", "ansible_user=nobody"])
    output = proc.stdout + proc.stderr
    assert proc.returncode == 4, output
    assert "UNREACHABLE" in output
    assert "paramiko is not installed" not in output


def test_winrm_client_with_ntlm_is_installed():
    proc = subprocess.run([sys.executable, "-c", "import winrm, requests_ntlm, paramiko; print(winrm.__name__)"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_collection_installs_from_the_tarball_and_from_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    proc = _run(tmp_path, ["ansible-galaxy", "collection", "build", "--output-path", str(dist), REPO])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarball = next(dist.glob("wslfleet-networking-*.tar.gz"))
    # --no-deps: Galaxy is out of reach here; ansible.windows and community.general come with the
    # `ansible` package.
    for source, where in ((str(tarball), "from-tarball"), (REPO, "from-path")):
        # --force: a copy of the same version elsewhere on the configured paths (ansible-lint
        # installs one in ~/.ansible/collections) otherwise turns the install into "Nothing to do".
        proc = _run(tmp_path, ["ansible-galaxy", "collection", "install", "--no-deps", "--force", "-p", str(tmp_path / where), source])
        assert proc.returncode == 0, proc.stdout + proc.stderr
        installed = tmp_path / where / "ansible_collections" / "wslfleet" / "networking"
        assert (installed / "playbooks" / "rollout.yml").is_file()
        # What README says then works: the playbooks are found by their collection name.
        for playbook in ("rollout", "drift", "onboard"):
            proc = _run(tmp_path, ["ansible-playbook", "--syntax-check", "-i", INVENTORY, "wslfleet.networking." + playbook],
                        ANSIBLE_COLLECTIONS_PATH=str(tmp_path / where))
            assert proc.returncode == 0, proc.stdout + proc.stderr
    # Without the collection installed, the failure the issue describes.
    proc = _run(tmp_path, ["ansible-playbook", "--syntax-check", "-i", INVENTORY, "wslfleet.networking.rollout"],
                ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "empty"))
    assert proc.returncode != 0
    assert "wslfleet.networking.rollout could not be found" in proc.stdout + proc.stderr
