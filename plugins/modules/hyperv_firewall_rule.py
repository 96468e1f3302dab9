# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the work is done by the action plugin of the same name on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: hyperv_firewall_rule
short_description: Manage a set of Hyper-V firewall rules for WSL
description:
  - Declares Hyper-V firewall rules (C(New-/Set-/Remove-NetFirewallHyperVRule)) whose locale-independent
    C(Name) is O(prefix) followed by O(rules[].name).
  - O(purge) removes only rules whose name starts with O(prefix) and that are not listed; rules WSL creates
    itself (C(WslCore...)) and rules of others are never touched. Every removal names its rule.
  - Enum values read back as names or numbers are normalised before comparing.
  - Needs Windows 11 22H2 (22621.2428) or later and an elevated session.
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
options:
  rules:
    description: The rules to manage.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The rule id after O(prefix). Letters, digits, C(.), C(_) and C(-).
        type: str
        required: true
      display_name:
        description: The display name. Defaults to the full rule name.
        type: str
      direction:
        description: Traffic direction.
        type: str
        default: inbound
        choices: [inbound, outbound]
      action:
        description: What the rule does.
        type: str
        default: allow
        choices: [allow, block]
      protocol:
        description: C(tcp), C(udp), C(icmpv4), C(icmpv6), C(any) or a protocol number 0-255.
        type: str
        default: tcp
      local_ports:
        description: Ports (C(8080)) or ranges (C(8000-8010)) in the guest. Empty means any. Needs tcp or udp.
        type: list
        elements: str
        default: []
      remote_addresses:
        description: Addresses, subnets (C(192.168.1.0/24)) or ranges (C(10.0.0.1-10.0.0.9)). Empty means any.
        type: list
        elements: str
        default: []
      enabled:
        description: Whether the rule is enabled.
        type: bool
        default: true
  prefix:
    description: The managed name prefix. May not start with C(WslCore).
    type: str
    default: wslfleet-
  state:
    description: V(present) makes the listed rules exist as declared; V(absent) removes them.
    type: str
    default: present
    choices: [present, absent]
  purge:
    description: With O(state=present), remove rules under O(prefix) that are not listed.
    type: bool
    default: false
  vm_creator_id:
    description: The VM creator the rules apply to.
    type: str
    default: "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"
extends_documentation_fragment:
  - wslfleet.networking._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - In mirrored mode LAN clients reach WSL listeners only when a Hyper-V rule allows them.
seealso:
  - module: wslfleet.networking.hyperv_firewall
"""

EXAMPLES = r"""
- name: Let the office LAN reach a dev server in WSL, and nothing else of ours
  wslfleet.networking.hyperv_firewall_rule:
    rules:
      - name: devserver
        local_ports: ["8000-8010"]
        remote_addresses: [192.168.10.0/24]
    purge: true
"""

RETURN = r"""
rules:
  description: The managed rules after the task, normalised.
  returned: always
  type: list
  elements: dict
created:
  description: Names of rules created.
  returned: always
  type: list
  elements: str
  sample: [wslfleet-devserver]
updated:
  description: Names of rules changed.
  returned: always
  type: list
  elements: str
removed:
  description: Names of rules removed.
  returned: always
  type: list
  elements: str
"""
