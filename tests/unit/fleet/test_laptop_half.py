# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The laptop half of the baseline, run for real against a replayed Windows laptop.

`rollout` and `drift` run as ansible-playbook does (PlaybookCLI, the linear strategy, the roles,
handlers and the drift_report callback) on an inventory of one laptop in `wsl_hosts` and its
guest in `wsl_guests`. Only the host boundary is fake: `_fake_laptop.py` answers every module
call from a laptop state kept in files (the .wslconfig bytes, the guest's /etc/wsl.conf, the
Hyper-V firewall, running distributions, every `wsl --shutdown`), replaying the recorded
Windows outputs in tests/unit/test_data/windows, each through win_powershell's own output
conversion (tests/unit/plugins/action/_win_powershell_model.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from _fake_laptop import DISTRIBUTION, WSLCONFIG_PATH, LaptopState, create_laptop

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(REPO, "tests", "unit", "test_data")

LAPTOP = "laptop01"
GUEST = "laptop01-ubuntu"


def _data(*parts):
    with open(os.path.join(DATA, *parts), "rb") as handle:
        return handle.read()


NEWCOMER = _data("wsl_config", "newcomer.wslconfig")
# The newcomer's file with the mirrored baseline of roles/windows_host/vars/main.yml: every note,
# key and blank line kept; networkingMode and firewall added after the last [wsl2] key,
# hostAddressLoopback after the last [experimental] key; the keys already in line untouched.
MIRRORED = NEWCOMER.replace(
    b'kernelCommandLine = "vsyscall=emulate"\n',
    b'kernelCommandLine = "vsyscall=emulate"\nnetworkingMode=mirrored\nfirewall=true\n').replace(
    b"sparseVhd=true\n", b"sparseVhd=true\nhostAddressLoopback=true\n")
# The NAT baseline: the same file with networkingMode=nat and localhostForwarding on; the
# developer's commented-out localhostForwarding line stays a comment.
NAT = NEWCOMER.replace(
    b'kernelCommandLine = "vsyscall=emulate"\n',
    b'kernelCommandLine = "vsyscall=emulate"\nnetworkingMode=nat\nfirewall=true\nlocalhostForwarding=true\n')
WSL_CONF = b'[automount]\noptions = "metadata"\n'
WSL_CONF_BASELINE = WSL_CONF + b"\n[boot]\nsystemd = true\n\n[network]\ngenerateResolvConf = true\n"
# One rule already in line (wslfleet-devserver) and one the whitelist no longer lists (wslfleet-old).
RECORDED_RULES = json.loads(_data("windows", "hyperv_rules_names.json"))["result"]["rules"]
# Two ports and two subnets: win_powershell squashes such lists below its depth, and the firewall reads
# the subnets back in mask form; a converged rule must still read as converged.
WHITELIST = [{"name": "devserver", "local_ports": ["8000-8010", "9229"],
              "remote_addresses": ["192.168.10.0/24", "10.8.0.0/16"]}]
# Recorded machine policy of a managed laptop: the user's networkingMode is ignored, NAT enforced.
NAT_POLICY = json.loads(_data("windows", "host_facts_win10.json"))["result"]["policies"]


def _inventory(laptop_vars=None, group_vars=None):
    # The powershell shell is what sends wslconfig down its Windows path (win_stat/slurp/win_copy);
    # the connection itself is never used: the fake answers at the module boundary.
    laptop = {"ansible_connection": "local", "ansible_shell_type": "powershell",
              "wslfleet_hyperv_firewall_rules": WHITELIST}
    guest = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
             "wslfleet_windows_host": LAPTOP, "wslfleet_distribution": DISTRIBUTION,
             # The fake guest has no UFW; the UFW half is proven in the lab (molecule/guest).
             "wslfleet_ufw_manage": False}
    laptop.update(laptop_vars or {})
    return {"all": {"vars": dict(group_vars or {}), "children": {
        "wsl_hosts": {"hosts": {LAPTOP: laptop}},
        "wsl_guests": {"hosts": {GUEST: guest}},
    }}}


class Fleet:
    """One laptop (the fake) and its guest, with the files a run needs."""

    def __init__(self, tmp_path, inventory, laptop=None):
        """`laptop`: create_laptop's keywords for a new laptop; None to use tmp_path/laptop as it is."""
        self.tmp = tmp_path
        collections = tmp_path / "collections" / "ansible_collections" / "wslfleet"
        collections.mkdir(parents=True)
        (collections / "networking").symlink_to(REPO)
        (tmp_path / "inventory.json").write_text(json.dumps(inventory))
        if laptop is None:
            # A clone: the laptop directory is already there.
            self.state = LaptopState(tmp_path / "laptop")
        else:
            laptop = dict({"wslconfig": NEWCOMER, "wsl_conf": WSL_CONF, "hyperv_rules": RECORDED_RULES}, **laptop)
            self.state = create_laptop(tmp_path / "laptop", LAPTOP, GUEST, **laptop)

    def clone(self, tmp_path):
        """The same laptop in its current state, for a test of its own."""
        shutil.copytree(self.tmp / "laptop", tmp_path / "laptop")
        return Fleet(tmp_path, json.loads((self.tmp / "inventory.json").read_text()))

    def run(self, playbook, *args):
        """ansible-playbook against the fake; returns (rc, output, recap per host, drift report)."""
        report_dir = self.tmp / "report"
        stats = self.tmp / "laptop" / "last-stats.json"
        for stale in [stats] + list(report_dir.glob("*")):
            stale.unlink(missing_ok=True)
        env = dict(os.environ)
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": str(self.tmp / "collections"),
            "ANSIBLE_CALLBACKS_ENABLED": "wslfleet.networking.drift_report",
            "WSLFLEET_DRIFT_REPORT_DIR": str(report_dir),
            "ANSIBLE_LOCAL_TEMP": str(self.tmp / "ansible-tmp"),
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
        })
        proc = subprocess.run(
            [sys.executable, os.path.join(HERE, "_fake_laptop.py"), str(self.tmp / "laptop"),
             "-i", str(self.tmp / "inventory.json"), "wslfleet.networking." + playbook] + list(args),
            env=env, cwd=str(self.tmp), capture_output=True, text=True, timeout=300, check=False)
        output = proc.stdout + proc.stderr
        assert stats.exists(), output
        assert self.load()["violations"] == [], "the fake laptop saw what no real laptop would accept"
        recap = json.loads(stats.read_text())
        report = json.loads((report_dir / "drift-report.json").read_text())
        return proc.returncode, output, recap, report

    def load(self):
        return self.state.load()


@pytest.fixture(scope="module")
def rolled_out(tmp_path_factory):
    """A fresh laptop and its guest after one rollout with restart policy always, and that run's
    (rc, output, recap, report). Tests read it; those that run more work on a clone."""
    fleet = Fleet(tmp_path_factory.mktemp("rolled-out"), _inventory(group_vars={"wslfleet_restart_policy": "always"}),
                  laptop={})
    return fleet, fleet.run("rollout")


@pytest.fixture
def in_line(rolled_out, tmp_path):
    fleet, (rc, output, dummy, dummy) = rolled_out
    assert rc == 0, output
    return fleet.clone(tmp_path)


def test_rollout_restarts_once_after_host_and_guest_changes_then_changes_nothing(rolled_out, tmp_path):
    fleet, (rc, output, recap, dummy) = rolled_out
    assert rc == 0, output
    assert fleet.state.wslconfig() == MIRRORED
    assert fleet.state.wsl_conf() == WSL_CONF_BASELINE
    state = fleet.load()
    assert state["hyperv_setting"] == {
        "Name": "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}", "Enabled": "True", "DefaultInboundAction": "Block",
        "DefaultOutboundAction": "Allow", "LoopbackEnabled": "True", "AllowHostPolicyMerge": "NotConfigured"}
    assert [r["Name"] for r in state["hyperv_rules"]] == ["wslfleet-devserver"], "unlisted rules are purged"
    # One VM shutdown for the laptop, after the host half AND the guest half changed, no terminate.
    assert state["events"] == [".wslconfig written", "Hyper-V firewall VM settings changed",
                               "Hyper-V firewall rules changed", "/etc/wsl.conf written", "wsl --shutdown"]
    assert state["shutdowns"] == 1 and state["terminations"] == []
    # The post-flight started the guest again: the VM now runs in the mode the new file asks for.
    assert state["vm"] == {"running": True, "mode": "mirrored"}
    assert recap[LAPTOP]["changed"] > 0 and recap[GUEST]["changed"] > 0
    assert recap[LAPTOP]["failures"] == 0 and recap[GUEST]["failures"] == 0
    assert ("in line with the baseline: laptop01, laptop01-ubuntu; waiting for a restart the policy leaves "
            "pending: none; still differing: none" in " ".join(output.split()))

    fleet = fleet.clone(tmp_path)
    before = fleet.state.snapshot()
    rc, output, recap, dummy = fleet.run("rollout")
    assert rc == 0, output
    assert recap[LAPTOP]["changed"] == 0 and recap[GUEST]["changed"] == 0, recap
    assert fleet.state.snapshot() == before, "a second rollout must change nothing and restart nothing"


def test_rollout_with_restart_policy_never_restarts_nothing_and_names_the_pending_restart(tmp_path):
    fleet = Fleet(tmp_path, _inventory(), laptop={})

    rc, output, recap, report = fleet.run("rollout")
    assert rc == 0, output
    state = fleet.load()
    assert fleet.state.wslconfig() == MIRRORED and fleet.state.wsl_conf() == WSL_CONF_BASELINE
    assert state["shutdowns"] == 0 and state["terminations"] == []
    assert state["vm"] == {"running": True, "mode": "nat"}, "WSL keeps running the old mode until it restarts"
    text = " ".join(output.split())
    # A restart the policy leaves pending is not a difference (issue 15): named, and summarised apart.
    assert ("laptop01 is waiting for a restart the policy leaves pending: WSL VM restart (wsl --shutdown) "
            "(pending (restart policy never))") in text
    assert ("laptop01-ubuntu is waiting for a restart the policy leaves pending: networking mode (effective) "
            "(nat until the pending WSL VM restart)") in text
    assert "still differs from the baseline:" not in text
    assert ("in line with the baseline: none; waiting for a restart the policy leaves pending: laptop01, "
            "laptop01-ubuntu; still differing: none;") in text
    assert report["summary"]["drifted"] == 0 and report["summary"]["restart_pending"] == 2, report["summary"]


def _drift_items(report, host):
    return sorted((i["setting"], i["expected"], i["actual"], i["category"]) for i in report["hosts"][host]["drift"])


def _restart_items(report, host):
    return sorted((i["setting"], i["expected"], i["actual"], i["category"]) for i in report["hosts"][host]["restarts"])


# The drift playbook forces check mode on its play; runs with and without --check are both tested.
DRIFT = ("--check",)


def test_drift_changes_nothing_and_names_exactly_the_key_changed_behind_its_back(in_line):
    fleet = in_line
    before = fleet.state.snapshot()
    rc, output, recap, report = fleet.run("drift", *DRIFT)
    assert rc == 0, output
    assert fleet.state.snapshot() == before
    assert report["check_mode"] is True
    assert report["hosts"][LAPTOP]["status"] == "clean" and report["hosts"][GUEST]["status"] == "clean", report

    # Someone turns DNS tunneling off by hand, and systemd in the guest.
    fleet.state.set_wslconfig(MIRRORED.replace(b"dnsTunneling=true", b"dnsTunneling=false"))
    fleet.state.edit_wsl_conf_by_hand(WSL_CONF_BASELINE.replace(b"systemd = true", b"systemd = false"))
    before = fleet.state.snapshot()
    calls_before = len(fleet.load()["calls"])
    rc, output, recap, report = fleet.run("drift", *DRIFT)
    assert rc == 0, output
    assert fleet.state.snapshot() == before, "a drift run must not write, restart or reconfigure anything"
    calls = fleet.load()["calls"][calls_before:]
    assert calls and all(c["check_mode"] for c in calls), "every module of a drift run runs in check mode"
    assert _drift_items(report, LAPTOP) == [(WSLCONFIG_PATH + " [wsl2] dnsTunneling", "true", "false", "setting")]
    # The guest is read in one round trip (guest_info with the roles' expected state).
    assert _drift_items(report, GUEST) == [("/etc/wsl.conf [boot] systemd", "true", "false", "setting")]
    assert _restart_items(report, GUEST) == [
        ("distribution restart (wsl.conf changed after the distribution started)", "done", "pending", "pending_restart")]
    assert report["summary"]["drifted"] == 2 and report["summary"]["items"] == 2 and report["summary"]["restarts"] == 1


def test_machine_policy_enforcing_nat_is_reported_never_in_line(tmp_path):
    fleet = Fleet(tmp_path, _inventory(), laptop={"policies": NAT_POLICY})

    rc, output, recap, report = fleet.run("rollout")
    assert rc != 0, "a laptop that fails pre-flight fails the run"
    assert recap[LAPTOP]["failures"] == 1
    assert fleet.state.wslconfig() == NEWCOMER, "nothing changes on a laptop that failed pre-flight"
    text = " ".join(output.split())
    assert "in line with the baseline: none;" in text and "left out by pre-flight: laptop01." in text
    assert "AllowNetworkingModeUserSetting=0 ignores .wslconfig networkingMode and enforces 'nat'" in text

    rc, output, recap, report = fleet.run("drift", *DRIFT)
    laptop = report["hosts"][LAPTOP]
    assert laptop["status"] == "failed", laptop
    assert "AllowNetworkingModeUserSetting=0" in laptop["errors"][0]["msg"]
    # The guest's half went in without its laptop's: it still runs NAT and waits for a restart.
    assert _drift_items(report, GUEST) == [("networking mode (effective)", "mirrored", "nat", "effective")]
    assert _restart_items(report, GUEST) == [
        ("distribution restart (wsl.conf changed after the distribution started)", "done", "pending", "pending_restart")]
    assert report["summary"]["clean"] == 0


def test_machine_policy_overriding_a_key_is_effective_drift_after_rollout(tmp_path):
    # AllowKernelCommandLineUserSetting=0 does not stop the baseline, but WSL ignores the
    # developer's kernelCommandLine: the laptop is not in line and every run must say so.
    fleet = Fleet(tmp_path, _inventory(group_vars={"wslfleet_restart_policy": "always"}),
                  laptop={"policies": {"AllowKernelCommandLineUserSetting": 0}})
    rc, output, recap, report = fleet.run("rollout")
    assert rc == 0, output
    assert fleet.state.wslconfig() == MIRRORED
    text = " ".join(output.split())
    assert ("laptop01 still differs from the baseline: wsl2.kernelCommandLine (overridden by machine policy "
            "AllowKernelCommandLineUserSetting)") in text
    assert "still differing: laptop01;" in text

    rc, output, recap, report = fleet.run("drift", *DRIFT)
    assert rc == 0, output
    assert _drift_items(report, LAPTOP) == [
        ("wsl2.kernelCommandLine (overridden by machine policy AllowKernelCommandLineUserSetting)",
         "vsyscall=emulate", None, "effective")]
    assert report["hosts"][GUEST]["status"] == "clean"


def test_restart_policy_given_as_extra_var_still_restarts_once(tmp_path):
    fleet = Fleet(tmp_path, _inventory(), laptop={})
    rc, output, dummy, dummy = fleet.run("rollout", "-e", "wslfleet_restart_policy=always")
    assert rc == 0, output
    assert fleet.load()["events"] == [".wslconfig written", "Hyper-V firewall VM settings changed",
                                      "Hyper-V firewall rules changed", "/etc/wsl.conf written", "wsl --shutdown"]


def test_drift_without_check_on_the_command_line_reports_only_the_key(in_line):
    fleet = in_line
    fleet.state.set_wslconfig(MIRRORED.replace(b"dnsTunneling=true", b"dnsTunneling=false"))
    before = fleet.state.snapshot()
    rc, output, recap, report = fleet.run("drift")
    assert fleet.state.snapshot() == before
    assert _drift_items(report, LAPTOP) == [(WSLCONFIG_PATH + " [wsl2] dnsTunneling", "true", "false", "setting")]


def test_nat_laptop_gets_portproxy_to_its_guest_and_the_re_sync_task(tmp_path):
    rules = [{"listen_port": 8080, "connect_address": "wsl", "connect_port": 80}]
    fleet = Fleet(tmp_path, _inventory(laptop_vars={"wslfleet_portproxy_rules": rules}, group_vars={
        "wslfleet_networking_mode": "nat", "wslfleet_restart_policy": "always"}), laptop={})

    rc, output, recap, dummy = fleet.run("rollout")
    assert rc == 0, output
    assert fleet.state.wslconfig() == NAT
    state = fleet.load()
    # Loopback by default; the guest's NAT address came from `hostname -I` inside it.
    assert state["portproxy"]["v4tov4"] == {"127.0.0.1/8080": "172.28.176.5/80"}
    sync = state["portproxy_sync"]
    assert sync["task"]["user"] == "LAPTOP01\\dev"
    assert json.loads(sync["config"]) == {"distribution": DISTRIBUTION, "rules": [
        {"family": "v4tov4", "listen_address": "127.0.0.1", "listen_port": 8080, "connect_port": 80}]}
    assert state["shutdowns"] == 1 and state["events"][-1] == "wsl --shutdown"
    assert state["vm"]["mode"] == "nat"

    before = fleet.state.snapshot()
    rc, output, recap, dummy = fleet.run("rollout")
    assert rc == 0, output
    assert recap[LAPTOP]["changed"] == 0 and recap[GUEST]["changed"] == 0, recap
    assert fleet.state.snapshot() == before

    # drift reads the rule to the guest without `wsl --exec` (Fleet.run fails on any WSL-starting or
    # state-changing call in check mode) and does not call it drift.
    calls_before = len(fleet.load()["calls"])
    rc, output, recap, report = fleet.run("drift", *DRIFT)
    assert rc == 0, output
    assert fleet.state.snapshot() == before
    laptop_calls = [c for c in fleet.load()["calls"][calls_before:] if c["host"] == LAPTOP]
    assert laptop_calls and all(c["check_mode"] for c in laptop_calls)
    assert report["hosts"][LAPTOP]["status"] == "clean", report["hosts"][LAPTOP]


def test_restart_policy_if_idle_leaves_a_busy_laptop_running_and_names_the_pending_restart(tmp_path):
    fleet = Fleet(tmp_path, _inventory(group_vars={"wslfleet_restart_policy": "if_idle"}),
                  laptop={"busy": True})

    rc, output, recap, dummy = fleet.run("rollout")
    assert rc == 0, output
    state = fleet.load()
    assert fleet.state.wslconfig() == MIRRORED
    assert state["shutdowns"] == 0 and state["terminations"] == []
    # The guard asked the guest whether someone works in it before deciding.
    assert any(c["task"].endswith("Shut the WSL VM down once for every change of this laptop")
               for c in state["calls"])
    assert ("laptop01 is waiting for a restart the policy leaves pending: WSL VM restart (wsl --shutdown) "
            "(pending (restart policy if_idle))" in " ".join(output.split()))
