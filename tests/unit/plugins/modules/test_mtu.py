# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mtu module and its rules (module_utils/_mtu.py).

The module runs against a simulated guest at the run_command boundary: ``ip`` and ``ping``
answer with outputs recorded from veth links in throwaway network namespaces (a guest, a router
and a far host whose link had MTU 1400), and the simulation keeps the interface's MTU so a
second run sees what the first one did.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from _core_compat import patch_module_args

from ansible_collections.wslfleet.networking.plugins.module_utils import _mtu
from ansible_collections.wslfleet.networking.plugins.modules import mtu as mtu_module
from ansible_collections.wslfleet.networking.plugins.module_utils import _mtu_task

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "guest")
IP = "/usr/sbin/ip"


def data(name):
    with open(os.path.join(DATA, name)) as handle:
        return handle.read()


class FakeGuest:
    """ip, ping and systemctl of one guest whose path toward 198.51.100.2 has ``path_mtu``."""

    def __init__(self, mtu=1500, path_mtu=None, max_mtu=65535, systemd=True, answers=True, route_dev="eth0"):
        self.mtu = mtu
        self.path_mtu = path_mtu
        self.max_mtu = max_mtu
        self.systemd = systemd
        self.answers = answers
        self.route_dev = route_dev
        self.enabled = set()
        self.calls = []
        self.pings = []

    def link_json(self):
        link = json.loads(data("nat_link_eth0.json"))
        link[0]["mtu"] = self.mtu
        link[0]["max_mtu"] = self.max_mtu
        return json.dumps(link)

    def __call__(self, argv, **kwargs):
        assert isinstance(argv, list), "commands are argv lists, never shell strings"
        self.calls.append(argv)
        prog, args = os.path.basename(argv[0]), argv[1:]
        if prog == "ip":
            return self.ip(args)
        if prog == "ping":
            return self.ping(args)
        if prog == "systemctl":
            return self.systemctl(args)
        raise AssertionError("unexpected command %r" % argv)

    def ip(self, args):
        if args[:4] == ["-d", "-j", "link", "show"]:
            if args[-1] != "eth0":
                return 1, "", data("ip_nodev.txt")
            return 0, self.link_json(), ""
        if args[:3] == ["link", "set", "dev"]:
            value = int(args[-1])
            if value > self.max_mtu:
                return 2, "", data("ip_mtu_too_big.txt")
            if value < 68:
                return 2, "", data("ip_mtu_too_small.txt")
            self.mtu = value
            return 0, "", ""
        if args[:2] == ["-j", "-4"] and args[2:4] == ["route", "get"]:
            out = json.loads(data("route_get_cached.json"))
            out[0]["dev"] = self.route_dev
            return 0, json.dumps(out), ""
        if args[:2] == ["-j", "-6"] and args[2:4] == ["addr", "show"]:
            return 0, "[]", ""
        raise AssertionError("unexpected ip %r" % args)

    def ping(self, args):
        assert args[:3] == ["-4", "-M", "do"] and args[5:9] == ["-c", "1", "-W", "1"]
        size = int(args[4]) + 28
        self.pings.append(size)
        if not self.answers:
            return 1, data("ping_timeout.txt"), ""
        if size > self.mtu:
            return 1, data("ping_localerr.txt").replace("mtu=1400", "mtu=%d" % self.mtu), ""
        if self.path_mtu and size > self.path_mtu:
            return 1, data("ping_fragneeded.txt").replace("mtu = 1400", "mtu = %d" % self.path_mtu), ""
        return 0, data("ping_ok.txt"), ""

    def systemctl(self, args):
        if args[0] == "is-enabled":
            return (0, "enabled\n", "") if args[1] in self.enabled else (1, "disabled\n", "")
        if args[0] == "enable":
            self.enabled.add(args[1])
        elif args[0] == "disable":
            self.enabled.discard(args[1])
        return 0, "", ""

    def changes(self):
        return [c for c in self.calls if "set" in c or (os.path.basename(c[0]) == "systemctl" and c[1] != "is-enabled")]


@pytest.fixture
def guest(mocker, tmp_path):
    fake = FakeGuest()
    unit_dir = tmp_path / "system"
    unit_dir.mkdir()
    mocker.patch.object(_mtu_task, "UNIT_DIR", str(unit_dir))
    mocker.patch.object(_mtu_task.MtuTask, "systemd_running", autospec=True, side_effect=lambda self: fake.systemd)
    mocker.patch.object(mtu_module.AnsibleModule, "get_bin_path", autospec=True,
                        side_effect=lambda self, name, *a, **k: {"ip": IP, "ping": "/usr/bin/ping"}.get(name))
    mocker.patch.object(mtu_module.AnsibleModule, "run_command", autospec=True,
                        side_effect=lambda self, argv, **kwargs: fake(argv, **kwargs))
    mocker.patch.object(_mtu_task.socket, "getaddrinfo",
                        return_value=[(_mtu_task.socket.AF_INET, 3, 1, "", ("198.51.100.2", 0))])
    fake.unit_dir = unit_dir
    fake.unit = unit_dir / "wslfleet-mtu-eth0.service"
    return fake


def run(args, capsys, check_mode=False, diff=False):
    args = dict(args)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    args.setdefault("wsl_conf_path", "/nonexistent/wsl.conf")
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            mtu_module.main()
    return json.loads(capsys.readouterr().out)


# --- fixed MTU ----------------------------------------------------------------------------------

def test_fixed_mtu_sets_live_persists_with_systemd_and_is_idempotent(guest, capsys):
    result = run({"mtu": "1400"}, capsys)
    assert result["changed"] is True and result["previous_mtu"] == 1500 and result["mtu"] == 1400
    assert guest.mtu == 1400
    assert result["persist"] == "systemd" and result["unit"] == "wslfleet-mtu-eth0.service"
    unit = guest.unit.read_text()
    assert "ExecStart=/usr/sbin/ip link set dev eth0 mtu 1400\n" in unit
    assert "After=sys-subsystem-net-devices-eth0.device network.target\n" in unit
    assert "Type=oneshot\n" in unit and "WantedBy=multi-user.target\n" in unit
    assert guest.enabled == {"wslfleet-mtu-eth0.service"}
    assert result["commands"] == ["/usr/sbin/ip link set dev eth0 mtu 1400", "systemctl daemon-reload",
                                  "systemctl enable wslfleet-mtu-eth0.service"]

    before = len(guest.changes())
    again = run({"mtu": 1400}, capsys)
    assert again["changed"] is False and again["commands"] == []
    assert len(guest.changes()) == before


def test_check_mode_changes_nothing_and_diff_shows_both_parts(guest, capsys):
    result = run({"mtu": "1400"}, capsys, check_mode=True, diff=True)
    assert result["changed"] is True
    assert guest.mtu == 1500 and not guest.unit.exists() and guest.changes() == []
    assert result["diff"][0] == {"before": "mtu 1500\n", "after": "mtu 1400\n",
                                 "before_header": "eth0 (live)", "after_header": "eth0 (live)"}
    assert "mtu 1400" in result["diff"][1]["after"] and result["diff"][1]["before"] == ""


def test_no_diff_without_diff_mode(guest, capsys):
    assert "diff" not in run({"mtu": "1400"}, capsys)


def test_drifted_unit_is_rewritten(guest, capsys):
    run({"mtu": "1400"}, capsys)
    guest.unit.write_text(guest.unit.read_text().replace("1400", "1300"))
    result = run({"mtu": "1400", "backup": True}, capsys)
    assert result["changed"] is True and "mtu 1400" in guest.unit.read_text()
    assert result["commands"] == ["systemctl daemon-reload"]
    assert len(result["backup_file"]) == 1 and "1300" in open(result["backup_file"][0]).read()


@pytest.mark.parametrize("value, rule", [
    ("70000", r"mtu=70000 is out of range for eth0: allowed 576-9000"),
    ("500", r"mtu=500 is out of range for eth0: allowed 576-9000"),
    ("1400.5", r"mtu='1400.5' must be an integer or 'auto'"),
    ("big", r"mtu='big' must be an integer or 'auto'"),
])
def test_bad_mtu_fails_before_any_change(guest, capsys, value, rule):
    result = run({"mtu": value}, capsys)
    assert result["failed"] is True and re.search(rule, result["msg"])
    assert guest.changes() == [] and guest.mtu == 1500 and not guest.unit.exists()


def test_interface_limits_narrow_the_range(guest, capsys):
    guest.max_mtu = 1500
    result = run({"mtu": "9000"}, capsys)
    assert result["failed"] is True
    assert "allowed 576-1500" in result["msg"] and "eth0 itself accepts 68-1500" in result["msg"]
    assert guest.changes() == []


def test_missing_interface_and_bad_names(guest, capsys):
    result = run({"mtu": "1400", "interface": "eth9"}, capsys)
    assert result["failed"] is True and 'interface=eth9 does not exist' in result["msg"]
    assert 'Device "eth9" does not exist' in result["msg"] or "does not exist" in result["msg"]
    result = run({"mtu": "1400", "interface": "eth0; reboot"}, capsys)
    assert result["failed"] is True and "not a valid Linux interface name" in result["msg"]
    assert guest.changes() == []


def test_persist_systemd_refused_without_systemd(guest, capsys):
    guest.systemd = False
    result = run({"mtu": "1400", "persist": "systemd"}, capsys)
    assert result["failed"] is True and "systemd is not PID 1" in result["msg"]
    assert guest.changes() == []


def test_persist_none_sets_only_the_live_mtu(guest, capsys):
    result = run({"mtu": "1400", "persist": "none"}, capsys)
    assert result["changed"] is True and guest.mtu == 1400 and not guest.unit.exists()
    assert result["persist"] == "none"


# --- mtu: auto ----------------------------------------------------------------------------------

def test_auto_finds_the_bottleneck_then_changes_nothing(guest, capsys):
    guest.path_mtu = 1400
    result = run({"mtu": "auto", "probe_host": "198.51.100.2", "margin": 20}, capsys)
    assert result["path_mtu"] == 1400 and result["mtu"] == 1380 and guest.mtu == 1380
    assert result["probes"][0] == {"mtu": 576, "result": "fits"}
    assert result["probes"][1] == {"mtu": 1500, "result": "too_big"}
    assert len(result["probes"]) <= 2 + 10  # bisection, not a linear scan
    assert "mtu 1380" in guest.unit.read_text()

    again = run({"mtu": "auto", "probe_host": "198.51.100.2", "margin": 20}, capsys)
    assert again["changed"] is False and again["path_mtu"] is None and again["mtu"] == 1380


def test_auto_without_bottleneck_keeps_current(guest, capsys):
    result = run({"mtu": "auto", "probe_host": "198.51.100.2", "persist": "none"}, capsys)
    assert result["changed"] is False and result["path_mtu"] is None and result["mtu"] == 1500
    assert guest.pings == [576, 1500]


def test_auto_probes_in_check_mode_but_changes_nothing(guest, capsys):
    guest.path_mtu = 1420
    result = run({"mtu": "auto", "probe_host": "198.51.100.2"}, capsys, check_mode=True)
    assert result["changed"] is True and result["mtu"] == 1420 and guest.mtu == 1500
    assert guest.changes() == [] and not guest.unit.exists()


def test_auto_errors(guest, capsys):
    result = run({"mtu": "auto"}, capsys)
    assert result["failed"] is True and "mtu=auto needs probe_host" in result["msg"]
    guest.answers = False
    result = run({"mtu": "auto", "probe_host": "198.51.100.2"}, capsys)
    assert result["failed"] is True and "does not answer don't-fragment pings of 576 bytes" in result["msg"]
    assert guest.pings == [576, 576]  # a lost answer is asked once more
    guest.answers = True
    guest.route_dev = "wg0"
    result = run({"mtu": "auto", "probe_host": "198.51.100.2"}, capsys)
    assert result["failed"] is True and "is routed through wg0, not interface=eth0" in result["msg"]
    result = run({"mtu": "1400", "margin": -1}, capsys)
    assert result["failed"] is True and "margin=-1 must not be negative" in result["msg"]
    assert guest.changes() == []


# --- persistence through wsl.conf ---------------------------------------------------------------

def test_boot_command_keeps_an_existing_command(guest, capsys, tmp_path):
    guest.systemd = False
    conf = tmp_path / "wsl.conf"
    original = "# my settings\n[boot]\ncommand = service ssh start\n\n[network]\nhostname = devbox\n"
    conf.write_text(original)
    result = run({"mtu": "1400", "wsl_conf_path": str(conf)}, capsys, diff=True)
    assert result["persist"] == "boot_command"
    assert result["boot_command"] == "service ssh start; /usr/sbin/ip link set dev eth0 mtu 1400"
    text = conf.read_text()
    assert text.startswith("# my settings\n[boot]\n") and "hostname = devbox" in text
    assert "service ssh start; /usr/sbin/ip link set dev eth0 mtu 1400" in text

    result = run({"mtu": "1380", "wsl_conf_path": str(conf)}, capsys)
    assert result["boot_command"] == "service ssh start; /usr/sbin/ip link set dev eth0 mtu 1380"
    assert run({"mtu": "1380", "wsl_conf_path": str(conf)}, capsys)["changed"] is False


def test_boot_command_refuses_a_comment_before_changing_anything(guest, capsys, tmp_path):
    guest.systemd = False
    conf = tmp_path / "wsl.conf"
    conf.write_text('[boot]\ncommand = "mount -a # all"\n')
    before = conf.read_bytes()
    result = run({"mtu": "1400", "wsl_conf_path": str(conf)}, capsys)
    assert result["failed"] is True and "contains '#'" in result["msg"]
    assert conf.read_bytes() == before and guest.mtu == 1500 and guest.changes() == []


def test_switching_to_systemd_removes_our_boot_segment(guest, capsys, tmp_path):
    conf = tmp_path / "wsl.conf"
    conf.write_text("[boot]\nsystemd = true\ncommand = service ssh start; /usr/sbin/ip link set dev eth0 mtu 1400\n")
    result = run({"mtu": "1400", "persist": "systemd", "wsl_conf_path": str(conf)}, capsys)
    assert result["changed"] is True and "mtu" not in result["boot_command"]
    assert "command = service ssh start\n" in conf.read_text()


# --- the rules on their own ---------------------------------------------------------------------

@given(st.integers(min_value=576, max_value=9000), st.integers(min_value=576, max_value=9000))
def test_bisection_finds_exactly_the_path_mtu(path_mtu, top):
    top = max(top, path_mtu)
    probes = []

    def fits(mtu):
        probes.append(mtu)
        return mtu <= path_mtu
    assert _mtu.bisect_path_mtu(fits, 576, top) == path_mtu
    assert len(probes) <= 14


@pytest.mark.parametrize("existing, segment, expected", [
    (None, "ip link set dev eth0 mtu 1400", "ip link set dev eth0 mtu 1400"),
    ("service ssh start", "S", "service ssh start; S"),
    ("service ssh start;", "S", "service ssh start; S"),
    ("sleep 5 &", "S", "sleep 5 & S"),
    ("a && b", "S", "a && b; S"),
    ("a; /sbin/ip link set dev eth0 mtu 1300; b", "/usr/sbin/ip link set dev eth0 mtu 1400",
     "a; /usr/sbin/ip link set dev eth0 mtu 1400; b"),
    ("a; ip link set dev eth1 mtu 1300", "ip link set dev eth0 mtu 1400",
     "a; ip link set dev eth1 mtu 1300; ip link set dev eth0 mtu 1400"),
    ("a; /usr/sbin/ip link set dev eth0 mtu 1300; b", None, "a; b"),
    ("a; /usr/sbin/ip link set dev eth0 mtu 1300", None, "a"),
    ("/usr/sbin/ip link set dev eth0 mtu 1300; b", None, "b"),
    ("/usr/sbin/ip link set dev eth0 mtu 1300", None, ""),
    ("a", None, "a"),
    ("sleep 5 & /usr/sbin/ip link set dev eth0 mtu 1300; b", None, "sleep 5 & b"),
])
def test_merge_boot_command(existing, segment, expected):
    assert _mtu.merge_boot_command(existing, "eth0", segment) == expected


def test_merge_boot_command_refuses_comments():
    with pytest.raises(_mtu.MtuError, match="contains '#'"):
        _mtu.merge_boot_command("mount -a # all", "eth0", "S")


@pytest.mark.skipif(shutil.which("systemd-escape") is None, reason="compares with systemd's own systemd-escape")
@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_characters="/:"),
               min_size=1, max_size=15))
def test_systemd_escape_matches_systemd(name):
    expected = subprocess.run(["systemd-escape", "--", name], capture_output=True, text=True, check=True).stdout.strip()
    assert _mtu.systemd_escape(name) == expected


def test_unit_name_escapes_dashes_like_systemd_device_units():
    assert _mtu.unit_name("eth0") == "wslfleet-mtu-eth0.service"
    assert _mtu.unit_name("vEthernet-1") == "wslfleet-mtu-vEthernet\\x2d1.service"
    assert "After=sys-subsystem-net-devices-wg\\x2dvpn.device" in _mtu.render_unit(IP, "wg-vpn", 1380)


@pytest.mark.parametrize("rc, name, expected", [
    (0, "ping_ok.txt", "fits"),
    (1, "ping_fragneeded.txt", "too_big"),
    (1, "ping_localerr.txt", "too_big"),
    (1, "ping_timeout.txt", "lost"),
])
def test_classify_recorded_pings(rc, name, expected):
    assert _mtu.classify_ping(rc, data(name)) == expected
