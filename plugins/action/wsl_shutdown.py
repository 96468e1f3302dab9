# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wsl_shutdown: terminate one distribution or stop the WSL VM, then wait until it is stopped."""

from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import (
    WindowsAction,
    check_account,
    no_distributions_error,
    run_powershell,
    run_wsl,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_parsers import (
    parse_wsl_list_quiet,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import HOST_FACTS_PS1

ARGUMENT_SPEC = dict(
    distribution=dict(type="str"),
    only_if_idle=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    timeout=dict(type="int", default=60),
    wsl_user=dict(type="str"),
)

# A distribution is busy while a process has a terminal on stdin: an open shell, an editor, a
# remote terminal. Our own probe runs without a terminal, so it never counts itself.
BUSY_PROBE_SH = (
    'for p in /proc/[0-9]*; do t=$(readlink "$p/fd/0" 2>/dev/null); '
    'case "$t" in /dev/pts/*|/dev/tty*) echo "${p#/proc/}";; esac; done'
)

RUNNING = ["--list", "--quiet", "--running"]


class ActionModule(WindowsAction):

    # Seconds between polls: short at first (a terminate usually takes well under a second), then
    # backing off so a slow VM shutdown does not flood the connection.
    _POLL_START = 0.5
    _POLL_MAX = 2.0

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result, args = self.start(tmp, task_vars, ARGUMENT_SPEC)
        if args["timeout"] < 1:
            raise AnsibleActionFail("timeout %d must be at least 1 second" % args["timeout"])
        if args["force"] and args["distribution"]:
            raise AnsibleActionFail("force applies to stopping the whole VM (wsl --shutdown --force), not to one "
                                    "distribution")
        facts = run_powershell(self, HOST_FACTS_PS1, {}, task_vars, "reading the host account")
        account = facts.get("account")
        check_account(account, args["wsl_user"], "wsl_shutdown")

        registered_run, running_run = run_wsl(self, [["--list", "--quiet"], RUNNING], task_vars)
        registered = parse_wsl_list_quiet(registered_run["stdout"]) if registered_run["rc"] == 0 else []
        running = parse_wsl_list_quiet(running_run["stdout"]) if running_run["rc"] == 0 else []
        target = args["distribution"]
        if target is not None:
            if not registered:
                raise no_distributions_error(account, "wsl_shutdown")
            if target not in registered:
                raise AnsibleActionFail("distribution %r is not registered for '%s' (registered: %s)"
                                        % (target, account, ", ".join(registered)))
        to_stop = ([target] if target in running else []) if target else list(running)
        result.update(changed=False, stopped=True, restart_pending=False, running_before=running,
                      scope="distribution" if target else "vm", busy=[])
        if not to_stop:
            # Nothing runs: an idle VM stops by itself after wsl2.vmIdleTimeout and reads .wslconfig
            # again at its next start.
            return result

        if args["only_if_idle"]:
            busy = self._busy(to_stop, task_vars)
            if busy:
                result.update(stopped=False, restart_pending=True, busy=busy,
                              msg="not stopped: %s in use; the restart is pending" % ", ".join(busy))
                return result

        result["changed"] = True
        if self._task.diff:
            result["diff"] = {"before": {"running": running}, "after": {"running": [
                n for n in running if target and n != target]}}
        if self._task.check_mode:
            return result

        command = ["--terminate", target] if target else ["--shutdown"] + (["--force"] if args["force"] else [])
        stop = run_wsl(self, [command], task_vars, timeout=args["timeout"])[0]
        if stop["rc"] != 0:
            detail = (stop["stderr"] or stop["stdout"]).strip()
            raise AnsibleActionFail("wsl %s failed (rc %d): %s" % (" ".join(command), stop["rc"], detail))
        still, waited = self._wait_stopped(target, args["timeout"], task_vars)
        result.update(running_after=still, waited_seconds=round(waited, 1), command=["wsl.exe"] + command)
        if (target in still) if target else still:
            result.update(failed=True, stopped=False,
                          msg="still running after %d seconds: %s" % (args["timeout"], ", ".join(still)))
        return result

    def _busy(self, names, task_vars):
        probes = run_wsl(self, [["--distribution", n, "--user", "root", "--exec", "sh", "-c", BUSY_PROBE_SH]
                                for n in names], task_vars)
        busy = []
        for name, probe in zip(names, probes):
            if probe["rc"] != 0:
                raise AnsibleActionFail("could not tell whether %s is in use (rc %d): %s" % (
                    name, probe["rc"], (probe["stderr"] or probe["stdout"]).strip()))
            if probe["stdout"].split():
                busy.append(name)
        return busy

    def _wait_stopped(self, target, timeout, task_vars):
        """Poll `wsl -l -q --running` until the target is gone; return (still running, seconds)."""
        start = time.monotonic()
        interval = self._POLL_START
        while True:
            run = run_wsl(self, [RUNNING], task_vars)[0]
            still = parse_wsl_list_quiet(run["stdout"]) if run["rc"] == 0 else []
            done = target not in still if target else not still
            elapsed = time.monotonic() - start
            if done or elapsed >= timeout:
                return still, elapsed
            time.sleep(min(interval, max(0.0, timeout - elapsed)))
            interval = min(interval * 2, self._POLL_MAX)
