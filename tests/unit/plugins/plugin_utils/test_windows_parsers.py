# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import base64
import json
import os
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import WSL_VM_CREATOR_ID
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_facts as facts
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_parsers as p

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "action"))
import _win_powershell_model as model  # noqa: E402 pylint: disable=wrong-import-position

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "windows")


def recorded(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        data = json.load(handle)
    data.pop("_source", None)
    return data


def output(key):
    return base64.b64decode(recorded("wsl_outputs.json")["outputs"][key])


EXPECTED_LIST = [
    {"name": "Ubuntu-24.04", "state": "running", "version": 2, "default": True},
    {"name": "docker-desktop", "state": "stopped", "version": 2, "default": False},
    {"name": "Debian", "state": "stopped", "version": 1, "default": False},
]


@pytest.mark.parametrize("key", ["wsl_list_verbose.utf16le", "wsl_list_verbose.utf8"])
def test_list_verbose_in_every_encoding(key):
    assert p.parse_wsl_list_verbose(p.decode_wsl_output(output(key))) == EXPECTED_LIST


def test_decode_accepts_base64_text_and_strips_cr():
    text = p.decode_wsl_output(base64.b64encode(output("wsl_list_verbose.utf16le")).decode())
    assert "\r" not in text and "\x00" not in text and text.startswith("  NAME")


def test_decode_utf8_bom_and_empty():
    assert p.decode_wsl_output(b"\xef\xbb\xbfUbuntu\r\n") == "Ubuntu\n"
    assert p.decode_wsl_output(b"") == ""
    assert p.decode_wsl_output(None) == ""


@given(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,20}", fullmatch=True), max_size=6))
def test_list_quiet_round_trips_in_utf8_and_utf16(names):
    text = "".join(n + "\r\n" for n in names)
    for data in (text.encode("utf-8"), text.encode("utf-16-le"), b"\xff\xfe" + text.encode("utf-16-le")):
        assert p.parse_wsl_list_quiet(p.decode_wsl_output(data)) == names


def test_list_verbose_with_long_name_shifts_columns():
    text = ("  NAME                                 STATE           VERSION\n"
            "* my-very-long-distribution-name.v2    Converting      2\n")
    assert p.parse_wsl_list_verbose(text) == [
        {"name": "my-very-long-distribution-name.v2", "state": "converting", "version": 2, "default": True}]


@pytest.mark.parametrize("key, wsl, kernel, windows", [
    ("wsl_version_en.utf8", "2.3.26.0", "5.15.167.4-1", "10.0.22631.4317"),
    ("wsl_version_de.utf16le", "2.3.26.0", "5.15.167.4-1", "10.0.22631.4317"),
    ("wsl_version_ja.utf8", "2.0.14.0", "5.15.133.1-1", "10.0.22621.2715"),
])
def test_wsl_version_by_position_in_any_language(key, wsl, kernel, windows):
    parsed = p.parse_wsl_version(p.decode_wsl_output(output(key)))
    assert (parsed["wsl"], parsed["kernel"], parsed["windows"]) == (wsl, kernel, windows)
    assert parsed["direct3d"] == "1.611.1-81528511"


def test_inbox_wsl_has_no_version():
    assert p.parse_wsl_version(p.decode_wsl_output(output("wsl_version_inbox.utf16le"))) is None


def test_future_version_listing_keeps_first_two_and_last():
    text = "WSL version: 3.0.1.0\nKernel version: 6.6.1-1\nNew thing: 1.2\nWindows version: 10.0.26100.1\n"
    assert p.parse_wsl_version(text) == {"wsl": "3.0.1.0", "kernel": "6.6.1-1", "windows": "10.0.26100.1"}


def test_hostname_i_first_ipv4():
    assert p.parse_hostname_i("fd00::5 172.28.176.5 10.0.0.2 \n") == "172.28.176.5"
    assert p.parse_hostname_i("\n") is None


def test_portproxy_registry_values():
    rules = p.parse_portproxy_registry(recorded("portproxy_read.json")["result"]["rules"])
    assert {"family": "v4tov4", "listen_address": "*", "listen_port": 9000, "connect_address": "192.168.1.20",
            "connect_port": 9000} in rules
    assert {"family": "v4tov6", "listen_address": "127.0.0.1", "listen_port": 5000, "connect_address": "fe80::1",
            "connect_port": 5000} in rules
    assert len(rules) == 4


def test_portproxy_registry_ipv6_and_service_names():
    rules = p.parse_portproxy_registry({"v6tov6": {"::1/8080": "FE80::1/http"}})
    assert rules == [{"family": "v6tov6", "listen_address": "::1", "listen_port": 8080, "connect_address": "fe80::1",
                      "connect_port": "http"}]


def test_portproxy_registry_garbage_is_an_error():
    with pytest.raises(p.ParseError, match="not '<address>/<port>'"):
        p.parse_portproxy_registry({"v4tov4": {"8080": "x"}})


def test_windows_build_and_policies():
    result = recorded("host_facts_win10.json")["result"]
    build = p.parse_windows_build(result["windows"])
    assert build["build"] == 19045 and build["ubr"] == 5131 and build["display_version"] == "22H2"
    policies = p.parse_wsl_policies(result["policies"])
    assert policies["allow_networking_mode_user_setting"] is False
    assert policies["default_networking_mode"] == "nat"
    assert policies["allow_firewall_user_setting"] is None
    with pytest.raises(p.ParseError):
        p.parse_windows_build({})


@pytest.mark.parametrize("kind, value, expected", [
    ("direction", "Inbound", "inbound"), ("direction", 1, "inbound"), ("direction", "2", "outbound"),
    ("action", "Block", "block"), ("action", 4, "block"), ("action", "2", "allow"), ("action", 0, "notconfigured"),
    ("rule_enabled", "True", True), ("rule_enabled", 2, False), ("rule_enabled", True, True),
    ("gpo_boolean", "NotConfigured", "notconfigured"), ("gpo_boolean", 0, False), ("gpo_boolean", "1", True),
])
def test_enum_names_and_numbers(kind, value, expected):
    assert p.normalize_enum(kind, value) == expected


def test_unknown_enum_number_is_an_error_not_a_guess():
    with pytest.raises(p.ParseError, match="Direction has value 7"):
        p.normalize_enum("direction", 7, "Direction")
    with pytest.raises(p.ParseError, match="missing"):
        p.normalize_enum("action", None)


def test_recorded_rule_normalises_with_canonical_subnets():
    rule = p.normalize_hyperv_rule(recorded("hyperv_rules_names.json")["result"]["rules"][0])
    assert (rule["direction"], rule["action"], rule["enabled"], rule["protocol"]) == ("inbound", "allow", True, "tcp")
    assert rule["local_ports"] == ["8000-8010"] and rule["remote_ports"] == [] and rule["local_addresses"] == []
    # Read back in mask form, compared in prefix form.
    assert rule["remote_addresses"] == ["192.168.10.0/24"]
    assert rule["vm_creator_id"] == WSL_VM_CREATOR_ID


@pytest.mark.parametrize("given, expected", [
    ("192.168.10.0/255.255.255.0", "192.168.10.0/24"), ("192.168.10.0/24", "192.168.10.0/24"),
    ("10.0.0.1/32", "10.0.0.1"), ("10.0.0.1", "10.0.0.1"), ("10.0.0.1 - 10.0.0.9", "10.0.0.1-10.0.0.9"),
    ("FE80:0:0::1/64", "fe80::1/64"), ("LocalSubnet", "localsubnet"),
])
def test_canonical_address(given, expected):
    assert p.canonical_address(given) == expected


def test_uncast_enum_as_win_powershell_returns_it():
    # A script that forgets the [string] cast gets {Type, String, Value} from win_powershell.
    enum = model.convert(model.PSEnum("Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Action",
                                      "Block", 4), 0)
    assert p.normalize_enum("action", enum) == "block"


def test_vm_settings_normalise():
    names = p.normalize_vm_setting(recorded("hyperv_vm_setting_names.json")["result"]["persistent"])
    assert names == {
        "name": WSL_VM_CREATOR_ID, "enabled": True, "default_inbound_action": "block",
        "default_outbound_action": "allow", "loopback_enabled": "notconfigured", "allow_host_policy_merge": "notconfigured"}
    assert p.normalize_vm_setting(None)["enabled"] == "notconfigured"


def test_rule_without_name_is_an_error():
    with pytest.raises(p.ParseError):
        p.normalize_hyperv_rule({"Direction": "Inbound"})


@pytest.mark.parametrize("build, ubr, expected", [
    (19045, 5131, False), (22000, 2538, False), (22621, 2427, False), (22621, 2428, True), (22631, 1, True),
    (26100, None, True), (None, None, False),
])
def test_mirrored_support_by_build(build, ubr, expected):
    assert facts.supports_mirrored(build, ubr) is expected


@pytest.mark.parametrize("version, expected", [
    ("2.0.0.0", True), ("2.3.26.0", True), ("1.2.5.0", False), ("0.66.2", False), (None, False), ("abc", False),
])
def test_wsl_version_floor(version, expected):
    assert facts.wsl_version_supported(version) is expected
