# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: drift_report
type: aggregate
short_description: Report, per host, every setting that differs from the WSL networking baseline
version_added: 0.1.0
author:
  - wslfleet.networking maintainers (@wslfleet)
description:
  - Collects the differences a check-mode run with C(--diff) finds on every host and writes them
    as a report in JSON, Markdown and JUnit XML to O(output_dir).
  - Every item names the setting, the value the baseline expects and the value the host has
    (V(null) / C((absent)) when the key is missing). File diffs in INI form (C(.wslconfig),
    C(/etc/wsl.conf)) are reported key by key; other text diffs line by line; structured diffs
    key by key.
  - Effective-state drift that no file shows (networking mode fell back to NAT, a machine policy
    overrides the user's file, a WSL restart is still pending, the relay is not running) comes
    from the C(wslfleet_drift) fact or result key that the C(wslfleet.networking.baseline) role
    publishes. See C(docs/fleet.md) in the collection for that contract.
  - Unreachable hosts and hosts with failed tasks are their own categories, never counted as
    in line with the baseline.
  - A restart the restart policy leaves pending (item category C(pending_restart)) is listed apart
    from drift, under C(restarts); a host whose only difference it is has status
    C(restart_pending), not C(drifted).
  - A task tagged C(wslfleet_drift_ignore) (or in a play or block tagged so) is not reported, and a
    host that only ran such tasks is not listed.
  - Changes made in a run without C(--check) are listed as repairs, not as drift.
  - Values of tasks with C(no_log) are masked in every report.
  - Every report carries the run's id (C(run_id)) and start and finish times. An unreachable host
    is listed with the reason and when an earlier report last found it clean.
  - The callback fails closed. A setting it cannot use (an unknown format, a value of the wrong
    type) or an output folder it cannot use ends the run before any host is contacted, and a
    report it cannot write at the end makes the run exit 1, each with an error naming the cause.
    The C(wslfleet.networking.drift) playbook refuses to run when the callback is not enabled.
requirements:
  - Enable it with C(callbacks_enabled = wslfleet.networking.drift_report) in C(ansible.cfg)
    or E(ANSIBLE_CALLBACKS_ENABLED).
options:
  output_dir:
    description:
      - Directory the reports are written to. Created when missing.
      - At the start of the run the reports an earlier run left there (all three file names,
        whatever O(formats) says) are removed, so every report in it belongs to this run; the
        earlier JSON report is read first for the hosts' last-seen-clean times. Each report is
        written to a temporary file and renamed into place.
      - If it cannot be created or written to, or a report name in it is not a regular file, the
        run ends before any host is contacted with exit code 1 and a message naming the cause.
    type: path
    default: ./drift-report
    env:
      - name: WSLFLEET_DRIFT_REPORT_DIR
    ini:
      - section: callback_drift_report
        key: output_dir
  formats:
    description:
      - Which reports to write; V(json) writes C(drift-report.json), V(markdown) (or V(md))
        C(drift-report.md), V(junit) (or V(xml)) C(drift-report.xml).
      - Any other name, or an empty list, ends the run before any host is contacted, naming the
        value.
    type: list
    elements: str
    default: [json, markdown, junit]
    env:
      - name: WSLFLEET_DRIFT_REPORT_FORMATS
    ini:
      - section: callback_drift_report
        key: formats
  fail_on_drift:
    description:
      - When V(true) and drift was found on a reachable host while Ansible itself would have
        succeeded, C(ansible-playbook) exits with O(drift_exit_code) after the recap.
      - A restart the restart policy leaves pending is not drift; the settings are in place and
        only the running WSL VM or distribution has not picked them up. Such hosts count only
        with O(fail_on_pending_restart).
      - Failed or unreachable hosts already make C(ansible-playbook) exit non-zero; that exit
        code is kept.
    type: bool
    default: false
    env:
      - name: WSLFLEET_DRIFT_FAIL_ON_DRIFT
    ini:
      - section: callback_drift_report
        key: fail_on_drift
  fail_on_pending_restart:
    description:
      - When V(true), a reachable host waiting for a restart the policy leaves pending makes
        C(ansible-playbook) exit with O(drift_exit_code) too (when Ansible itself succeeded),
        with or without O(fail_on_drift).
    type: bool
    default: false
    env:
      - name: WSLFLEET_DRIFT_FAIL_ON_PENDING_RESTART
    ini:
      - section: callback_drift_report
        key: fail_on_pending_restart
  drift_exit_code:
    description:
      - Exit code used by O(fail_on_drift). The default, 10, is not used by C(ansible-playbook)
        itself, so CI can tell drift from failure.
    type: int
    default: 10
    env:
      - name: WSLFLEET_DRIFT_EXIT_CODE
    ini:
      - section: callback_drift_report
        key: drift_exit_code
  summary:
    description:
      - Print a one-line summary per drifted, unreachable or failed host at the end of the run.
    type: bool
    default: true
    env:
      - name: WSLFLEET_DRIFT_REPORT_SUMMARY
    ini:
      - section: callback_drift_report
        key: summary
"""

import os

from ansible import constants as C
from ansible import context
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.callback import CallbackBase

from ansible_collections.wslfleet.networking.plugins.plugin_utils import _drift


class CallbackModule(CallbackBase):
    """Builds the drift report; all rules live in plugin_utils/_drift.py."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "wslfleet.networking.drift_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self.collector = _drift.DriftCollector()
        self.written = {}
        self.formats = []
        self.output_dir = None
        self.setup_errors = []

    # Plumbing -----------------------------------------------------------------------------

    def set_options(self, task_keys=None, var_options=None, direct=None):
        # A setting Ansible refuses while loading the plugin would only cost a warning and the
        # plugin: the run would go on with no report. Errors are kept and end the run instead.
        self.setup_errors = []
        try:
            super(CallbackModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        except Exception as exc:  # pylint: disable=broad-except
            self.setup_errors.append("invalid setting: %s" % to_text(exc))
            try:
                self.output_dir = C.config.get_config_value("output_dir", plugin_type="callback",
                                                            plugin_name=self._load_name, direct=direct)
            except Exception:  # pylint: disable=broad-except
                self.output_dir = None
            return
        self.output_dir = self.get_option("output_dir")
        try:
            self.formats = _drift.canonical_formats(self.get_option("formats"))
        except _drift.ReportError as exc:
            self.setup_errors.append(to_text(exc))

    def _fail(self, errors):
        for error in errors:
            # Unwrapped: the messages carry paths a user copies, and wrapping breaks them at '-'.
            self._display.error("drift_report: %s" % error, wrap_text=False)
        # SystemExit is the one signal that passes the callback dispatcher's error handler
        # and becomes ansible-playbook's exit status.
        raise SystemExit(_drift.REPORT_ERROR_EXIT)

    def _check_mode(self, task):
        check_mode = getattr(task, "check_mode", None)
        if isinstance(check_mode, bool):
            return check_mode
        return bool(context.CLIARGS.get("check", False))

    @staticmethod
    def _parts(result):
        """Host name, task, task name, tags and return data of a result.

        ansible-core 2.19 hands callbacks a CallbackTaskResult with public host/task/result;
        2.16-2.18 hand the TaskResult itself, which keeps them as _host/_task/_result.
        """
        host = getattr(result, "host", None) or result._host
        task = getattr(result, "task", None) or result._task
        data = getattr(result, "result", None)
        if data is None:
            data = result._result
        name = to_text(result.task_name or task.get_name() or task.action)
        tags = tuple(getattr(task, "tags", None) or ())
        return host.get_name(), task, name, tags, data

    # Events -------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self.collector.playbook = os.path.basename(to_text(getattr(playbook, "_file_name", "") or ""))
        errors = list(self.setup_errors)
        if self.output_dir:
            try:
                seen, removed = _drift.prepare_output_dir(self.output_dir)
            except _drift.ReportError as exc:
                errors.append(to_text(exc))
            else:
                self.collector.last_seen_clean = seen
                if removed:
                    self._display.vv("drift_report: removed the reports of an earlier run: %s" % ", ".join(removed))
        elif not errors:
            errors.append("output_dir is empty")
        if errors:
            self._fail(errors)
        # Proof for the drift playbook that a report is being made; forked workers inherit it.
        os.environ[_drift.ACTIVE_ENV] = self.collector.run_id

    def v2_playbook_on_play_start(self, play):
        if play.check_mode or context.CLIARGS.get("check", False):
            self.collector.check_mode = True

    def v2_runner_on_ok(self, result):
        host, task, name, tags, data = self._parts(result)
        self.collector.add_result(host, name, data, self._check_mode(task), tags)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        host, _task, name, tags, data = self._parts(result)
        if ignore_errors or _drift.IGNORE_TAG in tags:
            return
        self.collector.add_failure(host, name, to_text(data.get("msg", "")))

    def v2_runner_on_unreachable(self, result):
        host, _task, name, _tags, data = self._parts(result)
        self.collector.add_unreachable(host, name, to_text(data.get("msg", "")))

    def v2_runner_on_skipped(self, result):
        host, _task, _name, tags, _data = self._parts(result)
        if _drift.IGNORE_TAG not in tags:
            self.collector.see(host)

    def v2_playbook_on_stats(self, stats):
        if self.setup_errors:
            self._fail(self.setup_errors)
        report = self.collector.report()
        ansible_failed = any(stats.failures.values()) or any(stats.dark.values())
        try:
            self.written = _drift.write_reports(self.output_dir, self.formats, report)
        except OSError as exc:
            message = "the report could not be written to %s: %s" % (self.output_dir, to_text(exc.strerror or exc))
            if ansible_failed:
                # ansible-playbook already ends non-zero; its own code says more than ours.
                self._display.error("drift_report: %s" % message, wrap_text=False)
            else:
                self._fail([message])
        counts = report["summary"]
        self._display.display(
            "DRIFT REPORT: %(hosts)d host(s): %(clean)d clean, %(drifted)d drifted, "
            "%(restart_pending)d waiting for a restart, %(unreachable)d unreachable, %(failed)d failed, "
            "%(items)d drift item(s), %(restarts)d restart(s) pending" % counts)
        if self.get_option("summary"):
            for name, host in report["hosts"].items():
                if host["status"] == "drifted":
                    self._display.display("  %s: %s" % (name, "; ".join(i["setting"] for i in host["drift"])))
                elif host["status"] == "unreachable":
                    self._display.display("  %s: unreachable (%s); last seen clean: %s" % (
                        name, host["unreachable"]["msg"], host["last_seen_clean"] or "never"))
                elif host["status"] != "clean" and host["status"] != "restart_pending":
                    self._display.display("  %s: %s" % (name, host["status"]))
                if host["restarts"] and host["status"] in ("drifted", "restart_pending"):
                    self._display.display("  %s: waiting for a restart: %s" % (
                        name, "; ".join("%s (%s)" % (i["setting"], i["actual"]) for i in host["restarts"])))
        if self.written:
            self._display.display("DRIFT REPORT (run %s) written to %s" % (
                report["run_id"], ", ".join(self.written[f] for f in self.formats if f in self.written)))
        failing = []
        if self.get_option("fail_on_drift") and counts["drifted"]:
            failing.append("drift found on %d host(s)" % counts["drifted"])
        if self.get_option("fail_on_pending_restart") and counts["restarts"]:
            waiting = sum(1 for host in report["hosts"].values()
                          if host["restarts"] and host["status"] in ("drifted", "restart_pending"))
            failing.append("%d host(s) waiting for a restart (fail_on_pending_restart)" % waiting)
        if failing and not ansible_failed:
            self._display.error("%s; exiting with %d" % ("; ".join(failing), self.get_option("drift_exit_code")),
                                wrap_text=False)
            raise SystemExit(self.get_option("drift_exit_code"))
