# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hyperv_firewall: Hyper-V firewall VM settings for the WSL VM creator."""

from __future__ import annotations

import re

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import (
    WindowsAction,
    run_network_change,
    run_powershell,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import WSL_VM_CREATOR_ID
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_parsers import (
    normalize_creator_id,
    normalize_vm_setting,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import (
    HYPERV_VM_SETTING_APPLY_PS1,
    HYPERV_VM_SETTING_READ_PS1,
)

ACTIONS = ["allow", "block", "notconfigured"]

ARGUMENT_SPEC = dict(
    vm_creator_id=dict(type="str", default=WSL_VM_CREATOR_ID),
    enabled=dict(type="raw"),
    default_inbound_action=dict(type="str", choices=ACTIONS),
    default_outbound_action=dict(type="str", choices=ACTIONS),
    loopback_enabled=dict(type="raw"),
    allow_host_policy_merge=dict(type="raw"),
)

# option -> (cmdlet parameter, kind)
SETTINGS = (
    ("enabled", "Enabled", "tristate"),
    ("default_inbound_action", "DefaultInboundAction", "action"),
    ("default_outbound_action", "DefaultOutboundAction", "action"),
    ("loopback_enabled", "LoopbackEnabled", "tristate"),
    ("allow_host_policy_merge", "AllowHostPolicyMerge", "tristate"),
)

_GUID_RE = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")


def tristate(option, value):
    """true/false (any Ansible boolean spelling) or 'notconfigured'."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "notconfigured":
        return "notconfigured"
    if text in BOOLEANS_TRUE:
        return True
    if text in BOOLEANS_FALSE:
        return False
    raise AnsibleActionFail("%s must be true, false or notconfigured, got %r" % (option, value))


def to_cmdlet(kind, value):
    """Normalised value -> the enum spelling the cmdlet takes ('True', not $true; reference 3.3)."""
    if kind == "tristate":
        return {True: "True", False: "False", "notconfigured": "NotConfigured"}[value]
    return {"allow": "Allow", "block": "Block", "notconfigured": "NotConfigured"}[value]


def desired_settings(args):
    wanted = {}
    for option, dummy, kind in SETTINGS:
        value = args.get(option)
        if value is None:
            continue
        wanted[option] = tristate(option, value) if kind == "tristate" else value
    return wanted


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result, args = self.start(tmp, task_vars, ARGUMENT_SPEC)
        if not _GUID_RE.match(args["vm_creator_id"]):
            raise AnsibleActionFail("vm_creator_id %r is not a GUID like %s" % (args["vm_creator_id"], WSL_VM_CREATOR_ID))
        # Always a braced, quoted string: unquoted {...} is a PowerShell script block (reference 3.1).
        creator = normalize_creator_id(args["vm_creator_id"])
        wanted = desired_settings(args)

        read = run_powershell(self, HYPERV_VM_SETTING_READ_PS1, {"Name": creator}, task_vars,
                              "reading Hyper-V firewall VM settings")
        exists = bool(read.get("persistent"))
        before = normalize_vm_setting(read.get("persistent") or {"Name": creator})
        effective = normalize_vm_setting(read["active"]) if read.get("active") else None
        after = dict(before, **wanted)
        changes = dict((param, to_cmdlet(kind, wanted[option])) for option, param, kind in SETTINGS
                       if option in wanted and before[option] != wanted[option])

        result.update(changed=bool(changes), vm_creator_id=creator, settings=after, effective=effective,
                      changes=changes)
        if self._task.diff and changes:
            result["diff"] = {"before": before, "after": after}
        if changes and not self._task.check_mode:
            run_network_change(self, HYPERV_VM_SETTING_APPLY_PS1, {
                "Name": creator, "Exists": exists, "Settings": changes,
            }, task_vars, "changing Hyper-V firewall VM settings")
            # The active store is what WSL enforces; read it back so the result shows the effect.
            again = run_powershell(self, HYPERV_VM_SETTING_READ_PS1, {"Name": creator}, task_vars,
                                   "reading Hyper-V firewall VM settings")
            result["effective"] = normalize_vm_setting(again["active"]) if again.get("active") else None
        return result
