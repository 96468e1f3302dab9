# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drive the drift_report callback with real ansible-core Host/Task/CallbackTaskResult objects."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from ansible import context
from ansible.inventory.host import Host
from ansible.module_utils.common.collections import ImmutableDict
from ansible.playbook.task import Task
from ansible.plugins.loader import callback_loader

from _core_compat import callback_task_result

from ansible_collections.wslfleet.networking.plugins.callback import drift_report
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _drift

WSL_CONF_BEFORE = "# managed by IT\n[boot]\nsystemd = false\n\n[network]\ngenerateResolvConf = true\nhostname = dev-lt-17\n"
WSL_CONF_AFTER = "# managed by IT\n[boot]\nsystemd = true\n\n[network]\ngenerateResolvConf = false\nhostname = dev-lt-17\n"


def _task(name, action="ansible.builtin.lineinfile", check_mode=True, tags=None):
    task = Task.load({"name": name, "action": {"module": action}, "tags": tags or []})
    task.check_mode = check_mode
    return task


def _result(host, task, data):
    return callback_task_result(Host(host), task, data)


class _Stats(object):
    def __init__(self, failures=None, dark=None):
        self.failures = failures or {}
        self.dark = dark or {}


class _Playbook(object):
    _file_name = "/somewhere/drift.yml"


def _loaded(monkeypatch, **options):
    """The plugin as ansible-playbook drives it: options set, then the playbook starts."""
    # The callback announces itself in the controller's environment; put it back afterwards.
    monkeypatch.setenv(_drift.ACTIVE_ENV, "before")
    plugin = callback_loader.get("wslfleet.networking.drift_report")
    assert isinstance(plugin, drift_report.CallbackModule)
    plugin.set_options(direct=options)
    plugin.v2_playbook_on_start(_Playbook())
    return plugin


@pytest.fixture
def callback(tmp_path, monkeypatch):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=True, diff=True))
    return _loaded(monkeypatch, output_dir=str(tmp_path / "out"))


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
    assert report["hosts"]["clean-1"] == {"status": "clean", "drift": [], "restarts": [], "changed": [],
                                          "unreachable": None, "errors": [],
                                          "last_seen_clean": report["finished"]}
    assert report["summary"] == {"hosts": 2, "clean": 1, "drifted": 1, "restart_pending": 0, "unreachable": 0,
                                 "failed": 0, "items": 2, "restarts": 0}
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


# Failing closed ----------------------------------------------------------------------------------
# ansible-playbook calls set_options() while loading the plugin and v2_playbook_on_start() before
# any host is contacted (ansible-core's TaskQueueManager.load_callbacks / PlaybookExecutor.run);
# a SystemExit there is the run's exit status.


def _earlier_run(out):
    out.mkdir(parents=True, exist_ok=True)
    earlier = {"format": _drift.REPORT_FORMAT, "run_id": "earlier", "hosts": {
        "down": {"status": "clean", "last_seen_clean": "2026-11-30T08:00:00+00:00"},
        "gone": {"status": "unreachable", "last_seen_clean": "2026-11-01T08:00:00+00:00"},
        "never": {"status": "drifted", "last_seen_clean": None}}}
    (out / "drift-report.json").write_text(json.dumps(earlier))
    (out / "drift-report.md").write_text("# an earlier run\n")
    (out / "drift-report.xml").write_text("<testsuites/>\n")


@pytest.mark.parametrize("formats, message", [
    (["json", "yaml"], "formats: 'yaml' is not a report format"),
    ([], "formats: empty"),
])
def test_an_unknown_format_ends_the_run_before_any_host_and_clears_old_reports(tmp_path, monkeypatch, capsys, formats, message):
    out = tmp_path / "out"
    _earlier_run(out)
    with pytest.raises(SystemExit) as exc:
        _loaded(monkeypatch, output_dir=str(out), formats=formats)
    assert exc.value.code == 1
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [], "an earlier run's report must not look current"
    assert os.environ[_drift.ACTIVE_ENV] == "before", "a refused run must not announce a report"


def test_a_setting_ansible_cannot_convert_ends_the_run_instead_of_dropping_the_plugin(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    _earlier_run(out)
    with pytest.raises(SystemExit) as exc:
        _loaded(monkeypatch, output_dir=str(out), drift_exit_code="ten")
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "drift_report: invalid setting" in err and "drift_exit_code" in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("names, files", [
    (["junit"], ["drift-report.xml"]),
    (["xml", "md"], ["drift-report.md", "drift-report.xml"]),
    (["JSON", "json", "markdown"], ["drift-report.json", "drift-report.md"]),
])
def test_format_names_match_the_files(tmp_path, monkeypatch, names, files):
    plugin = _loaded(monkeypatch, output_dir=str(tmp_path / "out"), formats=names)
    plugin.v2_playbook_on_stats(_Stats())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == files


def _unwritable_dir(tmp_path):
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        return str(locked)
    # root passes permission bits; sysfs refuses new files even to root.
    if not os.path.isdir("/sys/kernel"):
        pytest.skip("running as root and no sysfs to stand for a folder nobody may write to")
    return "/sys/kernel"


@pytest.mark.parametrize("where, message", [
    (lambda tmp: str(tmp / "a-file"), "exists and is not a directory"),
    (lambda tmp: str(tmp / "a-file" / "reports"), "cannot be created: Not a directory"),
    (_unwritable_dir, "is not writable"),
])
def test_an_output_dir_that_cannot_take_the_report_ends_the_run(tmp_path, monkeypatch, capsys, where, message):
    (tmp_path / "a-file").write_text("not a folder\n")
    path = where(tmp_path)
    with pytest.raises(SystemExit) as exc:
        _loaded(monkeypatch, output_dir=path)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert path in err and message in err
    assert (tmp_path / "a-file").read_text() == "not a folder\n"


def test_a_report_name_taken_by_a_folder_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "out" / "drift-report.md").mkdir(parents=True)
    with pytest.raises(SystemExit):
        _loaded(monkeypatch, output_dir=str(tmp_path / "out"))
    assert "drift-report.md is not a regular file" in capsys.readouterr().err
    assert (tmp_path / "out" / "drift-report.md").is_dir()


def test_reports_are_this_runs_stamped_and_remember_when_hosts_were_last_clean(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    _earlier_run(out)
    plugin = _loaded(monkeypatch, output_dir=str(out), formats=["json", "junit"])
    assert os.environ[_drift.ACTIVE_ENV] == plugin.collector.run_id
    assert list(out.iterdir()) == [], "the earlier reports are gone before any host is contacted"
    task = _task("probe")
    for host in ("down", "gone", "never"):
        plugin.v2_runner_on_unreachable(_result(host, task, {"unreachable": True, "msg": "No route to host"}))
    plugin.v2_runner_on_ok(_result("fine", task, {"changed": False}))
    plugin.v2_playbook_on_stats(_Stats(dark={"down": 1}))
    report = json.loads((out / "drift-report.json").read_text())
    assert report["run_id"] == plugin.collector.run_id != "earlier"
    assert not (out / "drift-report.md").exists()
    seen = {name: host["last_seen_clean"] for name, host in report["hosts"].items()}
    assert seen == {"down": "2026-11-30T08:00:00+00:00", "gone": "2026-11-01T08:00:00+00:00",
                    "never": None, "fine": report["finished"]}
    assert report["hosts"]["down"]["unreachable"]["msg"] == "No route to host"
    stdout = capsys.readouterr().out
    assert "  down: unreachable (No route to host); last seen clean: 2026-11-30T08:00:00+00:00" in stdout
    assert "  never: unreachable (No route to host); last seen clean: never" in stdout
    junit = ET.fromstring((out / "drift-report.xml").read_text())
    assert {p.get("name"): p.get("value") for p in junit.iter("property")}["run_id"] == report["run_id"]
    # The next run carries the times on, from this run's report.
    again = _loaded(monkeypatch, output_dir=str(out), formats=["json"])
    assert again.collector.last_seen_clean["gone"] == "2026-11-01T08:00:00+00:00"
    assert again.collector.last_seen_clean["fine"] == report["finished"]


@pytest.mark.parametrize("ansible_failed", [False, True])
def test_a_report_that_cannot_be_written_fails_the_run(tmp_path, monkeypatch, capsys, ansible_failed):
    out = tmp_path / "out"
    plugin = _loaded(monkeypatch, output_dir=str(out))
    plugin.v2_runner_on_ok(_result("g", _task("t"), {"changed": False}))
    out.rmdir()
    out.write_text("someone put a file here\n")
    if ansible_failed:
        # ansible-playbook already exits 2 for the failed host; that code stays.
        plugin.v2_playbook_on_stats(_Stats(failures={"g": 1}))
    else:
        with pytest.raises(SystemExit) as exc:
            plugin.v2_playbook_on_stats(_Stats())
        assert exc.value.code == 1
    assert "the report could not be written to %s" % out in capsys.readouterr().err


# Pending restarts ---------------------------------------------------------------------------------
# The shape roles/baseline/tasks/restart.yml and verify.yml publish, and guest_info's item for a
# wsl.conf newer than the running distribution (plugins/modules/guest_info.py).
VM_RESTART = {"setting": "WSL VM restart (wsl --shutdown)", "expected": "done",
              "actual": "pending (restart policy never)", "category": "pending_restart"}
DISTRO_RESTART = {"setting": "distribution restart (wsl.conf changed after the distribution started)",
                  "expected": "done", "actual": "pending", "category": "pending_restart"}


def _publish(callback, host, items):
    callback.v2_runner_on_ok(_result(host, _task("Publish the effective-state drift", action="ansible.builtin.set_fact"),
                                     {"changed": False, "ansible_facts": {"wslfleet_drift": items}}))


def test_a_pending_restart_is_not_drift_in_summary_report_or_junit(callback, tmp_path, capsys):
    _publish(callback, "waiting", [VM_RESTART])
    _publish(callback, "both", [DISTRO_RESTART, {"setting": "networking mode (effective)",
                                                 "expected": "mirrored", "actual": "nat"}])
    _publish(callback, "fine", [])
    callback.v2_playbook_on_stats(_Stats())
    report, markdown, junit = _read(tmp_path)
    hosts = report["hosts"]
    assert hosts["waiting"]["status"] == "restart_pending"
    assert hosts["waiting"]["drift"] == [] and [i["setting"] for i in hosts["waiting"]["restarts"]] == [VM_RESTART["setting"]]
    assert hosts["both"]["status"] == "drifted"
    assert [i["setting"] for i in hosts["both"]["drift"]] == ["networking mode (effective)"]
    assert [i["setting"] for i in hosts["both"]["restarts"]] == [DISTRO_RESTART["setting"]]
    assert report["summary"] == {"hosts": 3, "clean": 1, "drifted": 1, "restart_pending": 1, "unreachable": 0,
                                 "failed": 0, "items": 1, "restarts": 2}
    out = capsys.readouterr().out
    assert ("DRIFT REPORT: 3 host(s): 1 clean, 1 drifted, 1 waiting for a restart, 0 unreachable, 0 failed, "
            "1 drift item(s), 2 restart(s) pending") in out
    assert "  waiting: waiting for a restart: WSL VM restart (wsl --shutdown) (pending (restart policy never))" in out
    assert "| 3 | 1 | 1 | 1 | 0 | 0 | 1 | 2 |" in markdown
    waiting_section = markdown.split("## Waiting for a restart the restart policy leaves pending")[1]
    assert "| waiting | WSL VM restart (wsl --shutdown) | pending (restart policy never) |" in waiting_section
    assert "### waiting" not in markdown, "a host only waiting for a restart is not listed as drifted"
    cases = {c.get("name"): c for c in junit.iter("testcase")}
    assert cases["waiting"].find("skipped") is not None and cases["waiting"].find("failure") is None
    assert cases["both"].find("failure") is not None
    assert junit.find("testsuite").get("skipped") == "1" and junit.find("testsuite").get("failures") == "1"


@pytest.mark.parametrize("options, code", [
    ({"fail_on_drift": True}, None),
    ({"fail_on_pending_restart": True}, 10),
    ({"fail_on_drift": True, "fail_on_pending_restart": True, "drift_exit_code": 12}, 12),
])
def test_pending_restarts_fail_the_run_only_when_asked(tmp_path, monkeypatch, options, code):
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(check=True, diff=True))
    plugin = _loaded(monkeypatch, output_dir=str(tmp_path / "out"), formats=["json"], **options)
    _publish(plugin, "waiting", [VM_RESTART])
    if code is None:
        plugin.v2_playbook_on_stats(_Stats())
    else:
        with pytest.raises(SystemExit) as exc:
            plugin.v2_playbook_on_stats(_Stats())
        assert exc.value.code == code
