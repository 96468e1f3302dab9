# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the work is done by the action plugin of the same name on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: hyperv_firewall
short_description: Manage the Hyper-V firewall VM settings of WSL
description:
  - Sets the Hyper-V firewall settings for one VM creator, by default WSL's
    C({40E0AC32-46A5-438A-A0B2-2B479E8F2E90}), through C(Get-/Set-/New-NetFirewallHyperVVMSetting).
  - Compares against the persistent (configured) store after normalising enum names and numbers, changes
    only the settings given, and returns the effective (active store) settings.
  - Needs Windows 11 22H2 (22621.2428) or later and an elevated session; on older hosts it fails with a
    message that names the fix.
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
options:
  vm_creator_id:
    description: The VM creator id. Passed to PowerShell as a quoted string, never as a script block.
    type: str
    default: "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"
  enabled:
    description: Whether the Hyper-V firewall filters this VM's traffic. V(true), V(false) or V(notconfigured).
    type: raw
  default_inbound_action:
    description: The action for inbound traffic no rule matches.
    type: str
    choices: [allow, block, notconfigured]
  default_outbound_action:
    description: The action for outbound traffic no rule matches.
    type: str
    choices: [allow, block, notconfigured]
  loopback_enabled:
    description: Whether host and guest may talk over loopback. V(true), V(false) or V(notconfigured).
    type: raw
  allow_host_policy_merge:
    description: Whether host firewall settings and plain 5-tuple host rules apply too. V(true), V(false) or V(notconfigured).
    type: raw
extends_documentation_fragment:
  - wslfleet.networking._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
seealso:
  - module: wslfleet.networking.hyperv_firewall_rule
"""

EXAMPLES = r"""
- name: Block unsolicited inbound traffic to WSL, allow outbound, keep host-guest loopback
  wslfleet.networking.hyperv_firewall:
    enabled: true
    default_inbound_action: block
    default_outbound_action: allow
    loopback_enabled: true
"""

RETURN = r"""
vm_creator_id:
  description: The VM creator id, braced and upper case.
  returned: always
  type: str
  sample: "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"
settings:
  description: The configured settings after the task (persistent store), normalised.
  returned: always
  type: dict
  sample: {enabled: true, default_inbound_action: block, default_outbound_action: allow, loopback_enabled: true,
           allow_host_policy_merge: notconfigured}
effective:
  description: The effective settings (active store), or null when the host returns none.
  returned: always
  type: dict
changes:
  description: The cmdlet parameters that were (or in check mode would be) set.
  returned: always
  type: dict
  sample: {DefaultInboundAction: Block}
"""
