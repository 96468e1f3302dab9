# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""guest_info and its readers (module_utils/_guest.py) against recorded outputs.

The iproute2 JSON was recorded from veth interfaces in throwaway network namespaces named like a
WSL guest's (eth0, loopback0, 10.255.255.254 on lo); `ufw status verbose` from lab hosts after
the wsl_guest role ran; resolv.conf follows the header gns writes (reference §6.4).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest

from _core_compat import patch_module_args

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


class NatGuest(object):
    """A WSL2 NAT guest made of recorded outputs; ``files``/``outputs`` may be extended by a test."""


@pytest.fixture
def nat_guest(mocker, tmp_path):
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
    guest = NatGuest()
    guest.wsl_conf, guest.files, guest.outputs, guest.calls = wsl_conf, files, outputs, calls
    return guest


def test_module_nat_guest_from_recorded_outputs(nat_guest, capsys):
    """A WSL2 NAT guest: kernel markers, wslinfo, WSL's resolv.conf link and a pending restart."""
    wsl_conf, calls = nat_guest.wsl_conf, nat_guest.calls
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


# --- the module with a baseline: drift in one round trip ------------------------------------------

def test_module_baseline_reports_every_difference_and_changes_nothing(nat_guest, mocker, capsys, tmp_path):
    from ansible_collections.wslfleet.networking.plugins.module_utils import _mtu_task

    unit_dir = tmp_path / "units"
    unit_dir.mkdir()
    mocker.patch.object(_mtu_task, "UNIT_DIR", str(unit_dir))
    nat_guest.files.update({"/etc/ufw/user.rules": data("ufw_user.rules"),
                            "/etc/ufw/user6.rules": data("ufw_user6.rules"),
                            "/etc/default/ufw": 'IPV6="yes"\nDEFAULT_INPUT_POLICY="DROP"\n'})
    nat_guest.outputs.update({
        ("ip", "-d", "-j", "link", "show", "dev", "eth0"): data("nat_link_eth0.json"),
        ("systemctl", "is-enabled", "wslfleet-mtu-eth0.service"): "disabled\n",
        ("systemctl", "show", "--property=LoadState,ActiveState,UnitFileState", "--", "stopped.service"):
            "LoadState=loaded\nActiveState=inactive\nUnitFileState=enabled\n",
    })
    in_line = tmp_path / "relay.json"
    in_line.write_bytes(b'{"forwards": []}\n')
    os.chmod(str(in_line), 0o644)
    edited = tmp_path / "edited.json"
    edited.write_bytes(b'{"forwards": [1]}\n')
    os.chmod(str(edited), 0o644)
    wsl_conf_before = nat_guest.wsl_conf.read_bytes()
    wanted_sum = hashlib.sha1(b'{"forwards": []}\n').hexdigest()

    run_module({
        "wsl_conf_path": str(nat_guest.wsl_conf),
        "_ansible_diff": True,
        "baseline": {
            "networking_mode": "mirrored",
            "wsl_conf": {"boot": {"systemd": True}, "network": {"generateResolvConf": True}},
            "mtu": {"interface": "eth0", "mtu": "1400"},
            "dns_mode": "tunneling",
            "ufw": {"default_incoming": "deny", "default_outgoing": "allow", "logging": "low",
                    "rules": [{"port": "8080", "proto": "tcp", "comment": "fleet baseline"},
                              {"interface": "loopback0", "direction": "in", "mirrored_only": True}],
                    "connection_ports": [2222], "managed_comment": "wslfleet.networking"},
            "files": [{"path": str(in_line), "checksum": wanted_sum, "mode": "0644"},
                      {"path": str(edited), "checksum": wanted_sum, "mode": "0644"}],
            "services": [{"name": "wslfleet-relay.service", "enabled": True, "active": True},
                         {"name": "stopped.service", "active": True}],
        },
    })
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] is False
    found = [(i["setting"], i["expected"], i["actual"], i["category"]) for i in result["wslfleet_drift"]]
    assert found == [
        ("networking mode (effective)", "mirrored", "nat", "effective"),
        ("distribution restart (wsl.conf changed after the distribution started)", "done", "pending", "pending_restart"),
        ("%s [network] generateResolvConf" % nat_guest.wsl_conf, True, None, "setting"),
        ("eth0 MTU (live)", 1400, 1500, "setting"),
        ("%s/wslfleet-mtu-eth0.service (MTU 1400 of eth0 kept across restarts)" % unit_dir,
         "as the mtu module writes it", "missing", "setting"),
        ("service wslfleet-mtu-eth0.service", "enabled", "disabled", "setting"),
        # SSH_CONNECTION names port 22, which beats connection_ports; the recorded rules hold
        # 22/tcp only as the OpenSSH profile.
        ("ufw rule allow in 22/tcp from any", "present", "missing", "setting"),
        # A NAT guest needs no loopback0 rule; the recorded one carries the role's comment.
        ("ufw rule allow in on loopback0 from any", "absent (no longer declared)", "present", "setting"),
        ("%s content" % edited, "sha1 " + wanted_sum, "sha1 " + hashlib.sha1(b'{"forwards": [1]}\n').hexdigest(),
         "setting"),
        ("service stopped.service active", "active", "inactive", "effective"),
    ]
    # SSH_CONNECTION's port replaces connection_ports: what the role will allow.
    assert result["ufw"]["management_ports"] == [22]
    assert result["ufw"]["stale_rules"] == [{"port": None, "proto": "any", "from": "any", "interface": "loopback0",
                                             "direction": "in", "action": "allow"}]
    headers = [d["before_header"] for d in result["diff"]]
    assert headers == ["%s (before)" % nat_guest.wsl_conf, "eth0 (live)",
                       "%s/wslfleet-mtu-eth0.service" % unit_dir]
    # Read-only: no command that changes state ran, and no file was written.
    assert not [c for c in nat_guest.calls if "set" in c or (c[0] == "systemctl" and c[1] not in ("show", "is-enabled", "is-system-running"))]
    assert nat_guest.wsl_conf.read_bytes() == wsl_conf_before
    assert not (unit_dir / "wslfleet-mtu-eth0.service").exists()


def test_module_baseline_without_diff_mode_returns_items_only(nat_guest, capsys):
    run_module({"wsl_conf_path": str(nat_guest.wsl_conf), "baseline": {"wsl_conf": {"boot": {"systemd": False}}}})
    result = json.loads(capsys.readouterr().out)
    assert "diff" not in result
    assert [i["setting"] for i in result["wslfleet_drift"]] == [
        "distribution restart (wsl.conf changed after the distribution started)",
        "%s [boot] systemd" % nat_guest.wsl_conf]


def test_module_baseline_rejects_a_bad_key_by_name(nat_guest, capsys):
    run_module({"wsl_conf_path": str(nat_guest.wsl_conf), "baseline": {"wsl_conf": {"boot": {"sytemd": True}}}})
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True
    assert "sytemd" in result["msg"] and result["msg"].startswith("baseline: ")


def test_module_without_ssh_connection_allows_the_connection_ports(nat_guest, mocker, capsys):
    """become may clear SSH_CONNECTION (and local/nsenter have none): the role's connection ports count."""
    mocker.patch.dict(os.environ, {}, clear=False)
    os.environ.pop("SSH_CONNECTION", None)
    nat_guest.files.update({"/etc/ufw/user.rules": data("ufw_user.rules"), "/etc/ufw/user6.rules": data("ufw_user6.rules")})
    run_module({"wsl_conf_path": str(nat_guest.wsl_conf),
                "baseline": {"restart_pending": False,
                             "ufw": {"connection_ports": [2222], "management_ports": [22, 2222, 8443]}}})
    result = json.loads(capsys.readouterr().out)
    assert result["ssh_connection"] is None
    assert result["ufw"]["management_ports"] == [22, 2222, 8443]
    assert sorted(i["setting"] for i in result["wslfleet_drift"]) == [
        "ufw rule allow in 22/tcp from any", "ufw rule allow in 2222/tcp from any", "ufw rule allow in 8443/tcp from any"]
