# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ansible-core test entry points the unit tests use that only exist from 2.19 on, with
what the same test needs on 2.16-2.18 (the oldest leg of `make matrix`). Everything else the tests
use is the same API on every ansible-core from 2.16 to 2.21.

Facts the fallbacks rest on (ansible-core 2.16 source):
* `ansible.module_utils.basic._load_params` reads the module's arguments from the module global
  `_ANSIBLE_ARGS` (JSON bytes of `{"ANSIBLE_MODULE_ARGS": ...}`) when it is set; 2.19's
  `patch_module_args` sets that same global (plus a serialization profile 2.16 does not have).
* Before 2.19 the templar renders every string, there is no trust marking to add.
* Before 2.19 callbacks receive the `TaskResult` itself; 2.19 added `CallbackTaskResult` with the
  same constructor arguments (host, task, return_data, task_fields); 2.21 builds it from a
  `UnifiedTaskResult` instead of a dictionary (ansible-core 2.21 source).
"""

from __future__ import annotations

import contextlib
import inspect
import json

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19

    @contextlib.contextmanager
    def patch_module_args(args=None):
        from ansible.module_utils import basic

        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19

    def trust_as_template(value):
        return value


try:
    from ansible.executor.task_result import CallbackTaskResult
except ImportError:  # ansible-core < 2.19
    from ansible.executor.task_result import TaskResult as CallbackTaskResult


def callback_task_result(host, task, data):
    """What a callback's v2_runner_on_* receives for `data`, the task's result dictionary."""
    if "utr" in inspect.signature(CallbackTaskResult).parameters:
        # ansible-core 2.21 builds it from the task's UnifiedTaskResult (TaskQueueManager sends
        # CallbackTaskResult(host=, task=, utr=)); an action plugin's dict becomes one through
        # from_action_result_dict, as the task executor does.
        from ansible._internal._task import UnifiedTaskResult

        return CallbackTaskResult(host, task, UnifiedTaskResult.from_action_result_dict(data))
    return CallbackTaskResult(host, task, data, {"name": task.name})


__all__ = ["callback_task_result", "patch_module_args", "trust_as_template"]
