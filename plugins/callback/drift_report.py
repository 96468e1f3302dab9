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
  - A task tagged C(wslfleet_drift_ignore) (or in a play or block tagged so) is not reported, and a
    host that only ran such tasks is not listed.
  - Changes made in a run without C(--check) are listed as repairs, not as drift.
  - Values of tasks with C(no_log) are masked in every report.
requirements:
  - Enable it with C(callbacks_enabled = wslfleet.networking.drift_report) in C(ansible.cfg)
    or E(ANSIBLE_CALLBACKS_ENABLED).
options:
  output_dir:
    description:
      - Directory the reports are written to. Created when missing. Files are replaced atomically.
    type: path
    default: ./drift-report
    env:
      - name: WSLFLEET_DRIFT_REPORT_DIR
    ini:
      - section: callback_drift_report
        key: output_dir
  formats:
    description:
      - Which reports to write; C(drift-report.json), C(drift-report.md), C(drift-report.xml).
    type: list
    elements: str
    choices: [json, markdown, junit]
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
      - Failed or unreachable hosts already make C(ansible-playbook) exit non-zero; that exit
        code is kept.
    type: bool
    default: false
    env:
      - name: WSLFLEET_DRIFT_FAIL_ON_DRIFT
    ini:
      - section: callback_drift_report
        key: fail_on_drift
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
import tempfile

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

    # Plumbing -----------------------------------------------------------------------------

    def _check_mode(self, task):
        check_mode = getattr(task, "check_mode", None)
        if isinstance(check_mode, bool):
            return check_mode
        return bool(context.CLIARGS.get("check", False))

    @staticmethod
    def _parts(result):
        host = result.host.get_name()
        task = result.task
        name = to_text(result.task_name or task.get_name() or task.action)
        tags = tuple(getattr(task, "tags", None) or ())
        return host, task, name, tags

    # Events -------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self.collector.playbook = os.path.basename(to_text(getattr(playbook, "_file_name", "") or ""))

    def v2_playbook_on_play_start(self, play):
        if play.check_mode or context.CLIARGS.get("check", False):
            self.collector.check_mode = True

    def v2_runner_on_ok(self, result):
        host, task, name, tags = self._parts(result)
        self.collector.add_result(host, name, result.result, self._check_mode(task), tags)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        host, task, name, tags = self._parts(result)
        if ignore_errors or _drift.IGNORE_TAG in tags:
            return
        self.collector.add_failure(host, name, to_text(result.result.get("msg", "")))

    def v2_runner_on_unreachable(self, result):
        host, _task, name, _tags = self._parts(result)
        self.collector.add_unreachable(host, name, to_text(result.result.get("msg", "")))

    def v2_runner_on_skipped(self, result):
        _host, _task, _name, tags = self._parts(result)
        if _drift.IGNORE_TAG not in tags:
            self.collector.see(result.host.get_name())

    def v2_playbook_on_stats(self, stats):
        report = self.collector.report()
        output_dir = self.get_option("output_dir")
        formats = self.get_option("formats") or []
        os.makedirs(output_dir, exist_ok=True)
        for fmt in formats:
            filename, render = _drift.RENDERERS[fmt]
            path = os.path.join(output_dir, filename)
            _write_atomic(path, render(report))
            self.written[fmt] = path
        counts = report["summary"]
        self._display.display(
            "DRIFT REPORT: %(hosts)d host(s): %(clean)d clean, %(drifted)d drifted, "
            "%(unreachable)d unreachable, %(failed)d failed, %(items)d drift item(s)" % counts)
        if self.get_option("summary"):
            for name, host in report["hosts"].items():
                if host["status"] == "drifted":
                    self._display.display("  %s: %s" % (name, "; ".join(i["setting"] for i in host["drift"])))
                elif host["status"] != "clean":
                    self._display.display("  %s: %s" % (name, host["status"]))
        if self.written:
            self._display.display("DRIFT REPORT written to %s" % ", ".join(self.written[f] for f in formats))
        ansible_failed = any(stats.failures.values()) or any(stats.dark.values())
        if self.get_option("fail_on_drift") and counts["drifted"] and not ansible_failed:
            self._display.error("drift found on %d host(s); exiting with %d (fail_on_drift)"
                                % (counts["drifted"], self.get_option("drift_exit_code")))
            # SystemExit is the one signal that passes the callback dispatcher's error handler
            # and becomes ansible-playbook's exit status; stats are final at this point.
            raise SystemExit(self.get_option("drift_exit_code"))


def _write_atomic(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".drift-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
