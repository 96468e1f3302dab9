# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hyperv_firewall_rule: a declarative set of Hyper-V firewall rules under a managed name prefix."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import (
    WindowsAction,
    run_network_change,
    run_powershell,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import WSL_VM_CREATOR_ID
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_parsers import (
    normalize_addresses,
    normalize_creator_id,
    normalize_hyperv_rule,
    normalize_list,
    normalize_protocol,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import (
    HYPERV_RULE_APPLY_PS1,
    HYPERV_RULE_READ_PS1,
)

RULE_SPEC = dict(
    name=dict(type="str", required=True),
    display_name=dict(type="str"),
    direction=dict(type="str", default="inbound", choices=["inbound", "outbound"]),
    action=dict(type="str", default="allow", choices=["allow", "block"]),
    protocol=dict(type="str", default="tcp"),
    local_ports=dict(type="list", elements="str", default=[]),
    remote_addresses=dict(type="list", elements="str", default=[]),
    enabled=dict(type="bool", default=True),
)

ARGUMENT_SPEC = dict(
    rules=dict(type="list", elements="dict", default=[], options=RULE_SPEC),
    prefix=dict(type="str", default="wslfleet-"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    purge=dict(type="bool", default=False),
    vm_creator_id=dict(type="str", default=WSL_VM_CREATOR_ID),
)

COMPARED = ("display_name", "direction", "action", "enabled", "protocol", "local_ports", "remote_addresses",
            "vm_creator_id")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PORT_RE = re.compile(r"^(\d+)(?:-(\d+))?$")
_PROTOCOLS = ("tcp", "udp", "icmpv4", "icmpv6", "any")


def _ports(values, where, protocol):
    out = []
    for value in values:
        match = _PORT_RE.match(str(value).strip())
        if not match:
            raise AnsibleActionFail("%s.local_ports item %r is not a port or a range like 8000-8010" % (where, value))
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not 1 <= low <= high <= 65535:
            raise AnsibleActionFail("%s.local_ports item %r must lie within 1-65535, low end first" % (where, value))
        out.append("%d" % low if low == high else "%d-%d" % (low, high))
    if out and protocol not in ("tcp", "udp"):
        raise AnsibleActionFail("%s.local_ports needs protocol tcp or udp, not %s" % (where, protocol))
    return normalize_list(out)


def _addresses(values, where):
    out = []
    for value in values:
        text = str(value).strip()
        try:
            if "-" in text:
                low, high = (ipaddress.ip_address(p.strip()) for p in text.split("-", 1))
                if low.version != high.version or low > high:
                    raise ValueError(text)
            else:
                ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise AnsibleActionFail("%s.remote_addresses item %r is not an address, a subnet (1.2.3.0/24) or a "
                                    "range (1.2.3.4-1.2.3.7)" % (where, value))
        out.append(text)
    return normalize_addresses(out)


def normalize_desired(rules, prefix, creator):
    seen = set()
    out = []
    for index, rule in enumerate(rules):
        where = "rules[%d]" % index
        if not _NAME_RE.match(rule["name"]):
            raise AnsibleActionFail("%s.name %r may hold letters, digits, '.', '_' and '-' only" % (where, rule["name"]))
        name = prefix + rule["name"]
        if name.lower() in seen:
            raise AnsibleActionFail("%s.name %r appears twice" % (where, rule["name"]))
        seen.add(name.lower())
        protocol = normalize_protocol(rule["protocol"])
        if protocol not in _PROTOCOLS and not (protocol.isdigit() and 0 <= int(protocol) <= 255):
            raise AnsibleActionFail("%s.protocol %r must be tcp, udp, icmpv4, icmpv6, any or a number 0-255"
                                    % (where, rule["protocol"]))
        out.append({
            "name": name,
            "display_name": rule.get("display_name") or name,
            "direction": rule["direction"],
            "action": rule["action"],
            "enabled": rule["enabled"],
            "protocol": protocol,
            "local_ports": _ports(rule["local_ports"], where, protocol),
            "remote_addresses": _addresses(rule["remote_addresses"], where),
            "vm_creator_id": creator,
        })
    return out


def cmdlet_properties(rule):
    """Normalised rule -> New-/Set-NetFirewallHyperVRule parameters (enums as strings, 'Any' for empty)."""
    return {
        "DisplayName": rule["display_name"],
        "Direction": rule["direction"].capitalize(),
        "Action": rule["action"].capitalize(),
        "Enabled": "True" if rule["enabled"] else "False",
        "Protocol": {"tcp": "TCP", "udp": "UDP", "icmpv4": "ICMPv4", "icmpv6": "ICMPv6", "any": "Any"}.get(
            rule["protocol"], rule["protocol"]),
        "LocalPorts": rule["local_ports"] or ["Any"],
        "RemoteAddresses": rule["remote_addresses"] or ["Any"],
        "VMCreatorId": rule["vm_creator_id"],
    }


def plan(current, desired, state, purge, prefix):
    """Changes for New-/Set-/Remove-NetFirewallHyperVRule. Every change names its rule."""
    by_name = dict((r["name"].lower(), r) for r in current if r["name"].lower().startswith(prefix.lower()))
    changes = []
    if state == "absent":
        for rule in desired:
            have = by_name.get(rule["name"].lower())
            if have:
                changes.append({"op": "remove", "name": have["name"]})
        return changes
    wanted = set()
    for rule in desired:
        wanted.add(rule["name"].lower())
        have = by_name.get(rule["name"].lower())
        if have is None:
            changes.append({"op": "new", "name": rule["name"], "properties": cmdlet_properties(rule)})
        elif any(have[k] != rule[k] for k in COMPARED):
            changes.append({"op": "set", "name": have["name"], "properties": cmdlet_properties(rule)})
    if purge:
        for key in sorted(by_name):
            if key not in wanted:
                changes.append({"op": "remove", "name": by_name[key]["name"]})
    for change in changes:
        if not change.get("name"):
            raise AnsibleActionFail("internal error: a Hyper-V rule change without a name: %r" % (change,))
    return changes


def _line(rule):
    return "%s: %s %s %s ports=%s remote=%s enabled=%s" % (
        rule["name"], rule["direction"], rule["action"], rule["protocol"], ",".join(rule["local_ports"]) or "any",
        ",".join(rule["remote_addresses"]) or "any", rule["enabled"])


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result, args = self.start(tmp, task_vars, ARGUMENT_SPEC)
        prefix = args["prefix"]
        if not prefix or not _NAME_RE.match(prefix):
            raise AnsibleActionFail("prefix %r must be non-empty and hold letters, digits, '.', '_' and '-' only; "
                                    "it is what keeps purge away from rules we do not own" % prefix)
        if prefix.lower().startswith("wslcore"):
            raise AnsibleActionFail("prefix %r would claim the rules WSL creates itself (WslCore...)" % prefix)
        if args["purge"] and args["state"] == "absent":
            raise AnsibleActionFail("purge applies to state=present only; state=absent removes the listed rules")
        creator = normalize_creator_id(args["vm_creator_id"])
        desired = normalize_desired(args["rules"], prefix, creator)

        read = run_powershell(self, HYPERV_RULE_READ_PS1, {"Prefix": prefix}, task_vars,
                              "reading Hyper-V firewall rules")
        current = [normalize_hyperv_rule(r) for r in (read or {}).get("rules") or []]
        changes = plan(current, desired, args["state"], args["purge"], prefix)

        after = dict((r["name"].lower(), r) for r in current)
        for change in changes:
            if change["op"] == "remove":
                after.pop(change["name"].lower(), None)
        for rule in desired:
            if args["state"] == "present":
                after[rule["name"].lower()] = dict(after.get(rule["name"].lower(), {}), **rule)
        after_rules = [after[k] for k in sorted(after)]

        result.update(
            changed=bool(changes),
            rules=after_rules,
            created=[c["name"] for c in changes if c["op"] == "new"],
            updated=[c["name"] for c in changes if c["op"] == "set"],
            removed=[c["name"] for c in changes if c["op"] == "remove"],
        )
        if self._task.diff and changes:
            result["diff"] = {
                "before": "".join(_line(r) + "\n" for r in sorted(current, key=lambda r: r["name"].lower())),
                "after": "".join(_line(r) + "\n" for r in after_rules),
            }
        if changes and not self._task.check_mode:
            run_network_change(self, HYPERV_RULE_APPLY_PS1, {"Changes": changes}, task_vars,
                               "changing Hyper-V firewall rules")
        return result
