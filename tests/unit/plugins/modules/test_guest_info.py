# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""guest_info and its readers (module_utils/_guest.py) against recorded outputs.

The iproute2 JSON was recorded from veth interfaces in throwaway network namespaces named like a
WSL guest's (eth0, loopback0, 10.255.255.254 on lo); `ufw status verbose` from lab hosts after
the wsl_guest role ran; resolv.conf follows the header gns writes (reference §6.4).
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.wslfleet.networking.plugins.module_utils import _guest
from ansible_collections.wslfleet.networking.plugins.modules import guest_info

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "guest")


def data(name):
    with open(os.path.join(DATA, name)) as handle:
        return handle.read()


# --- the WSL rule -------------------------------------------------------------------------------

WSL2_RELEASE = "5.15.167.4-microsoft-standard-WSL2"
WSL1_RELEASE = "4.4.0-19041-Microsoft"


@pytest.mark.parametrize("osrelease, binfmt, expected_is_wsl, evidence, generation", [
    (WSL2_RELEASE, ["register", "status", "WSLInterop"], True, "kernel", 2),
    (WSL1_RELEASE, [], True, "kernel", 1),
    # a custom kernel= (WSL2 only) without "microsoft" still registers WSL's interop handler
    ("6.6.36-custom", ["WSLInterop-late"], True, "kernel", 2),
    ("6.1.0-28-amd64", ["register", "status"], False, "userspace", None),
])
def test_detect_wsl_decides_by_kernel_markers(osrelease, binfmt, expected_is_wsl, evidence, generation):
    wsl = _guest.detect_wsl(osrelease, binfmt, run_wsl=True, mnt_wsl=True, wslinfo_path="/usr/bin/wslinfo")
    assert wsl["is_wsl"] is expected_is_wsl
    assert wsl["evidence"] == evidence
    assert wsl["wsl_generation"] == generation
    assert {"run_wsl", "mnt_wsl", "wslinfo"} <= set(wsl["markers"])


def test_detect_wsl_userspace_markers_alone_are_not_wsl():
    # What a lab host (or any container carrying WSL's files) shows: every userspace marker.
    wsl = _guest.detect_wsl("6.1.0-28-amd64", [], True, True, "/usr/bin/wslinfo", distro_name="Ubuntu")
    assert wsl == {"is_wsl": False, "evidence": "userspace", "markers": ["run_wsl", "mnt_wsl", "wslinfo", "wsl_distro_name"],
                   "wsl_generation": None}


def test_detect_wsl_plain_linux():
    assert _guest.detect_wsl("6.1.0-28-amd64", ["register", "status"], False, False, None) == {
        "is_wsl": False, "evidence": "none", "markers": [], "wsl_generation": None}


# --- iproute2 -----------------------------------------------------------------------------------

def test_parse_ip_addr_nat_guest():
    interfaces = {i["name"]: i for i in _guest.parse_ip_addr(data("nat_addr.json"))}
    eth0 = interfaces["eth0"]
    assert eth0["mtu"] == 1500 and eth0["up"] is True and eth0["state"] == "UP"
    assert eth0["mac"] == "06:02:ec:8f:af:08"
    assert {"family": "ipv4", "address": "172.28.117.45", "prefixlen": 20, "scope": "global"} in eth0["addresses"]
    lo = [a["address"] for a in interfaces["lo"]["addresses"]]
    assert lo == ["127.0.0.1", "10.255.255.254", "::1"]


def test_parse_ip_addr_details_carry_mtu_limits():
    interfaces = {i["name"]: i for i in _guest.parse_ip_addr(data("mirrored_addr.json"))}
    assert interfaces["eth0"]["min_mtu"] == 68 and interfaces["eth0"]["max_mtu"] == 65535
    assert interfaces["eth0"]["kind"] == "veth"
    assert "loopback0" in interfaces


def test_parse_ip_addr_rejects_garbage():
    with pytest.raises(ValueError, match="cannot parse the JSON output of ip -j addr"):
        _guest.parse_ip_addr("Error: something")
    assert _guest.parse_ip_addr("") == []


def test_parse_link_and_route_get():
    link = _guest.parse_link(data("nat_link_eth0.json"), "eth0")
    assert link == {"name": "eth0", "mtu": 1500, "min_mtu": 68, "max_mtu": 65535, "up": True}
    assert _guest.parse_link(data("nat_link_eth0.json"), "eth1") is None
    assert _guest.parse_route_get(data("routeget.json")) == "eth0"
    assert _guest.parse_route_get(data("route_get_cached.json")) == "eth0"


def test_parse_default_route_picks_lowest_metric():
    assert _guest.parse_default_route(data("nat_route.json")) == {"gateway": "172.28.112.1", "interface": "eth0"}
    assert _guest.parse_default_route(data("mirrored_default4.json")) == {"gateway": "192.168.1.1", "interface": "eth0"}
    two = json.dumps([{"dst": "default", "gateway": "10.0.0.1", "dev": "wg0", "metric": 50},
                      {"dst": "default", "gateway": "192.168.1.1", "dev": "eth0", "metric": 25}])
    assert _guest.parse_default_route(two) == {"gateway": "192.168.1.1", "interface": "eth0"}
    assert _guest.parse_default_route("[]") is None


@pytest.mark.parametrize("answer, names, wsl, expected", [
    ("mirrored\n", ["lo", "eth0"], {"is_wsl": True, "wsl_generation": 2}, ("mirrored", "wslinfo")),
    ("Nat", ["lo", "eth0", "loopback0"], {"is_wsl": True, "wsl_generation": 2}, ("nat", "wslinfo")),
    (None, ["lo", "eth0", "loopback0"], {"is_wsl": True, "wsl_generation": 2}, ("mirrored", "interfaces")),
    (None, ["lo", "eth0"], {"is_wsl": True, "wsl_generation": 2}, ("nat", "interfaces")),
    (None, ["lo", "eth0"], {"is_wsl": True, "wsl_generation": 1}, ("wsl1", "kernel")),
    (None, ["lo", "eth0"], {"is_wsl": False, "wsl_generation": None}, (None, None)),
    ("garbage", ["lo", "eth0"], {"is_wsl": False, "wsl_generation": None}, (None, None)),
])
def test_infer_networking_mode(answer, names, wsl, expected):
    assert _guest.infer_networking_mode(answer, [{"name": n} for n in names], wsl) == expected


# --- resolv.conf --------------------------------------------------------------------------------

def test_resolv_conf_wsl_symlink_with_tunneling():
    info = _guest.classify_resolv_conf(True, True, "/mnt/wsl/resolv.conf", data("wsl_resolv.conf"), "/mnt/",
                                       ["127.0.0.1", "10.255.255.254", "::1"])
    assert info["kind"] == "wsl_symlink" and info["target"] == "/mnt/wsl/resolv.conf"
    assert info["generated_by_wsl"] is True and info["dns_tunneling"] is True
    assert info["nameservers"] == ["10.255.255.254"]
    assert info["search"] == ["corp.example.com", "lab.example.com"]


def test_resolv_conf_relative_and_custom_root_symlinks():
    info = _guest.classify_resolv_conf(True, True, "../wsl-mnt/wsl/resolv.conf", "", "/wsl-mnt", [])
    assert info["kind"] == "wsl_symlink"
    info = _guest.classify_resolv_conf(True, True, "../run/systemd/resolve/stub-resolv.conf",
                                       "nameserver 127.0.0.53\n", "/mnt/", ["127.0.0.1"])
    assert info["kind"] == "symlink" and info["dns_tunneling"] is False


def test_resolv_conf_hand_written_and_missing():
    info = _guest.classify_resolv_conf(False, True, None, "# ours\nnameserver 192.0.2.53\noptions edns0\n",
                                       "/mnt/", ["127.0.0.1", "10.255.255.254"])
    assert info["kind"] == "file" and info["generated_by_wsl"] is False and info["dns_tunneling"] is False
    assert info["nameservers"] == ["192.0.2.53"] and info["options"] == ["edns0"]
    assert _guest.classify_resolv_conf(False, False, None, "", "/mnt/", [])["kind"] == "missing"


# --- ufw, PID 1, SSH ----------------------------------------------------------------------------

def test_parse_ufw_status():
    assert _guest.parse_ufw_status(data("ufw_status_active.txt")) == {
        "active": True, "default_incoming": "deny", "default_outgoing": "allow", "default_routed": "disabled",
        "logging": "low"}
    assert _guest.parse_ufw_status(data("ufw_status_active_sources.txt"))["default_incoming"] == "deny"
    assert _guest.parse_ufw_status(data("ufw_status_inactive.txt")) == {"active": False}
    assert _guest.parse_ufw_status("Status: active\nLogging: off\n")["logging"] == "off"
    assert _guest.parse_ufw_conf(data("ufw.conf")) == {"enabled": True, "logging": "low"}
    assert _guest.parse_ufw_conf("") == {"enabled": False, "logging": None}


def test_process_start_epoch():
    assert _guest.process_start_epoch(data("proc_stat.txt"), data("pid1_stat.txt"), 100) == 1763780000.52
    # a command name with blanks and parentheses does not shift the fields
    odd = data("pid1_stat.txt").replace("(systemd)", "(my (init) x)")
    assert _guest.process_start_epoch(data("proc_stat.txt"), odd, 100) == 1763780000.52
    assert _guest.process_start_epoch("", data("pid1_stat.txt"), 100) is None


def test_parse_ssh_connection():
    assert _guest.parse_ssh_connection("192.0.2.10 51234 192.0.2.20 2222") == {
        "client": "192.0.2.10", "client_port": 51234, "server": "192.0.2.20", "server_port": 2222}
    assert _guest.parse_ssh_connection(None) is None
    assert _guest.parse_ssh_connection("garbage") is None


# --- the module, on this machine ----------------------------------------------------------------

def run_module(args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            guest_info.main()


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2's ip to read this machine's interfaces")
def test_module_on_this_machine_reads_real_state(capsys):
    """This build machine is not WSL: the module must say so, and still read its real interfaces."""
    run_module({})
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] is False
    with open("/proc/sys/kernel/osrelease") as handle:
        release = handle.read().strip()
    assert result["kernel_release"] == release
    if "microsoft" not in release.lower():
        assert result["is_wsl"] is False and result["networking_mode"] is None
        assert result["windows_host_address"] is None
    names = [i["name"] for i in result["interfaces"]]
    assert "lo" in names
    lo = [i for i in result["interfaces"] if i["name"] == "lo"][0]
    assert {"family": "ipv4", "address": "127.0.0.1", "prefixlen": 8, "scope": "host"} in lo["addresses"]
    assert result["resolv_conf"]["kind"] in ("wsl_symlink", "symlink", "file", "missing")
    assert set(result["systemd"]) == {"pid1", "state"}
    assert result["relay"]["service"] == "wslfleet-relay.service"


def test_module_nat_guest_from_recorded_outputs(mocker, capsys, tmp_path):
    """A WSL2 NAT guest: kernel markers, wslinfo, WSL's resolv.conf link and a pending restart."""
    wsl_conf = tmp_path / "wsl.conf"
    wsl_conf.write_text("[boot]\nsystemd=true\n")
    files = {
        "/proc/sys/kernel/osrelease": WSL2_RELEASE + "\n",
        "/proc/stat": data("proc_stat.txt"),
        "/proc/1/stat": data("pid1_stat.txt"),
        "/proc/1/comm": "systemd\n",
        "/etc/resolv.conf": data("wsl_resolv.conf"),
        "/etc/ufw/ufw.conf": data("ufw.conf"),
    }
    mocker.patch.object(guest_info, "_read", side_effect=lambda path, default=None: files.get(path, default))
    real_isdir, real_islink, real_exists = os.path.isdir, os.path.islink, os.path.exists
    mocker.patch.object(guest_info.os.path, "isdir", side_effect=lambda p: True if p in (
        "/run/WSL", "/mnt/wsl", "/run/systemd/system") else real_isdir(p))
    mocker.patch.object(guest_info.os.path, "islink", side_effect=lambda p: p == "/etc/resolv.conf" or real_islink(p))
    mocker.patch.object(guest_info.os.path, "exists", side_effect=lambda p: p == "/etc/resolv.conf" or real_exists(p))
    mocker.patch.object(guest_info.os, "readlink", return_value="/mnt/wsl/resolv.conf")
    mocker.patch.object(guest_info.os, "listdir", return_value=["register", "status", "WSLInterop"])
    mocker.patch.dict(os.environ, {"SSH_CONNECTION": "172.28.112.1 50000 172.28.117.45 22"})

    outputs = {
        ("ip", "-d", "-j", "addr", "show"): data("nat_addr.json"),
        ("ip", "-j", "-4", "route", "show", "default"): data("nat_route.json"),
        ("ip", "-j", "-6", "route", "show", "default"): "[]",
        ("wslinfo", "--networking-mode"): "nat\n",
        ("wslinfo", "--version"): "2.5.10\n",
        ("systemctl", "is-system-running"): "running\n",
        ("ufw", "status", "verbose"): data("ufw_status_active.txt"),
        ("systemctl", "show", "--property=LoadState,ActiveState,UnitFileState", "--", "wslfleet-relay.service"):
            "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n",
    }
    calls = []

    def run_command(self, argv, **kwargs):
        key = (os.path.basename(argv[0]),) + tuple(argv[1:])
        calls.append(key)
        assert kwargs["environ_update"]["LC_ALL"] == "C"
        return 0, outputs[key], ""

    mocker.patch.object(guest_info.AnsibleModule, "get_bin_path", autospec=True,
                        side_effect=lambda self, name, *a, **k: "/usr/bin/" + name)
    mocker.patch.object(guest_info.AnsibleModule, "run_command", autospec=True, side_effect=run_command)

    run_module({"wsl_conf_path": str(wsl_conf)})
    result = json.loads(capsys.readouterr().out)
    assert result["is_wsl"] is True and result["wsl_evidence"] == "kernel" and result["wsl_generation"] == 2
    assert result["wsl_markers"] == ["kernel_osrelease", "binfmt_wslinterop", "run_wsl", "mnt_wsl", "wslinfo"]
    assert result["wsl_version"] == "2.5.10"
    assert (result["networking_mode"], result["networking_mode_source"]) == ("nat", "wslinfo")
    assert result["default_gateway"] == {"gateway": "172.28.112.1", "interface": "eth0"}
    assert result["windows_host_address"] == "172.28.112.1"
    assert result["resolv_conf"]["kind"] == "wsl_symlink" and result["resolv_conf"]["dns_tunneling"] is True
    assert result["systemd"] == {"pid1": True, "state": "running"}
    assert result["ufw"]["active"] is True and result["ufw"]["logging"] == "low"
    assert result["relay"] == {"service": "wslfleet-relay.service", "installed": True, "active": True, "enabled": True}
    assert result["ssh_connection"]["server_port"] == 22
    # wsl.conf was written just now, long after the recorded PID 1 start: a restart is pending
    assert result["wsl_conf"]["distribution_started"] == 1763780000.52
    assert result["restart_pending"] is True
    assert result["wsl_conf"]["effective"] == {"boot": {"systemd": True}} and result["wsl_conf"]["warnings"] == []
    assert all(call[0] != "ip" or "set" not in call for call in calls)
