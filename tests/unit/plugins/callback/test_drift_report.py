# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive the drift_report callback with real ansible-core Host/Task/CallbackTaskResult objects."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from ansible import context
from ansible.executor.task_result import CallbackTaskResult
from ansible.inventory.host import Host
from ansible.module_utils.common.collections import ImmutableDict
from ansible.playbook.task import Task
from ansible.plugins.loader import callback_loader

from ansible_collections.wslfleet.networking.plugins.callback import drift_report
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _drift

WSL_CONF_BEFORE = "# managed by IT\n[boot]\nsystemd = false\n\n[network]\ngenerateResolvConf = true\nhostname = dev-lt-17\n"
WSL_CONF_AFTER = "# managed by IT\n[boot]\nsystemd = true\n\n[network]\ngenerateResolvConf = false\nhostname = dev-lt-17\n"


def _task(name, action="ansible.builtin.lineinfile", check_mode=True, tags=None):
    task = Task.load({"name": name, "action": {"module": action}, "tags": tags or []})
    task.check_mode = check_mode
    return task


def _result(host, task, data):
    return CallbackTaskResult(Host(host), task, data, {"name": task.name})


class _Stats(object):
    def __init__(self, failures=None, dark=None):
        self.failures = failures or {}
        self.dark = dark or {}


@pytest.fixture
def callback(tmp_path, monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=True, diff=True))
    plugin = callback_loader.get("wslfleet.networking.drift_report")
    assert isinstance(plugin, drift_report.CallbackModule)
    plugin.set_options(direct={"output_dir": str(tmp_path / "out")})
    return plugin


def _read(tmp_path):
    out = tmp_path / "out"
    return (json.loads((out / "drift-report.json").read_text()),
            (out / "drift-report.md").read_text(),
            ET.fromstring((out / "drift-report.xml").read_text()))


def test_ini_diff_is_reported_key_by_key_and_clean_hosts_report_nothing(callback, tmp_path):
    task = _task("wsl.conf baseline")
    callback.collector.see("clean-1")
    callback.v2_runner_on_ok(_result("guest-a", task, {
        "changed": True,
        "diff": [{"before": WSL_CONF_BEFORE, "after": WSL_CONF_AFTER,
                  "before_header": "/etc/wsl.conf (content)", "after_header": "/etc/wsl.conf (content)"},
                 {"before_header": "/etc/wsl.conf (file attributes)", "after_header": "/etc/wsl.conf (file attributes)"}]}))
    callback.v2_runner_on_ok(_result("clean-1", task, {"changed": False, "diff": [{"before": "", "after": ""}]}))
    callback.v2_playbook_on_stats(_Stats())

    report, markdown, junit = _read(tmp_path)
    drift = report["hosts"]["guest-a"]["drift"]
    assert [(i["setting"], i["expected"], i["actual"]) for i in drift] == [
        ("/etc/wsl.conf [boot] systemd", "true", "false"),
        ("/etc/wsl.conf [network] generateResolvConf", "false", "true"),
    ]
    assert report["hosts"]["clean-1"] == {"status": "clean", "drift": [], "changed": [],
                                          "unreachable": None, "errors": []}
    assert report["summary"] == {"hosts": 2, "clean": 1, "drifted": 1, "unreachable": 0, "failed": 0, "items": 2}
    assert "| /etc/wsl.conf [boot] systemd | true | false | setting | wsl.conf baseline |" in markdown
    assert "clean-1" in markdown.split("## In line with the baseline")[1]
    cases = {c.get("name"): c for c in junit.iter("testcase")}
    assert cases["guest-a"].find("failure") is not None
    assert list(cases["clean-1"]) == []


def test_missing_key_is_absent_and_structured_diff_is_flattened(callback, tmp_path):
    callback.v2_runner_on_ok(_result("g", _task("wslconfig"), {
        "changed": True,
        "diff": {"before": {"wsl2": {"networkingMode": "nat"}},
                 "after": {"wsl2": {"networkingMode": "mirrored", "dnsTunneling": True}},
                 "before_header": "/mnt/c/Users/dev/.wslconfig"}}))
    callback.v2_runner_on_ok(_result("g", _task("fstab-ish", action="ansible.builtin.copy"), {
        "changed": True,
        "diff": {"before": "a\nb\n", "after": "a\nc\n", "before_header": "/etc/motd",
                 "after_header": "/root/.ansible/tmp/ansible-tmp-1/source"}}))
    callback.v2_runner_on_ok(_result("g", _task("mtu", action="wslfleet.networking.mtu"), {
        "changed": True, "diff": {"before": "mtu 1500\n", "after": "mtu 1400\n", "before_header": "eth0 (live)"}}))
    callback.v2_playbook_on_stats(_Stats())
    drift = _read(tmp_path)[0]["hosts"]["g"]["drift"]
    assert [(i["setting"], i["expected"], i["actual"]) for i in drift] == [
        ("/etc/motd line 2", "c", "b"),
        ("/mnt/c/Users/dev/.wslconfig: wsl2.dnsTunneling", "true", None),
        ("/mnt/c/Users/dev/.wslconfig: wsl2.networkingMode", "mirrored", "nat"),
        ("eth0 (live)", "mtu 1400", "mtu 1500"),
    ]
    assert "*(absent)*" in _read(tmp_path)[1]


def test_effective_state_fact_replaces_earlier_publication(callback, tmp_path):
    publish = _task("publish effective state", action="ansible.builtin.set_fact")
    callback.v2_runner_on_ok(_result("g", publish, {"changed": False, "ansible_facts": {"wslfleet_drift": [
        {"setting": "networking mode", "expected": "mirrored", "actual": "nat"},
        {"setting": "relay service", "expected": "active", "actual": "inactive"}]}}))
    callback.v2_runner_on_ok(_result("g", publish, {"changed": False, "ansible_facts": {"wslfleet_drift": [
        {"setting": "relay service", "expected": "active", "actual": "failed"}]}}))
    callback.v2_runner_on_ok(_result("h", publish, {"changed": False, "ansible_facts": {"wslfleet_drift": []}}))
    callback.v2_playbook_on_stats(_Stats())
    report = _read(tmp_path)[0]
    assert report["hosts"]["g"]["drift"] == [{"setting": "relay service", "expected": "active", "actual": "failed",
                                              "category": "effective", "task": "publish effective state"}]
    assert report["hosts"]["h"]["status"] == "clean"


def test_a_result_that_itemises_its_drift_is_not_read_again_from_its_diff(callback, tmp_path):
    """guest_info with a baseline: its items count, its diff is for people (no double report)."""
    probe = _task("Compare the guest with the baseline", action="wslfleet.networking.guest_info")
    callback.v2_runner_on_ok(_result("g", probe, {
        "changed": True,
        "wslfleet_drift": [
            {"setting": "/etc/wsl.conf [boot] systemd", "expected": True, "actual": False, "category": "setting"},
            {"setting": "service wslfleet-relay.service active", "expected": "active", "actual": "inactive",
             "category": "effective"}],
        "diff": [{"before": WSL_CONF_BEFORE, "after": WSL_CONF_AFTER, "before_header": "/etc/wsl.conf (before)"}]}))
    callback.v2_runner_on_ok(_result("in-line", probe, {"changed": False, "wslfleet_drift": []}))
    callback.v2_playbook_on_stats(_Stats())
    report = _read(tmp_path)[0]
    assert [(i["setting"], i["expected"], i["actual"], i["category"]) for i in report["hosts"]["g"]["drift"]] == [
        ("/etc/wsl.conf [boot] systemd", "true", "false", "setting"),
        ("service wslfleet-relay.service active", "active", "inactive", "effective"),
    ]
    assert report["hosts"]["in-line"]["status"] == "clean"


def test_loop_results_ignore_tag_no_log_and_unchanged_items(callback, tmp_path):
    loop_task = _task("ufw rules", action="community.general.ufw")
    callback.v2_runner_on_ok(_result("g", loop_task, {"changed": True, "results": [
        {"changed": False, "item": 22},
        {"changed": True, "item": 5355, "invocation": {"module_args": {"rule": "allow", "port": "5355", "proto": "udp",
                                                                       "comment": None, "_raw": "x"}}}]}))
    probe = _task("probe", action="ansible.builtin.command", tags=["wslfleet_drift_ignore"])
    callback.v2_runner_on_ok(_result("g", probe, {"changed": True}))
    callback.v2_runner_on_ok(_result("g", _task("secret"), {
        "changed": True, "_ansible_no_log": True,
        "diff": {"before": "token = a\n", "after": "token = b\n"}}))
    callback.v2_playbook_on_stats(_Stats())
    drift = _read(tmp_path)[0]["hosts"]["g"]["drift"]
    assert [(i["setting"], i["expected"], i["actual"]) for i in drift] == [
        ("secret", "********", "********"),
        ("ufw rules", "port=5355, proto=udp, rule=allow", "differs (the task reports a change)"),
    ]
    assert "token" not in json.dumps(drift)


def test_real_changes_are_repairs_not_drift(callback, tmp_path, monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=False, diff=True))
    callback.v2_runner_on_ok(_result("g", _task("wsl.conf", check_mode=False), {
        "changed": True, "diff": {"before": "[boot]\nsystemd = false\n", "after": "[boot]\nsystemd = true\n"}}))
    callback.set_options(direct={"output_dir": str(tmp_path / "out"), "fail_on_drift": True})
    callback.v2_playbook_on_stats(_Stats())
    host = _read(tmp_path)[0]["hosts"]["g"]
    assert host["status"] == "clean"
    assert [i["setting"] for i in host["changed"]] == ["wsl.conf [boot] systemd"]


def test_unreachable_and_failed_are_own_categories(callback, tmp_path):
    task = _task("gather")
    callback.v2_runner_on_unreachable(_result("down", task, {"unreachable": True, "msg": "ssh: connect refused"}))
    callback.v2_runner_on_failed(_result("broken", task, {"failed": True, "msg": "boom"}))
    callback.v2_runner_on_failed(_result("ok-ish", task, {"failed": True, "msg": "ignored"}), ignore_errors=True)
    callback.v2_playbook_on_stats(_Stats())
    report, markdown, junit = _read(tmp_path)
    assert report["hosts"]["down"]["status"] == "unreachable"
    assert report["hosts"]["broken"]["status"] == "failed"
    assert "ok-ish" not in report["hosts"]
    assert report["summary"]["items"] == 0
    assert "## Unreachable hosts" in markdown
    errors = {c.get("name"): c.find("error").get("type") for c in junit.iter("testcase")}
    assert errors == {"down": "unreachable", "broken": "failed"}


def test_fail_on_drift_exits_only_when_ansible_succeeded(callback, tmp_path):
    callback.set_options(direct={"output_dir": str(tmp_path / "out"), "fail_on_drift": True, "formats": ["json"]})
    callback.v2_runner_on_ok(_result("g", _task("t"), {"changed": True, "diff": {"before": "a\n", "after": "b\n"}}))
    with pytest.raises(SystemExit) as exc:
        callback.v2_playbook_on_stats(_Stats())
    assert exc.value.code == 10
    assert (tmp_path / "out" / "drift-report.json").exists()
    assert not (tmp_path / "out" / "drift-report.md").exists()
    # Ansible's own failure exit code is kept.
    callback.v2_playbook_on_stats(_Stats(failures={"other": 1}))


def test_ini_view_follows_wsl_first_duplicate_wins():
    view = _drift.parse_ini_view("[wsl2]\nMemory = 4GB\nmemory = 8GB\n")
    assert view == {("wsl2", "memory"): ("wsl2", "Memory", "4GB")}
    assert _drift.parse_ini_view("not ini at all\n") is None


def test_markdown_escapes_table_breakers():
    collector = _drift.DriftCollector()
    collector.add_result("g", "t", {"ansible_facts": {"wslfleet_drift": [
        {"setting": "a|b", "expected": "x\ny", "actual": None}]}}, True)
    text = _drift.render_markdown(collector.report())
    assert "| a\\|b | x<br>y | *(absent)* | effective | t |" in text


def test_hosts_that_only_ran_ignored_tasks_are_not_listed(callback, tmp_path):
    plan = _task("plan the batches", action="ansible.builtin.set_fact", tags=["wslfleet_drift_ignore"])
    callback.v2_runner_on_ok(_result("localhost", plan, {"changed": False, "ansible_facts": {"x": 1}}))
    callback.v2_runner_on_skipped(_result("localhost", plan, {"skipped": True}))
    callback.v2_runner_on_skipped(_result("g", _task("t"), {"skipped": True}))
    callback.v2_playbook_on_stats(_Stats())
    assert list(_read(tmp_path)[0]["hosts"]) == ["g"]
