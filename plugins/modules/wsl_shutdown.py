# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the work is done by the action plugin of the same name on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: wsl_shutdown
short_description: Stop a WSL distribution or the whole WSL VM and wait until it is stopped
description:
  - With O(distribution), runs C(wsl --terminate <distribution>) (enough after a C(wsl.conf) change);
    without it, runs C(wsl --shutdown) (needed after a C(.wslconfig) change).
  - Then polls C(wsl --list --quiet --running) until the target no longer runs, up to O(timeout) seconds;
    no fixed sleeps.
  - With O(only_if_idle), a target that is in use is left running and RV(restart_pending) is returned.
  - Nothing is done (and nothing reported changed) when the target does not run.
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
options:
  distribution:
    description: The distribution to terminate. Omit to stop every distribution and the VM.
    type: str
  only_if_idle:
    description:
      - Skip when a target distribution is in use, that is when any of its processes has a terminal on
        standard input (an open shell, editor or remote terminal).
    type: bool
    default: false
  force:
    description: Use C(wsl --shutdown --force), which stops even during an operation and can lose data.
    type: bool
    default: false
  timeout:
    description: Seconds to wait until the target is stopped.
    type: int
    default: 60
  wsl_user:
    description: The Windows account whose WSL is meant; the task fails when it runs as another account.
    type: str
extends_documentation_fragment:
  - wslfleet.networking._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - When no distribution runs, the VM stops by itself after C(wsl2.vmIdleTimeout) and the task changes nothing.
seealso:
  - module: wslfleet.networking.wsl_info
"""

EXAMPLES = r"""
- name: Apply a changed .wslconfig, but not while the developer works in WSL
  wslfleet.networking.wsl_shutdown:
    only_if_idle: true
  register: wsl_restart

- name: Terminate one distribution after a wsl.conf change
  wslfleet.networking.wsl_shutdown:
    distribution: Ubuntu-24.04
"""

RETURN = r"""
stopped:
  description: Whether the target is stopped after the task.
  returned: always
  type: bool
restart_pending:
  description: True when O(only_if_idle) left a busy target running.
  returned: always
  type: bool
busy:
  description: Distributions found in use.
  returned: always
  type: list
  elements: str
scope:
  description: C(distribution) or C(vm).
  returned: always
  type: str
running_before:
  description: Distributions running before the task.
  returned: always
  type: list
  elements: str
running_after:
  description: Distributions running after the stop.
  returned: when something was stopped
  type: list
  elements: str
waited_seconds:
  description: Seconds spent waiting for the stop.
  returned: when something was stopped
  type: float
"""
