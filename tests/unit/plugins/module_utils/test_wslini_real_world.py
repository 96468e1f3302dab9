# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A table of real-world files and the expected result of typical edits.

Fixtures are stored as LF UTF-8 text (sanity's line-ending test); each case turns them into the
bytes a user really has (CRLF, UTF-8 BOM, UTF-16LE BOM) before editing.
"""
from __future__ import annotations

import codecs
import difflib
import os

import pytest

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import (
    ConfigEditError,
    apply_settings,
    read_config,
)

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "wsl_config")


def fixture(name, crlf=False, encoding="utf-8"):
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        text = handle.read()
    if crlf:
        text = text.replace("\n", "\r\n")
    if encoding == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == "utf-16-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode("utf-8")


def changed_lines(before, after):
    """The +/- lines of a unified diff, without headers."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_newcomer_sets_mirrored_and_sees_a_one_line_diff():
    data = fixture("newcomer.wslconfig")
    assert data.count(b"\n") >= 20
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored"}})
    assert result.data == fixture("newcomer-mirrored.wslconfig")
    assert changed_lines(result.before, result.after) == ["+networkingMode=mirrored"]
    assert result.effective["wsl2"]["networkingMode"] == "mirrored"
    assert result.effective["wsl2"]["swapFile"] == "C:\\wsl\\swap.vhdx"
    assert result.effective["wsl2"]["kernelCommandLine"] == "vsyscall=emulate"
    assert result.restart_required == "vm"
    assert result.warnings == []


@pytest.mark.parametrize("crlf", [False, True])
def test_legacy_experimental_mirrored_is_updated_in_place(crlf):
    data = fixture("legacy-experimental.wslconfig", crlf=crlf)
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "nat", "firewall": True}})
    nl = "\r\n" if crlf else "\n"
    # the effective (legacy) occurrence is edited; nothing is added under [wsl2]; firewall already true
    assert result.after == result.before.replace("networkingMode=mirrored", "networkingMode=nat")
    assert result.data.count(b"\r\n") == (result.data.count(b"\n") if crlf else 0)
    assert result.after.endswith("hostAddressLoopback=true" + nl)
    assert result.effective["wsl2"]["networkingMode"] == "nat"
    # the file still says true, but WSL honours hostAddressLoopback only in mirrored mode
    assert result.settings["experimental"]["hostAddressLoopback"] is True
    assert result.effective["experimental"]["hostAddressLoopback"] is False
    assert {"key": "experimental.hostAddressLoopback", "file": True, "value": False,
            "reason": "counts only in mirrored networking mode (the mode is nat)"} in result.adjustments


def test_duplicates_with_different_case_first_one_wins_and_exclusive_drops_the_dead_ones():
    data = fixture("duplicates-case.wslconfig")
    info = read_config(data, "wslconfig")
    assert info["effective"] == {"wsl2": {"networkingMode": "nat", "memory": "4GB"}}
    assert any("Duplicated config key 'wsl2.networkingmode' in .wslconfig:5" in w for w in info["warnings"])
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored"}})
    assert changed_lines(result.before, result.after) == ["-NetworkingMode=NAT", "+NetworkingMode=mirrored"]
    excl = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored", "memory": "4GB"}},
                          exclusive=True)
    assert excl.after == "[WSL2]\nNetworkingMode=mirrored\nmemory=4GB\n[wsl2]\n"
    assert excl.warnings == []


def test_utf16_bom_crlf_file_stays_utf16_crlf():
    data = fixture("utf16-source.wslconfig", crlf=True, encoding="utf-16-bom")
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored", "dnsTunneling": True}})
    assert result.data.startswith(codecs.BOM_UTF16_LE)
    text = result.data[2:].decode("utf-16-le")
    assert text == "[wsl2]\r\nmemory=6GB\r\nnetworkingMode=mirrored\r\ndnsTunneling=true\r\n"
    assert read_config(result.data, "wslconfig")["effective"]["wsl2"]["networkingMode"] == "mirrored"


def test_utf8_bom_without_final_newline_keeps_both():
    data = fixture("no-final-newline.wslconfig", encoding="utf-8-bom")
    result = apply_settings(data, "wslconfig", {"wsl2": {"swap": 0}, "experimental": {"sparseVhd": True}})
    assert result.data == codecs.BOM_UTF8 + b"[wsl2]\nmemory=8GB\nswap=0\n\n[experimental]\nsparseVhd=true"
    removed = apply_settings(result.data, "wslconfig", {"experimental": {"sparseVhd": None}}, state="absent")
    assert removed.data == codecs.BOM_UTF8 + b"[wsl2]\nmemory=8GB\nswap=0\n\n[experimental]"


def test_comments_everywhere_and_a_key_before_any_section():
    data = fixture("comments-keys-before-section.wslconfig")
    info = read_config(data, "wslconfig")
    # the top-level key is "networkingMode" without a section: unknown to WSL
    assert info["effective"] == {"wsl2": {"memory": "2GB", "firewall": False}}
    assert any("Unknown key 'networkingMode' in .wslconfig:1 (key before any section header)" in w
               for w in info["warnings"])
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored", "firewall": True}})
    assert changed_lines(result.before, result.after) == [
        "-firewall=false#no space", "+firewall=true#no space", "+networkingMode=mirrored"]
    assert result.after.startswith("networkingMode=mirrored # written by a buggy Settings app\n")


def test_wsl_conf_semicolon_line_is_reported_and_our_key_warned_about():
    data = fixture("semicolon.wsl.conf")
    info = read_config(data, "wsl.conf")
    assert info["effective"] == {"boot": {"systemd": True}}
    assert info["warnings"] == ["Invalid key name in /etc/wsl.conf:3; WSL stops reading wsl.conf at this line "
                                "and ignores the rest"]
    # hostname sits below the line WSL stops at: changing it there would be a success WSL never sees
    with pytest.raises(ConfigEditError, match=r"network.hostname is on line 6, after line 3 \(Invalid key name\)"):
        apply_settings(data, "wsl.conf", {"network": {"hostname": "box2"}})
    # a new key of a section above the stop goes where WSL reads it
    result = apply_settings(data, "wsl.conf", {"boot": {"command": "true"}})
    assert changed_lines(result.before, result.after) == ["+command=true"]
    assert result.effective == {"boot": {"systemd": True, "command": "true"}}
    assert result.restart_required == "distribution"
    # a section that only starts below the stop cannot take it
    with pytest.raises(ConfigEditError,
                       match=r"no \[time\] section starts above that line .rule: wsl.conf is read only up to its "
                             r"first invalid line.. Fix line 3 first"):
        apply_settings(data, "wsl.conf", {"time": {"useWindowsTimezone": True}})


def test_wsl_conf_new_file_boot_command_and_systemd():
    result = apply_settings(None, "wsl.conf", {"boot": {"systemd": True, "command": "ip link set dev eth0 mtu 1400"},
                                               "network": {"generateResolvConf": True}})
    assert result.data == (b"[boot]\nsystemd=true\ncommand=ip link set dev eth0 mtu 1400\n\n"
                           b"[network]\ngenerateResolvConf=true\n")
    again = apply_settings(result.data, "wsl.conf", {"boot": {"command": "ip link set dev eth0 mtu 1400"}})
    assert not again.changed


def test_quoted_value_keeps_its_quotes_and_trailing_comment():
    data = b'[boot]\ncommand = "ip link set dev eth0 mtu 1400"   # VPN\n'
    result = apply_settings(data, "wsl.conf", {"boot": {"command": "ip link set dev eth0 mtu 1350"}})
    assert result.data == b'[boot]\ncommand = "ip link set dev eth0 mtu 1350"   # VPN\n'


def test_windows_paths_are_escaped_and_read_back():
    wanted = {"wsl2": {"kernel": "C:\\temp\\myKernel", "kernelCommandLine": "quiet # really"}}
    result = apply_settings(b"[wsl2]\n", "wslconfig", wanted)
    assert result.after == '[wsl2]\nkernel=C:\\\\temp\\\\myKernel\nkernelCommandLine="quiet # really"\n'
    assert result.effective["wsl2"] == {"kernel": "C:\\temp\\myKernel", "kernelCommandLine": "quiet # really"}


def test_semantically_equal_spellings_are_not_rewritten():
    data = b"[wsl2]\nnetworkingMode=MIRRORED\ndnsTunneling=1\nmemory=8192MB\nprocessors=010\n" \
           b"[experimental]\nignoredPorts=3000, 9000\n"
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored", "dnsTunneling": True,
                                                         "memory": "8GB", "processors": 8},
                                                "experimental": {"ignoredPorts": [3000, 9000]}})
    assert not result.changed and result.data is None and result.restart_required is False


def test_invalid_existing_value_is_replaced():
    result = apply_settings(b"[wsl2]\nmemory=8gb\n", "wslconfig", {"wsl2": {"memory": "8GB"}})
    assert "Invalid memory string '8gb' for .wslconfig entry 'wsl2.memory' in .wslconfig:2; WSL keeps the default" \
        in read_config(b"[wsl2]\nmemory=8gb\n", "wslconfig")["warnings"]
    assert result.after == "[wsl2]\nmemory=8GB\n"


@pytest.mark.parametrize("settings, message", [
    ({"wsl2": {"hostAddressLoopback": True}}, "WSL reads hostAddressLoopback only under [experimental]"),
    ({"wsl2": {"memory": "8gb"}}, "value '8gb' is not a WSL size"),
    ({"wsl2": {"memory": "1.5GB"}}, "value '1.5GB' is not a WSL size"),
    ({"wsl2": {"swap": -1}}, "value -1 is negative"),
    ({"wsl2": {"dnsTunneling": "yes"}}, "value 'yes' is not a boolean"),
    ({"experimental": {"ignoredPorts": "3000,8000-8010"}}, "item '8000-8010' of '3000,8000-8010' is not a single port"),
    ({"experimental": {"ignoredPorts": [0]}}, "port 0 is out of range"),
    ({"wsl2": {"networkingMode": "mirorred"}}, "value 'mirorred' is not one of none, nat"),
    ({"wsl2": {"swapFile": "C:\\Users\\J\u00f6rg\\swap.vhdx"}}, "contains non-ASCII characters"),
    ({"wsl2": {"macAddress": "00:11:22:33:44"}}, "is not a MAC address"),
    ({"experimental": {"dnsTunnelingIpAddress": "10.255.255.256"}}, "is not an IPv4 address"),
    ({"wsl2": {"processors": 0}}, "is below the minimum 1"),
    ({"wsl2": {"vmIdleTimeout": "08"}}, "is not an integer as WSL reads it"),
    ({"wsl2": {"colour": "blue"}}, "wsl2.colour: unknown key for .wslconfig"),
    ({"wsl2": {"kernel_cmdline": "x"}}, "is not a valid WSL key name"),
    ({"system-distro-env": {"x": "1"}}, "is not a valid WSL section name"),
    ({"wsl2": {"networkingMode": "nat"}, "experimental": {"networkingMode": "nat"}}, "are the same WSL key"),
    ({"wsl2": {"memory": None}}, "value None is not a setting (rule: state=present needs a value"),
    ({"wsl2": {"kernelCommandLine": "a\rb"}}, "control character"),
])
def test_bad_input_fails_before_anything_changes(settings, message):
    with pytest.raises(ConfigEditError) as err:
        apply_settings(fixture("newcomer.wslconfig"), "wslconfig", settings)
    assert message in str(err.value)


@pytest.mark.parametrize("data, message", [
    (b"[wsl2]\nmemory=8GB\nnote=\xff\xfe\n", "cannot be decoded as UTF-8"),
    (codecs.BOM_UTF16_BE + "[wsl2]\n".encode("utf-16-be"), "big-endian"),
    ("[wsl2]\n".encode("utf-16-le"), "UTF-16 without a byte order mark"),
])
def test_undecodable_file_is_a_clear_error(data, message):
    with pytest.raises(ConfigEditError) as err:
        apply_settings(data, "wslconfig", {"wsl2": {"memory": "8GB"}})
    assert message in str(err.value) and "Nothing was changed" in str(err.value)


def test_validate_warn_writes_unknown_keys_with_a_warning():
    result = apply_settings(b"", "wslconfig", {"wsl2": {"futureKey": "on"}}, validate="warn")
    assert result.after.endswith("futureKey=on\r\n")
    assert any("wsl2.futureKey is not a key this collection knows" in w for w in result.warnings)
    assert any("Unknown key 'wsl2.futureKey'" in w for w in result.warnings)


def test_absent_removes_every_occurrence_including_alias_and_keeps_comments():
    data = b"[wsl2]\nnetworkingMode=nat # a\n# keep me\n[experimental]\nNETWORKINGMODE=mirrored\n"
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": None}}, state="absent")
    # WSL's writer (configfile.cpp, remove mode) keeps a removed key's trailing comment as a line
    assert result.after == "[wsl2]\n# a\n# keep me\n[experimental]\n"
    assert result.effective == {}


def test_exclusive_keeps_other_sections_and_comments():
    data = fixture("newcomer.wslconfig")
    result = apply_settings(data, "wslconfig", {"experimental": {"sparseVhd": True}}, exclusive=True)
    assert changed_lines(result.before, result.after) == ["-autoMemoryReclaim=gradual"]


def test_policies_override_and_are_reported():
    data = b"[wsl2]\nfirewall=false\n"
    result = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "mirrored"}},
                            policies={"AllowNetworkingModeUserSetting": 0, "DefaultNetworkingMode": 1,
                                      "AllowFirewallUserSetting": 0})
    assert result.effective["wsl2"] == {"firewall": True, "networkingMode": "nat"}
    assert sorted(c["key"] for c in result.policy_conflicts) == ["wsl2.firewall", "wsl2.networkingMode"]
    none = apply_settings(data, "wslconfig", {"wsl2": {"networkingMode": "none"}},
                          policies={"AllowNetworkingModeUserSetting": 0})
    assert none.policy_conflicts == []


def test_new_keys_use_the_named_section_and_the_schema_spelling():
    legacy = apply_settings(b"", "wslconfig", {"EXPERIMENTAL": {"NETWORKINGMODE": "Mirrored"}})
    assert legacy.after == "[experimental]\r\nnetworkingMode=mirrored\r\n"
    assert legacy.effective == {"wsl2": {"networkingMode": "mirrored"}}
    # once present under either spelling, the other spelling finds and updates it
    again = apply_settings(legacy.data, "wslconfig", {"wsl2": {"networkingMode": "nat"}})
    assert again.after == "[experimental]\r\nnetworkingMode=nat\r\n"
