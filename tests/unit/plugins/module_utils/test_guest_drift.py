# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The drift rules guest_info applies with a baseline (module_utils/_guest_drift.py).

ufw_user.rules / ufw_user6.rules were recorded on a lab host after `ufw allow` of a commented
port rule, `allow in on loopback0`, a udp rule from a v4 network, a tcp range from a v6 network
and the OpenSSH application profile.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.wslfleet.networking.plugins.module_utils import _guest_drift as gd
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import apply_settings

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "guest")


def data(name):
    with open(os.path.join(DATA, name)) as handle:
        return handle.read()


V4 = gd.parse_ufw_tuples(data("ufw_user.rules"))
V6 = gd.parse_ufw_tuples(data("ufw_user6.rules"))
ACTIVE = {"installed": True, "active": True, "default_incoming": "deny", "default_outgoing": "allow", "logging": "low"}


def test_parse_ufw_tuples_reads_every_rule_shape():
    assert [(r["proto"], r["port"], r["from"], r["direction"], r["interface"], r["app"]) for r in V4] == [
        ("tcp", "8080", "0.0.0.0/0", "in", None, False),
        ("any", "any", "0.0.0.0/0", "in", "loopback0", False),
        ("udp", "5353", "10.77.3.0/24", "in", None, False),
        ("tcp", "22", "0.0.0.0/0", "in", None, True),
    ]
    assert ("tcp", "9000:9010", "2001:db8::/32") in [(r["proto"], r["port"], r["from"]) for r in V6]


def test_parse_ufw_tuples_ignores_everything_else():
    assert gd.parse_ufw_tuples("*filter\n### RULES ###\n### tuple ### allow tcp\n-A ufw-user-input -j ACCEPT\n") == []
    assert gd.parse_ufw_tuples(None) == []


@pytest.mark.parametrize("rule", [
    {"port": "8080", "proto": "tcp"},
    {"port": "8080", "proto": "tcp", "from": "any", "comment": "comments are not compared"},
    {"interface": "loopback0", "direction": "in"},
    {"port": "5353", "proto": "udp", "from": "10.77.3.0/24"},
    {"port": "5353", "proto": "udp", "from": "10.77.3.7/24"},
    {"port": "9000:9010", "proto": "tcp", "from": "2001:db8::/32"},
])
def test_ufw_rules_in_place_are_not_drift(rule):
    assert gd.ufw_items(ACTIVE, V4, V6, True, {"rules": [dict({"direction": "in"}, **rule)]}) == []


@pytest.mark.parametrize("rule", [
    {"port": "8081", "proto": "tcp"},
    {"port": "8080", "proto": "udp"},
    {"port": "5353", "proto": "udp", "from": "10.77.4.0/24"},
    {"port": "5353", "proto": "udp"},
    {"interface": "eth0"},
    # The OpenSSH profile allows 22/tcp, but it is not the port rule the role adds.
    {"port": "22", "proto": "tcp"},
    {"port": "9000:9010", "proto": "tcp", "from": "2001:db8:1::/48"},
])
def test_missing_ufw_rules_are_drift(rule):
    rule = dict({"direction": "in"}, **rule)
    assert gd.ufw_items(ACTIVE, V4, V6, True, {"rules": [rule]}) == [
        gd.item("ufw rule %s" % gd.describe_rule(rule), "present", "missing")]


def test_a_rule_for_any_source_needs_its_ipv6_twin_only_when_ufw_writes_ipv6():
    rule = {"port": "8080", "proto": "tcp", "direction": "in"}
    assert gd.ufw_items(ACTIVE, V4, [], False, {"rules": [rule]}) == []
    assert len(gd.ufw_items(ACTIVE, V4, [], True, {"rules": [rule]})) == 1


def test_ufw_state_policies_and_logging():
    status = dict(ACTIVE, active=False, default_incoming="allow", logging="medium")
    wanted = {"default_incoming": "deny", "default_outgoing": "allow", "logging": "low", "rules": []}
    assert gd.ufw_items(status, V4, V6, True, wanted) == [
        gd.item("ufw state", "active", "inactive"),
        gd.item("ufw default incoming policy", "deny", "allow"),
        gd.item("ufw logging", "low", "medium"),
    ]
    assert gd.ufw_items({"installed": False}, [], [], True, wanted) == [
        gd.item("ufw", "installed and active", "not installed")]


def test_file_items():
    content = b"{}\n"
    have = {"exists": True, "is_link": False, "checksum": hashlib.sha1(content).hexdigest(), "mode": "0644",
            "owner": "root", "group": "root"}
    wanted = {"path": "/etc/x.json", "checksum": hashlib.sha1(content).hexdigest(), "mode": "0644",
              "owner": "root", "group": "root"}
    assert gd.file_items(wanted, have) == []
    assert gd.file_items(dict(wanted, mode="644"), have) == []
    changed = dict(have, checksum="0" * 40, mode="0666", owner="dev")
    assert [i["setting"] for i in gd.file_items(wanted, changed)] == [
        "/etc/x.json content", "/etc/x.json mode", "/etc/x.json owner"]
    assert gd.file_items(wanted, {"exists": False, "is_link": False}) == [gd.item("/etc/x.json", "present", "missing")]
    assert gd.file_items(wanted, {"exists": True, "is_link": True, "link": "/tmp/x"}) == [
        gd.item("/etc/x.json", "regular file", "symlink to /tmp/x")]


def test_symlink_items():
    wanted = {"path": "/etc/resolv.conf", "link": "/mnt/wsl/resolv.conf"}
    assert gd.file_items(wanted, {"exists": True, "is_link": True, "link": "/mnt/wsl/resolv.conf"}) == []
    assert gd.file_items(wanted, {"exists": True, "is_link": True, "link": "../run/x"})[0]["actual"] == "symlink to ../run/x"
    assert gd.file_items(wanted, {"exists": True, "is_link": False})[0]["actual"] == "regular file"


def test_service_items_tell_settings_from_effective_state():
    wanted = {"name": "wslfleet-relay.service", "enabled": True, "active": True}
    assert gd.service_items(wanted, {"installed": True, "enabled": True, "active": True}) == []
    assert gd.service_items(wanted, {"installed": True, "enabled": False, "active": False}) == [
        gd.item("service wslfleet-relay.service active", "active", "inactive", gd.EFFECTIVE),
        gd.item("service wslfleet-relay.service enabled", "enabled", "disabled", gd.SETTING),
    ]
    assert gd.service_items(wanted, {"installed": False}) == [
        gd.item("service wslfleet-relay.service", "installed", "not installed")]


def test_config_items_name_each_key_that_would_change():
    data = b"# kept\n[boot]\nsystemd=false\n\n[network]\nhostname=old\n"
    edit = apply_settings(data, "wsl.conf", {"boot": {"systemd": True}, "network": {"generateResolvConf": False}})
    assert gd.config_items("/etc/wsl.conf", "wsl.conf", data, edit) == [
        gd.item("/etc/wsl.conf [boot] systemd", True, False),
        gd.item("/etc/wsl.conf [network] generateResolvConf", False, None),
    ]
    same = apply_settings(data, "wsl.conf", {"boot": {"systemd": False}})
    assert gd.config_items("/etc/wsl.conf", "wsl.conf", data, same) == []


def test_config_items_for_a_missing_file_and_for_keys_wsl_ignores():
    edit = apply_settings(None, "wslconfig", {"wsl2": {"networkingMode": "mirrored"}})
    assert gd.config_items("/mnt/c/Users/dev/.wslconfig", "wslconfig", None, edit) == [
        gd.item("/mnt/c/Users/dev/.wslconfig [wsl2] networkingMode", "mirrored", None)]
    data = b"[wsl2]\nnetworkingMode=mirrored\nnotAKey=1\n"
    edit = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored"}}, exclusive=True)
    items = gd.config_items("/mnt/c/Users/dev/.wslconfig", "wslconfig", data, edit)
    assert edit.changed and len(items) == 1 and items[0]["setting"] == "/mnt/c/Users/dev/.wslconfig"


def test_mtu_items_from_a_check_mode_result():
    result = {"interface": "eth0", "previous_mtu": 1500, "mtu": 1400,
              "diff": [{"before": "mtu 1500\n", "after": "mtu 1400\n", "before_header": "eth0 (live)"},
                       {"before": "", "after": "[Unit]\n", "before_header": "/etc/systemd/system/wslfleet-mtu-eth0.service"}],
              "commands": ["/usr/sbin/ip link set dev eth0 mtu 1400", "systemctl daemon-reload",
                           "systemctl enable wslfleet-mtu-eth0.service"]}
    assert gd.mtu_items(result) == [
        gd.item("eth0 MTU (live)", 1400, 1500),
        gd.item("/etc/systemd/system/wslfleet-mtu-eth0.service (MTU 1400 of eth0 kept across restarts)",
                "as the mtu module writes it", "missing"),
        gd.item("service wslfleet-mtu-eth0.service", "enabled", "disabled"),
    ]
    assert gd.mtu_items({"interface": "eth0", "previous_mtu": 1400, "mtu": 1400, "diff": [], "commands": []}) == []


def test_comments_are_decoded():
    assert [r["comment"] for r in V4] == ["wslfleet.networking fleet baseline", "wslfleet.networking mirrored localhost",
                                          None, None]


def test_stale_rules_are_the_managed_ones_nothing_wants_once_per_rule():
    port = {"port": "8080", "proto": "tcp", "direction": "in"}
    loopback = {"interface": "loopback0", "direction": "in"}
    assert gd.stale_rules(V4, V6, [port], "wslfleet.networking") == [
        {"port": None, "proto": "any", "from": "any", "interface": "loopback0", "direction": "in", "action": "allow"}]
    assert gd.stale_rules(V4, V6, [port, loopback], "wslfleet.networking") == []
    # Rules without the comment are the user's: the udp, v6 range and OpenSSH rules never count.
    assert len(gd.stale_rules(V4, V6, [], "wslfleet.networking")) == 2
    assert gd.stale_rules(V4, V6, [], None) == []
    # A prefix is a whole word: "wslfleet.networkingX" is not ours.
    assert gd.stale_rules(V4, V6, [], "wslfleet.network") == []


def test_stale_rules_are_drift():
    wanted = {"rules": [{"port": "8080", "proto": "tcp", "direction": "in"}], "managed_comment": "wslfleet.networking"}
    assert gd.ufw_items(ACTIVE, V4, V6, True, wanted) == [
        gd.item("ufw rule allow in on loopback0 from any", "absent (no longer declared)", "present")]


def test_a_bad_source_is_named():
    with pytest.raises(ValueError, match=r"ufw rule from='10.0.0.0/33' is not an IPv4 or IPv6 address or network"):
        gd.ufw_items(ACTIVE, V4, V6, True, {"rules": [{"port": "22", "proto": "tcp", "from": "10.0.0.0/33"}]})
