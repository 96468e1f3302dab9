# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parsers for everything the Windows plugins read from a host.

Sources are chosen to be language independent (reference sections 3-5): registry values for
portproxy rules, cmdlet objects for the Hyper-V firewall, and wsl.exe output parsed by structure
(line position, version regex, hard-coded English state words) because its labels are localized.
"""

from __future__ import annotations

import base64
import ipaddress
import re

from ansible.errors import AnsibleError

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import DEFAULT_NETWORKING_MODE_VALUES
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import WSL_VM_CREATOR_ID


class ParseError(AnsibleError):
    """Host output did not have the structure the reference documents."""


# --------------------------------------------------------------------------------------------
# wsl.exe output

_UTF16_BOM = b"\xff\xfe"
_UTF8_BOM = b"\xef\xbb\xbf"


def decode_wsl_output(data):
    """Decode wsl.exe output bytes (or base64 text of them) to str with LF line ends.

    wsl.exe writes UTF-16LE without BOM unless WSL_UTF8=1 took effect (reference 5.2); older builds
    ignore the variable, and some captures carry a BOM. UTF-16LE is recognised by its BOM or by NUL
    bytes in the odd positions, which ASCII-range text always has and UTF-8 never has.
    """
    if data is None:
        return ""
    if isinstance(data, str):
        data = base64.b64decode(data)
    if data.startswith(_UTF16_BOM):
        text = data[2:].decode("utf-16-le", errors="replace")
    elif data.startswith(_UTF8_BOM):
        text = data[3:].decode("utf-8", errors="replace")
    elif _looks_utf16le(data):
        text = data[: len(data) - len(data) % 2].decode("utf-16-le", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _looks_utf16le(data):
    odd = data[1::2]
    if len(data) < 2 or not odd:
        return False
    return odd.count(0) * 2 >= len(odd)


# A version is dotted digits with an optional build suffix: 2.0.14.0, 5.15.133.1-1,
# 1.611.1-81528511, 10.0.22631.2861. Labels may contain digits ("Direct3D") but never a dot-number.
_VERSION_RE = re.compile(r"(\d+(?:\.\d+)+(?:-[0-9A-Za-z.]+)?)")
_VERSION_FIELDS = ("wsl", "kernel", "wslg", "msrdc", "direct3d", "dxcore", "windows")


def parse_wsl_version(text):
    """Parse `wsl --version` by line position.

    Returns a dict with the fields of _VERSION_FIELDS that the output had, or None when the output
    is not a version listing (inbox WSL answers "Invalid command line option: --version").
    """
    values = []
    for line in text.splitlines():
        if not line.strip():
            continue
        found = _VERSION_RE.findall(line)
        values.append(found[-1] if found else None)
    if len(values) < 2 or values[0] is None or values[1] is None:
        return None
    result = {}
    if len(values) == len(_VERSION_FIELDS):
        result.update(zip(_VERSION_FIELDS, values))
    else:
        # Future releases may add lines; the first two and the last keep their meaning.
        result.update(wsl=values[0], kernel=values[1], windows=values[-1])
    return result


# States are hard-coded English in wsl.exe (reference 5.1), so they anchor the row regex.
_LIST_ROW_RE = re.compile(
    r"^(?P<default>[* ])\s*(?P<name>\S+)\s+"
    r"(?P<state>Running|Stopped|Installing|Uninstalling|Converting|Exporting)\s+"
    r"(?P<version>\d+)\s*$"
)


def parse_wsl_list_verbose(text):
    """Parse `wsl -l -v` into [{name, state, version, default}], default distro marked by '*'."""
    distros = []
    for line in text.splitlines():
        match = _LIST_ROW_RE.match(line)
        if match:
            distros.append({
                "name": match.group("name"),
                "state": match.group("state").lower(),
                "version": int(match.group("version")),
                "default": match.group("default") == "*",
            })
    return distros


def parse_wsl_list_quiet(text):
    """Parse `wsl -l -q [--running]`: one distro name per line, nothing when there are none."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_hostname_i(text):
    """First IPv4 address of `hostname -I` output (it may list several, reference 4.5)."""
    for token in text.split():
        if re.match(r"^\d{1,3}(?:\.\d{1,3}){3}$", token):
            return token
    return None


# --------------------------------------------------------------------------------------------
# Registry

def parse_portproxy_registry(values_by_family):
    """Turn PortProxy registry values into rules.

    Input: {family: {"<listenaddress>/<listenport>": "<connectaddress>/<connectport>"}} as read
    from HKLM\\SYSTEM\\CurrentControlSet\\Services\\PortProxy\\<family>\\tcp (reference 4.3).
    IPv6 addresses hold ':' but never '/', so the last '/' splits address from port.
    """
    rules = []
    for family in sorted(values_by_family or {}):
        values = values_by_family[family] or {}
        for name in sorted(values):
            data = values[name]
            if "/" not in name or not isinstance(data, str) or "/" not in data:
                raise ParseError(
                    "portproxy registry value %s\\tcp\\%s=%r is not '<address>/<port>'" % (family, name, data))
            listen_address, listen_port = name.rsplit("/", 1)
            connect_address, connect_port = data.rsplit("/", 1)
            rules.append({
                "family": family,
                "listen_address": listen_address.lower(),
                "listen_port": _port(listen_port),
                "connect_address": connect_address.lower(),
                "connect_port": _port(connect_port),
            })
    return rules


def _port(text):
    # netsh also accepts service names; keep them as text so they never compare equal to a number.
    return int(text) if text.isdigit() else text


def parse_windows_build(values):
    """{'CurrentBuild': '22631', 'UBR': 2861, 'DisplayVersion': '23H2', ...} -> normalised dict."""
    values = values or {}
    build = values.get("CurrentBuild") or values.get("CurrentBuildNumber")
    ubr = values.get("UBR")
    if build is None or not str(build).isdigit():
        raise ParseError("Windows build number missing from the registry read: %r" % (values,))
    return {
        "build": int(build),
        "ubr": int(ubr) if ubr is not None and str(ubr).isdigit() else None,
        "display_version": values.get("DisplayVersion"),
        "product_name": values.get("ProductName"),
        "edition": values.get("EditionID"),
    }


_POLICY_BOOLS = {
    "AllowWSL": "allow_wsl",
    "AllowWSL1": "allow_wsl1",
    "AllowNetworkingModeUserSetting": "allow_networking_mode_user_setting",
    "AllowFirewallUserSetting": "allow_firewall_user_setting",
    "AllowKernelUserSetting": "allow_kernel_user_setting",
    "AllowKernelCommandLineUserSetting": "allow_kernel_command_line_user_setting",
    "AllowNestedVirtualization": "allow_nested_virtualization",
    "AllowDebugShell": "allow_debug_shell",
}


def parse_wsl_policies(values):
    """Software\\Policies\\WSL DWORDs (reference 1.8) -> snake_case facts; unset policies are None."""
    values = values or {}
    result = {"raw": dict(values)}
    for name, key in _POLICY_BOOLS.items():
        value = values.get(name)
        result[key] = None if value is None else bool(int(value))
    mode = values.get("DefaultNetworkingMode")
    # An unknown number (2 = bridged is rejected as a default by WSL) is kept as its text.
    result["default_networking_mode"] = None if mode is None else DEFAULT_NETWORKING_MODE_VALUES.get(int(mode), str(mode))
    return result


# --------------------------------------------------------------------------------------------
# Hyper-V firewall cmdlet objects
#
# CIM enum properties arrive either as names ("Inbound") or as the numbers WMI stores. Inbound=1
# and Allow=2 are confirmed from WSL source; the other numbers follow the documented values of the
# analogous MSFT_NetFirewallRule / MSFT_NetFirewallProfile classes (reference 3.4). A number we do
# not know is an error, never a guess.

_ENUMS = {
    "direction": {"inbound": "inbound", "outbound": "outbound", "1": "inbound", "2": "outbound"},
    "action": {"notconfigured": "notconfigured", "allow": "allow", "block": "block",
               "0": "notconfigured", "2": "allow", "4": "block"},
    # Rules: Enabled is {True=1, False=2}.
    "rule_enabled": {"true": True, "false": False, "1": True, "2": False},
    # VM settings use GpoBoolean {False=0, True=1, NotConfigured=2}.
    "gpo_boolean": {"true": True, "false": False, "notconfigured": "notconfigured",
                    "0": False, "1": True, "2": "notconfigured"},
}


def normalize_enum(kind, value, field=None):
    """Normalise one enum value of kind (direction/action/rule_enabled/gpo_boolean)."""
    if isinstance(value, dict) and "String" in value:
        # win_powershell's form of an enum a script did not cast: {Type, String, Value}.
        value = value["String"]
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        raise ParseError("%s is missing in the cmdlet output" % (field or kind))
    else:
        text = str(value).strip().lower()
    table = _ENUMS[kind]
    if text not in table:
        raise ParseError("%s has value %r, which is not a known %s value (known: %s)" % (
            field or kind, value, kind, ", ".join(sorted(k for k in table if not k.isdigit()))))
    return table[text]


def normalize_list(value):
    """LocalPorts/RemoteAddresses: a scalar, a list, or 'Any' -> sorted lower-case list ([] = any)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part and part.lower() != "any":
                out.append(part.lower())
    return sorted(set(out))


def canonical_address(text):
    """One firewall address item in the form Windows and we both compare: a subnet by prefix length
    (the firewall reads `a.b.c.d/24` back as `a.b.c.d/255.255.255.0`), a single host without /32 or
    /128, a range with both ends canonical, IPv6 compressed. Keywords (LocalSubnet, ...) and
    anything else unparsable stay as lower-case text."""
    text = str(text).strip().lower()
    try:
        if "-" in text:
            return "-".join(str(ipaddress.ip_address(part.strip())) for part in text.split("-", 1))
        interface = ipaddress.ip_interface(text)
    except ValueError:
        return text
    if interface.network.prefixlen == interface.max_prefixlen:
        return str(interface.ip)
    return interface.with_prefixlen


def normalize_addresses(value):
    """LocalAddresses/RemoteAddresses -> sorted canonical list ([] = any)."""
    return sorted(set(canonical_address(item) for item in normalize_list(value)))


def normalize_creator_id(value):
    if value is None or str(value).strip().lower() in ("", "any"):
        return None
    text = str(value).strip().strip("{}").upper()
    return "{%s}" % text


def normalize_protocol(value):
    if value is None:
        return "any"
    text = str(value).strip()
    aliases = {"6": "tcp", "17": "udp", "1": "icmpv4", "58": "icmpv6"}
    return aliases.get(text, text.lower())


def normalize_hyperv_rule(obj):
    """A Get-NetFirewallHyperVRule object (as our read script returns it) -> comparable dict."""
    if not isinstance(obj, dict) or not obj.get("Name"):
        raise ParseError("Hyper-V firewall rule object without a Name: %r" % (obj,))
    name = obj["Name"]
    return {
        "name": name,
        "display_name": obj.get("DisplayName") or name,
        "direction": normalize_enum("direction", obj.get("Direction"), "%s.Direction" % name),
        "action": normalize_enum("action", obj.get("Action"), "%s.Action" % name),
        "enabled": normalize_enum("rule_enabled", obj.get("Enabled"), "%s.Enabled" % name),
        "protocol": normalize_protocol(obj.get("Protocol")),
        "local_ports": normalize_list(obj.get("LocalPorts")),
        "remote_ports": normalize_list(obj.get("RemotePorts")),
        "local_addresses": normalize_addresses(obj.get("LocalAddresses")),
        "remote_addresses": normalize_addresses(obj.get("RemoteAddresses")),
        "vm_creator_id": normalize_creator_id(obj.get("VMCreatorId")),
        "enforcement_status": obj.get("EnforcementStatus"),
    }


_VM_SETTING_FIELDS = {
    "Enabled": ("enabled", "gpo_boolean"),
    "DefaultInboundAction": ("default_inbound_action", "action"),
    "DefaultOutboundAction": ("default_outbound_action", "action"),
    "LoopbackEnabled": ("loopback_enabled", "gpo_boolean"),
    "AllowHostPolicyMerge": ("allow_host_policy_merge", "gpo_boolean"),
}


def normalize_vm_setting(obj):
    """A Get-NetFirewallHyperVVMSetting object -> {enabled, default_inbound_action, ...}.

    Missing objects (a creator nobody configured) read as all 'notconfigured'.
    """
    obj = obj or {}
    result = {"name": normalize_creator_id(obj.get("Name")) or WSL_VM_CREATOR_ID}
    for prop, (key, kind) in _VM_SETTING_FIELDS.items():
        value = obj.get(prop)
        result[key] = "notconfigured" if value is None else normalize_enum(kind, value, prop)
    return result
