# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side drift bookkeeping for the ``drift_report`` callback.

Kept apart from the callback so the rules that turn task results into drift items can be
unit-tested with plain dictionaries, and so the benchmark and tests can render reports without
running Ansible.
"""

from __future__ import annotations

import datetime
import difflib
import json
import os
import re
import stat
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

REPORT_FORMAT = "wslfleet.networking.drift_report/v1"

# Item categories. `setting` comes from check-mode diffs, `effective` from the published fact.
SETTING = "setting"
EFFECTIVE = "effective"
# A restart the restart policy leaves pending: the settings are in place, the running WSL VM or
# distribution has not picked them up. Reported apart from drift; fails a run only when asked.
PENDING_RESTART = "pending_restart"

# The contract with roles and plugins (docs/fleet.md): a list of {setting, expected, actual}
# under this name, either as a fact (set_fact) or as a top-level key of a task's result.
DRIFT_FACT = "wslfleet_drift"
# Tasks carrying this tag never produce drift items (pre-flight probes, report plumbing).
IGNORE_TAG = "wslfleet_drift_ignore"

# The callback sets this in the controller's environment once it has checked its settings and
# its output folder; the drift playbook refuses to run without it (a run nobody reports on would
# pass a drift gate silently).
ACTIVE_ENV = "WSLFLEET_DRIFT_REPORT_RUN"

# ansible-playbook's own "error" status: the report could not be produced.
REPORT_ERROR_EXIT = 1

# Format names a user may give, and the one each stands for: the files are `.xml`, so `xml`
# is accepted for JUnit as well, and `md` for Markdown.
FORMAT_NAMES = {"json": "json", "markdown": "markdown", "md": "markdown", "junit": "junit", "xml": "junit"}
REPORT_FILES = {"json": "drift-report.json", "markdown": "drift-report.md", "junit": "drift-report.xml"}

MASK = "********"
ABSENT = None

# Keys the INI view of a diff may contain: `key = value`, `[section]`, comments and blanks.
_SECTION_RE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$")
_KEY_RE = re.compile(r"^\s*([^=\s#;\[][^=]*?)\s*=\s*(.*?)\s*$")
_HEADER_SUFFIX_RE = re.compile(r"\s+\((?:content|file attributes|before|after)\)$")
_COMMENT_RE = re.compile(r"^\s*(?:[#;].*)?$")

# Module arguments that say how a task runs rather than what state it wants.
_NOISE_ARGS = frozenset(("backup", "unsafe_writes", "validate", "create", "follow", "force",
                         "attributes", "selevel", "serole", "setype", "seuser", "tmp_dest",
                         "daemon_reexec", "daemon_reload", "no_block", "scope"))
_MEANINGFUL_FALSE = frozenset(("enabled", "masked", "state", "present", "active"))
_MAX_VALUE = 400


class DriftItem(object):
    """One setting that differs from the baseline on one host."""

    __slots__ = ("setting", "expected", "actual", "category", "task")

    def __init__(self, setting, expected, actual, category, task):
        self.setting = setting
        self.expected = expected
        self.actual = actual
        self.category = category
        self.task = task

    def as_dict(self):
        return {"setting": self.setting, "expected": self.expected, "actual": self.actual,
                "category": self.category, "task": self.task}


def _text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def _clip(value):
    value = _text(value)
    if value is not None and len(value) > _MAX_VALUE:
        return value[:_MAX_VALUE] + "..."
    return value


def _flatten(data, prefix=""):
    flat = {}
    for key, value in data.items():
        path = "%s.%s" % (prefix, key) if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat


def parse_ini_view(text):
    """Read ``text`` as ``{(section, key): value}`` or return None when it is not INI-shaped.

    Keys compare case-insensitively and the first duplicate wins, as in WSL's own parser; this
    is only a view for reporting, never used to write files.
    """
    values = {}
    section = ""
    for line in text.splitlines():
        if _COMMENT_RE.match(line):
            continue
        match = _SECTION_RE.match(line)
        if match:
            section = match.group(1).strip()
            continue
        match = _KEY_RE.match(line)
        if not match:
            return None
        ident = (section.lower(), match.group(1).lower())
        if ident not in values:
            values[ident] = (section, match.group(1), match.group(2))
    return values


def _diff_target(diff, fallback):
    # before_header names the managed file for copy/template/lineinfile; after_header is often
    # the controller-side source or a temp file.
    for key in ("before_header", "after_header"):
        header = diff.get(key)
        if header and isinstance(header, str) and "ansible-tmp-" not in header:
            return _HEADER_SUFFIX_RE.sub("", header)
    return fallback


def items_from_diff(diff, target, task_name):
    """Turn one Ansible diff entry (before/after or prepared) into drift items."""
    if not isinstance(diff, Mapping):
        return []
    target = _diff_target(diff, target)
    before = diff.get("before")
    after = diff.get("after")
    if "prepared" in diff and before is None and after is None:
        prepared = diff.get("prepared")
        if not prepared:
            return []
        return [DriftItem(target, None, _clip(prepared), SETTING, task_name)]
    if before is None and after is None:
        return []
    if isinstance(before, Mapping) or isinstance(after, Mapping):
        before_flat = _flatten(before) if isinstance(before, Mapping) else {}
        after_flat = _flatten(after) if isinstance(after, Mapping) else {}
        items = []
        for key in sorted(set(before_flat) | set(after_flat), key=str):
            old = before_flat.get(key, ABSENT)
            new = after_flat.get(key, ABSENT)
            if old == new:
                continue
            items.append(DriftItem("%s: %s" % (target, key), _clip(new), _clip(old), SETTING, task_name))
        return items
    before = _text(before) or ""
    after = _text(after) or ""
    if before == after:
        return []
    before_ini = parse_ini_view(before)
    after_ini = parse_ini_view(after)
    if before_ini is not None and after_ini is not None:
        items = []
        for ident in sorted(set(before_ini) | set(after_ini)):
            old = before_ini.get(ident)
            new = after_ini.get(ident)
            if old and new and old[2] == new[2]:
                continue
            section, key = (new or old)[0], (new or old)[1]
            name = "%s [%s] %s" % (target, section, key) if section else "%s %s" % (target, key)
            items.append(DriftItem(name, _clip(new[2] if new else ABSENT),
                                   _clip(old[2] if old else ABSENT), SETTING, task_name))
        if items:
            return items
    return _line_items(before, after, target, task_name)


def _line_items(before, after, target, task_name):
    old_lines = before.splitlines()
    new_lines = after.splitlines()
    if len(old_lines) <= 1 and len(new_lines) <= 1:
        # A one-line state (an MTU, a service state) is the setting itself, not line 1 of a file.
        return [DriftItem(target, _clip(after.strip() or ABSENT), _clip(before.strip() or ABSENT), SETTING, task_name)]
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    items = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old = "\n".join(old_lines[i1:i2]) or ABSENT
        new = "\n".join(new_lines[j1:j2]) or ABSENT
        items.append(DriftItem("%s line %d" % (target, i1 + 1), _clip(new), _clip(old), SETTING, task_name))
    return items


def _declared_state(module_args):
    if not isinstance(module_args, Mapping):
        return None
    parts = []
    for key in sorted(module_args):
        value = module_args[key]
        if key.startswith("_") or key in _NOISE_ARGS or value is None or value == [] or value == {}:
            continue
        if value is False and key not in _MEANINGFUL_FALSE:
            # Most false flags are the module's defaults (delete, log, route, ...), not state.
            continue
        parts.append("%s=%s" % (key, _text(value)))
    return ", ".join(parts) or None


def _effective_items(published, task_name, masked):
    items = []
    if isinstance(published, Mapping):
        published = [published]
    if not isinstance(published, Sequence) or isinstance(published, str):
        return items
    for entry in published:
        if not isinstance(entry, Mapping) or not entry.get("setting"):
            continue
        expected = MASK if masked else _clip(entry.get("expected"))
        actual = MASK if masked else _clip(entry.get("actual"))
        items.append(DriftItem(str(entry["setting"]), expected, actual,
                               str(entry.get("category") or EFFECTIVE), task_name))
    return items


def items_from_result(result, task_name, target=None):
    """Drift items a single (non-loop) task result proves, from its diff when it changed."""
    if not isinstance(result, Mapping) or result.get("skipped") or result.get("failed"):
        return []
    masked = bool(result.get("_ansible_no_log")) or "censored" in result
    items = []
    # A result that lists its drift itself (guest_info with a baseline) carries its diff only
    # for people to read; reading it again would report each difference twice.
    itemised = DRIFT_FACT in result
    if result.get("changed") and not masked and not itemised:
        fallback = target or task_name
        for key in ("path", "dest", "name"):
            if isinstance(result.get(key), str) and result.get(key):
                fallback = target or result[key]
                break
        diffs = result.get("diff")
        if isinstance(diffs, Mapping):
            diffs = [diffs]
        if isinstance(diffs, Sequence) and not isinstance(diffs, str):
            for diff in diffs:
                items.extend(items_from_diff(diff, fallback, task_name))
        if not items:
            # It would change something but did not say what: report the state it declares.
            invocation = result.get("invocation") or {}
            declared = _declared_state(invocation.get("module_args"))
            items.append(DriftItem(task_name, declared or "as this task declares",
                                   "differs (the task reports a change)", SETTING, task_name))
    elif result.get("changed") and not itemised:
        items.append(DriftItem(task_name, MASK, MASK, SETTING, task_name))
    facts = result.get("ansible_facts")
    if isinstance(facts, Mapping) and DRIFT_FACT in facts:
        items.extend(_effective_items(facts[DRIFT_FACT], task_name, masked))
    if DRIFT_FACT in result:
        items.extend(_effective_items(result[DRIFT_FACT], task_name, masked))
    return items


class DriftCollector(object):
    """Accumulates per-host drift over a playbook run and builds the report."""

    def __init__(self):
        self.hosts = {}
        self.playbook = None
        self.check_mode = False
        self.started = _now()
        self.run_id = uuid.uuid4().hex
        # host -> when an earlier run last found it clean (from the previous report).
        self.last_seen_clean = {}

    def _host(self, name):
        if name not in self.hosts:
            self.hosts[name] = {"drift": {}, "changed": {}, "unreachable": None, "errors": []}
        return self.hosts[name]

    def see(self, host):
        self._host(host)

    def add_result(self, host, task_name, result, check_mode, tags=(), target=None):
        """Record a finished task. Changes made for real are repairs; in check mode they are drift."""
        if IGNORE_TAG in (tags or ()):
            return
        entry = self._host(host)
        results = result.get("results") if isinstance(result, Mapping) else None
        singles = results if isinstance(results, list) and results else [result]
        for single in singles:
            facts = single.get("ansible_facts") if isinstance(single, Mapping) else None
            if isinstance(facts, Mapping) and DRIFT_FACT in facts:
                # A published fact is the host's current effective state: it replaces, not adds.
                entry["drift"] = dict((k, v) for k, v in entry["drift"].items() if v.category == SETTING)
            for item in items_from_result(single, task_name, target):
                if item.category == SETTING and not check_mode:
                    entry["changed"][item.setting] = item
                else:
                    # Latest wins: a later probe of the same setting supersedes an earlier one.
                    entry["drift"][item.setting] = item

    def add_unreachable(self, host, task_name, message):
        self._host(host)["unreachable"] = {"task": task_name, "msg": _clip(message) or "unreachable"}

    def add_failure(self, host, task_name, message):
        self._host(host)["errors"].append({"task": task_name, "msg": _clip(message) or "failed"})

    def report(self):
        finished = _now()
        hosts = {}
        summary = {"hosts": 0, "clean": 0, "drifted": 0, "restart_pending": 0, "unreachable": 0, "failed": 0,
                   "items": 0, "restarts": 0}
        for name in sorted(self.hosts):
            entry = self.hosts[name]
            found = [item.as_dict() for _key, item in sorted(entry["drift"].items())]
            drift = [item for item in found if item["category"] != PENDING_RESTART]
            restarts = [item for item in found if item["category"] == PENDING_RESTART]
            changed = [item.as_dict() for _key, item in sorted(entry["changed"].items())]
            if entry["unreachable"]:
                status = "unreachable"
            elif entry["errors"]:
                status = "failed"
            elif drift:
                status = "drifted"
            elif restarts:
                status = "restart_pending"
            else:
                status = "clean"
            summary["hosts"] += 1
            summary[status] += 1
            summary["items"] += len(drift)
            summary["restarts"] += len(restarts)
            hosts[name] = {"status": status, "drift": drift, "restarts": restarts, "changed": changed,
                           "unreachable": entry["unreachable"], "errors": list(entry["errors"]),
                           "last_seen_clean": finished if status == "clean" else self.last_seen_clean.get(name)}
        return {"format": REPORT_FORMAT, "run_id": self.run_id, "playbook": self.playbook,
                "check_mode": self.check_mode, "started": self.started, "finished": finished,
                "summary": summary, "hosts": hosts}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"


def _md(value):
    if value is None:
        return "*(absent)*"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    return text.replace("\r\n", "<br>").replace("\n", "<br>") or '""'


def render_markdown(report):
    summary = report["summary"]
    lines = ["# WSL fleet drift report", ""]
    lines.append("Playbook `%s`, %s, run `%s`, started %s, finished %s." % (
        report.get("playbook") or "-", "check mode" if report.get("check_mode") else "changes applied",
        report.get("run_id") or "-", report.get("started"), report.get("finished")))
    lines.append("")
    lines.append("| hosts | clean | drifted | waiting for a restart | unreachable | failed | drift items | restarts pending |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines.append("| %(hosts)d | %(clean)d | %(drifted)d | %(restart_pending)d | %(unreachable)d | %(failed)d "
                 "| %(items)d | %(restarts)d |" % summary)
    lines.append("")
    groups = (("drifted", "Drifted hosts"), ("unreachable", "Unreachable hosts"),
              ("failed", "Hosts with failed tasks"))
    for status, title in groups:
        names = [n for n, h in report["hosts"].items() if h["status"] == status]
        if not names:
            continue
        lines.extend(["## %s" % title, ""])
        for name in names:
            host = report["hosts"][name]
            lines.extend(["### %s" % _md(name), ""])
            if host["unreachable"]:
                where = _md(host["unreachable"]["task"])
                lines.extend(["Unreachable during *%s*: %s" % (where, _md(host["unreachable"]["msg"])), "",
                              "Last seen clean: %s" % (host.get("last_seen_clean")
                                                       or "never (no earlier report found it clean)"), ""])
            for error in host["errors"]:
                lines.append("- failed: *%s*: %s" % (_md(error["task"]), _md(error["msg"])))
            if host["errors"]:
                lines.append("")
            if host["drift"]:
                lines.append("| setting | expected | actual | kind | task |")
                lines.append("|---|---|---|---|---|")
                for item in host["drift"]:
                    lines.append("| %s | %s | %s | %s | %s |" % (
                        _md(item["setting"]), _md(item["expected"]), _md(item["actual"]),
                        item["category"], _md(item["task"])))
                lines.append("")
    waiting = [n for n, h in report["hosts"].items() if h.get("restarts")]
    if waiting:
        lines.extend(["## Waiting for a restart the restart policy leaves pending", "",
                      "The settings are in place; the running WSL VM or distribution has not picked them up.", "",
                      "| host | restart | state | task |", "|---|---|---|---|"])
        for name in waiting:
            for item in report["hosts"][name]["restarts"]:
                lines.append("| %s | %s | %s | %s |" % (
                    _md(name), _md(item["setting"]), _md(item["actual"]), _md(item["task"])))
        lines.append("")
    changed = [n for n, h in report["hosts"].items() if h["changed"]]
    if changed:
        lines.extend(["## Changes applied in this run", ""])
        for name in changed:
            lines.append("- **%s**: %s" % (_md(name), ", ".join(_md(i["setting"]) for i in report["hosts"][name]["changed"])))
        lines.append("")
    clean = [n for n, h in report["hosts"].items() if h["status"] == "clean"]
    lines.extend(["## In line with the baseline", ""])
    lines.append(", ".join(_md(n) for n in clean) if clean else "*(none)*")
    lines.append("")
    return "\n".join(lines)


def render_junit(report):
    summary = report["summary"]
    suite = ET.Element("testsuite", {
        "name": "wslfleet drift", "tests": str(summary["hosts"]),
        "failures": str(summary["drifted"]),
        "errors": str(summary["unreachable"] + summary["failed"]),
        "skipped": str(summary["restart_pending"]), "timestamp": report.get("finished") or "",
    })
    for name, host in report["hosts"].items():
        case = ET.SubElement(suite, "testcase", {"classname": "wslfleet.drift", "name": name})
        if host["unreachable"]:
            node = ET.SubElement(case, "error", {"type": "unreachable",
                                                 "message": host["unreachable"]["msg"]})
            node.text = "unreachable during: %s\nlast seen clean: %s" % (
                host["unreachable"]["task"], host.get("last_seen_clean") or "never")
        elif host["errors"]:
            node = ET.SubElement(case, "error", {"type": "failed", "message": host["errors"][0]["msg"]})
            node.text = "\n".join("%s: %s" % (e["task"], e["msg"]) for e in host["errors"])
        elif host["drift"]:
            node = ET.SubElement(case, "failure", {
                "type": "drift", "message": "%d setting(s) differ from the baseline" % len(host["drift"])})
            node.text = "\n".join("%s: expected %s, actual %s" % (
                i["setting"], _text(i["expected"]) if i["expected"] is not None else "(absent)",
                _text(i["actual"]) if i["actual"] is not None else "(absent)") for i in host["drift"])
        elif host.get("restarts"):
            # In line apart from a restart the policy leaves to the user: not a failure by default.
            node = ET.SubElement(case, "skipped", {
                "message": "waiting for a restart: %s" % "; ".join(i["setting"] for i in host["restarts"])})
    properties = ET.Element("properties")
    ET.SubElement(properties, "property", {"name": "run_id", "value": report.get("run_id") or ""})
    ET.SubElement(properties, "property", {"name": "started", "value": report.get("started") or ""})
    suite.insert(0, properties)
    suites = ET.Element("testsuites")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode") + "\n"


RENDERERS = {"json": (REPORT_FILES["json"], render_json),
             "markdown": (REPORT_FILES["markdown"], render_markdown),
             "junit": (REPORT_FILES["junit"], render_junit)}


class ReportError(Exception):
    """The report cannot be produced where it was asked for; the message names the cause."""


def canonical_formats(names):
    """The formats ``names`` ask for, canonical and without repeats, or ReportError naming the bad one."""
    if isinstance(names, str):
        names = [names]
    wanted = []
    for name in names or []:
        key = str(name).strip().lower()
        if key not in FORMAT_NAMES:
            raise ReportError("formats: %r is not a report format; use any of %s (xml is junit, md is markdown)"
                              % (str(name), ", ".join(sorted(FORMAT_NAMES))))
        if FORMAT_NAMES[key] not in wanted:
            wanted.append(FORMAT_NAMES[key])
    if not wanted:
        raise ReportError("formats: empty; a drift run must write at least one report (json, markdown, junit)")
    return wanted


def last_seen_clean(previous):
    """host -> when ``previous`` (an earlier report) last found it clean."""
    seen = {}
    if not isinstance(previous, Mapping) or previous.get("format") != REPORT_FORMAT:
        return seen
    hosts = previous.get("hosts")
    for name, host in (hosts.items() if isinstance(hosts, Mapping) else ()):
        if isinstance(host, Mapping) and isinstance(host.get("last_seen_clean"), str):
            seen[name] = host["last_seen_clean"]
    return seen


def prepare_output_dir(path):
    """Make ``path`` ready for this run's reports and clear out the reports of an earlier run.

    Returns (last_seen_clean from the earlier JSON report, paths removed). Any report file left
    in place would read as this run's if this run ends before writing its own, so all of them
    go, whatever formats this run writes. Raises ReportError naming the cause.
    """
    if os.path.lexists(path) and not os.path.isdir(path):
        raise ReportError("output_dir %s exists and is not a directory" % path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ReportError("output_dir %s cannot be created: %s" % (path, exc.strerror or exc))
    try:
        fd, probe = tempfile.mkstemp(prefix=".drift-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ReportError("output_dir %s is not writable: %s" % (path, exc.strerror or exc))
    seen = {}
    removed = []
    for name in REPORT_FILES.values():
        target = os.path.join(path, name)
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise ReportError("%s is not a regular file; refusing to replace it with a report" % target)
        if name == REPORT_FILES["json"] and stat.S_ISREG(mode):
            try:
                with open(target, encoding="utf-8") as handle:
                    seen = last_seen_clean(json.load(handle))
            except (OSError, ValueError):
                seen = {}
        try:
            os.unlink(target)
        except OSError as exc:
            raise ReportError("the report of an earlier run, %s, cannot be removed: %s" % (target, exc.strerror or exc))
        removed.append(target)
    return seen, removed


def write_atomic(path, text):
    """Replace ``path`` with ``text`` in one rename, so a reader never sees half a report."""
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


def write_reports(path, formats, report):
    """Write ``report`` in every format to ``path``; returns {format: file}. OSError on failure."""
    written = {}
    for fmt in formats:
        filename, render = RENDERERS[fmt]
        target = os.path.join(path, filename)
        write_atomic(target, render(report))
        written[fmt] = target
    return written
