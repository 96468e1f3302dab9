# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the work is done by the action plugin of the same name on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: portproxy
short_description: Manage the set of netsh interface portproxy rules on a Windows host
description:
  - Declares C(netsh interface portproxy) rules on a Windows host that runs WSL in NAT mode, so that
    clients reach services of the WSL guest through a port of the host.
  - Reads the current rules from the registry
    (C(HKLM\\SYSTEM\\CurrentControlSet\\Services\\PortProxy\\<family>\\tcp)), which does not depend on
    the display language, and changes only what differs, with C(netsh) and one argument per parameter.
  - Rules are keyed by O(rules[].family), O(rules[].listen_address) and O(rules[].listen_port).
  - Makes sure the IP Helper service (C(iphlpsvc)), which owns the listeners, runs and is not disabled.
  - O(rules[].connect_address=wsl) resolves the guest's current NAT address at run time and installs a
    scheduled task, owned by this module, that keeps those rules pointing at the guest after its address
    changes at the next start of WSL. The task runs as the WSL user at logon and every
    O(resync_interval) minutes, and only acts while the distribution already runs.
  - Changes run as an asynchronous job that is polled and survives a dropped connection.
  - Needs an elevated session for changes. In mirrored networking mode portproxy is not needed.
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
options:
  rules:
    description:
      - The rules to manage.
    type: list
    elements: dict
    default: []
    suboptions:
      listen_port:
        description: The port on the Windows host that clients connect to.
        type: int
        required: true
      listen_address:
        description:
          - The host address to listen on. Defaults to C(127.0.0.1) (C(::1) for v6 families), so nothing is
            exposed to the network.
          - C(0.0.0.0), C(::) and C(*) listen on every interface and need O(allow_lan_exposure=true).
        type: str
      connect_address:
        description:
          - The address traffic is forwarded to, as an IP literal, or C(wsl) for the current NAT address of
            the WSL guest (O(distribution)). C(wsl) needs family C(v4tov4) or C(v6tov4).
        type: str
        required: true
      connect_port:
        description: The port traffic is forwarded to. Defaults to O(rules[].listen_port).
        type: int
      family:
        description: The address families of the listen and the connect side.
        type: str
        default: v4tov4
        choices: [v4tov4, v4tov6, v6tov4, v6tov6]
  state:
    description:
      - V(present) makes the listed rules exist as declared.
      - V(absent) removes the listed rules (matched by family, listen address and port).
    type: str
    default: present
    choices: [present, absent]
  purge:
    description: With O(state=present), remove every portproxy rule on the host that is not listed.
    type: bool
    default: false
  allow_lan_exposure:
    description: Allow rules that listen on every interface. Such rules are listed in RV(lan_exposed) and warned about.
    type: bool
    default: false
  distribution:
    description: The distribution whose address C(wsl) means. Defaults to the user's default distribution.
    type: str
  resync:
    description: Install the re-sync scheduled task for rules with O(rules[].connect_address=wsl).
    type: bool
    default: true
  resync_interval:
    description: Minutes between runs of the re-sync task after logon.
    type: int
    default: 5
  wsl_user:
    description:
      - The Windows account whose WSL the rules target. The task fails when it runs as another account,
        because distributions are registered per user.
    type: str
extends_documentation_fragment:
  - wslfleet.networking._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - Resolving O(rules[].connect_address=wsl) starts the distribution when it is stopped.
  - LAN clients also need a Windows firewall rule for the listen port; this module does not open it.
  - The task refuses a O(rules[].listen_port) that equals the port Ansible connects through.
seealso:
  - module: wslfleet.networking.wsl_info
  - module: wslfleet.networking.hyperv_firewall_rule
"""

EXAMPLES = r"""
- name: Forward localhost:8080 on the laptop to port 80 of the default WSL distribution
  wslfleet.networking.portproxy:
    rules:
      - listen_port: 8080
        connect_address: wsl
        connect_port: 80

- name: Expose SSH of the guest to the LAN on port 2222 and drop every other rule
  wslfleet.networking.portproxy:
    rules:
      - listen_address: 0.0.0.0
        listen_port: 2222
        connect_address: wsl
        connect_port: 22
    allow_lan_exposure: true
    purge: true

- name: Remove a rule
  wslfleet.networking.portproxy:
    rules:
      - listen_port: 8080
        connect_address: wsl
    state: absent
"""

RETURN = r"""
rules:
  description: The portproxy rules on the host after the task.
  returned: always
  type: list
  elements: dict
  sample:
    - {family: v4tov4, listen_address: 127.0.0.1, listen_port: 8080, connect_address: 172.28.1.5, connect_port: 80}
added:
  description: Rules created, as C(family listen -> connect) lines.
  returned: always
  type: list
  elements: str
  sample: ["v4tov4 127.0.0.1:8080 -> 172.28.1.5:80"]
updated:
  description: Rules whose connect side changed.
  returned: always
  type: list
  elements: str
removed:
  description: Rules deleted.
  returned: always
  type: list
  elements: str
lan_exposed:
  description: Rules that listen on every interface.
  returned: always
  type: list
  elements: str
  sample: ["v4tov4 0.0.0.0:2222"]
guest_address:
  description: The NAT address C(wsl) resolved to, when a rule used it.
  returned: always
  type: str
  sample: 172.28.1.5
distribution:
  description: The distribution whose address was used.
  returned: always
  type: str
iphlpsvc_started:
  description: Whether the IP Helper service had to be started or enabled.
  returned: always
  type: bool
unknown:
  description:
    - What could not be compared, each with the reason. In check mode the guest's NAT address of
      C(connect_address=wsl) rules is not read (that needs C(wsl --exec), which may boot the distribution
      and the VM); an existing rule keeps its connect address and is not reported as changed.
  returned: always
  type: list
  elements: str
resync_task:
  description:
    - The state of the re-sync scheduled task.
    - C(last_result) is the verdict its last run wrote (C(ok), C(time), C(action), C(address), C(errors)),
      null before the first run. A failed last run sets C(problem), counts as a change (drift in check
      mode) and reinstalls the task.
  returned: always
  type: dict
  sample: {state: present, name: wslfleet-portproxy-sync, distribution: Ubuntu, interval_minutes: 5,
           last_result: {ok: true, time: "2026-12-02T09:15:00.0000000Z", action: 1 rule(s) re-pointed,
                         address: 172.28.176.5, errors: []}}
"""
