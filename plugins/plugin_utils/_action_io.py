# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side I/O for action plugins: run a module or another action and get its result.

Failures become ``AnsibleActionFail`` with the module's own message, so every caller reports a
failed read the same way and nothing after it (a write) runs.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail


def run_module(action, name, args, task_vars, what):
    """Execute module ``name`` on the target through ``action``; fail with ``what`` in the message."""
    result = action._execute_module(module_name=name, module_args=args, task_vars=task_vars)
    if result.get("failed"):
        raise AnsibleActionFail("%s failed (%s): %s" % (what, name, result.get("msg", "no message")), result=result)
    return result


def load_action(action, name, args, **task_overrides):
    """Another action plugin, set up to run as part of ``action``'s task with ``args``."""
    task = action._task.copy()
    task.args = args
    for attribute, value in task_overrides.items():
        setattr(task, attribute, value)
    return action._shared_loader_obj.action_loader.get(
        name, task=task, connection=action._connection, play_context=action._play_context,
        loader=action._loader, templar=action._templar, shared_loader_obj=action._shared_loader_obj)


def run_action(action, name, args, task_vars, what):
    """Run another action plugin (e.g. a copy that transfers a local file) as part of this task."""
    # The calling plugin computes its own diff; the inner action need not read files again for one.
    inner = load_action(action, name, args, diff=False)
    if inner is None:
        raise AnsibleActionFail("%s: action %s is not available (is its collection installed?)" % (what, name))
    result = inner.run(task_vars=task_vars)
    if result.get("failed"):
        raise AnsibleActionFail("%s failed (%s): %s" % (what, name, result.get("msg", "no message")), result=result)
    return result
