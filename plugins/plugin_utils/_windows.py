# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side plumbing shared by the Windows action plugins.

* `run_powershell` sends one of our `_PS1` texts through ansible.windows.win_powershell with data in
  `parameters` only, and maps failures to messages that name the fix.
* `run_wsl` runs wsl.exe argument lists on the host and decodes the bytes here (reference 5.2).
* `run_network_change` runs a change asynchronously and polls it, reconnecting when the change
  drops the connection (style anchors 2.5), so a cut WinRM session does not leave us guessing.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import time

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import ConfigEditError, read_config
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_facts import MIRRORED_MIN_TEXT, WSL_MIN_TEXT
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import WSLCONFIG
from ansible_collections.wslfleet.networking.plugins.plugin_utils._action_io import load_action
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_parsers import decode_wsl_output
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_scripts
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import WSL_EXEC_PS1

display = Display()

WIN_POWERSHELL = "ansible.windows.win_powershell"

_ELEVATION_FIX = (
    "this change needs an elevated (Administrator) session on the Windows host. Fix: connect as a "
    "member of the Administrators group (WinRM and SSH logons are elevated), or set become: true "
    "with become_method: ansible.builtin.runas")
_HYPERV_FIX = (
    "the Hyper-V firewall cmdlets (NetSecurity *-NetFirewallHyperV*) are missing, so this host runs "
    "Windows 10 or a Windows 11 build before %s. Fix: install the latest Windows updates (23H2 and "
    "later have them), or leave the Hyper-V firewall out for this host" % MIRRORED_MIN_TEXT)
_NO_WSL_FIX = (
    "wsl.exe was not found on the Windows host. Fix: install WSL from the Store package "
    "(`wsl --install --no-distribution`) and WSL %s or later" % WSL_MIN_TEXT)

# Our scripts throw these fixed tokens; the host's display language cannot change them.
_TOKENS = {
    "WSLFLEET_NOT_ELEVATED": _ELEVATION_FIX,
    "WSLFLEET_NO_HYPERV_FIREWALL": _HYPERV_FIX,
    "WSLFLEET_NO_WSL": _NO_WSL_FIX,
}


def result_error_text(result):
    """All error text a win_powershell result carries: msg plus each error record's message."""
    parts = []
    if result.get("msg"):
        parts.append(str(result["msg"]))
    for record in result.get("error") or []:
        if isinstance(record, dict):
            exception = record.get("exception") or {}
            parts.append(str(exception.get("message") or record.get("output") or record))
        else:
            parts.append(str(record))
    if result.get("host_err"):
        parts.append(str(result["host_err"]).strip())
    return "; ".join(p for p in parts if p) or "no error message returned"


def raise_for_result(result, what):
    text = result_error_text(result)
    for token, message in _TOKENS.items():
        if token in text:
            raise AnsibleActionFail("%s: %s" % (what, message))
    raise AnsibleActionFail("%s failed on the Windows host: %s" % (what, text))


# win_powershell squashes anything nested deeper than `depth` (default 2) into one space-joined
# string. The deepest result we return is HYPERV_RULE_READ_PS1's rules -> rule -> LocalPorts list of
# strings, which needs 3; 4 leaves a level to spare and stays far below the size limits.
RESULT_DEPTH = 4


def _module_args(script, parameters):
    return {"script": script, "parameters": parameters or {}, "error_action": "stop", "depth": RESULT_DEPTH}


# The wslfleet.networking.record playbook sets this variable: every script result is then also
# written there, anonymised, in the shape the replay tests load.
RECORD_DIR_VAR = "wslfleet_record_dir"
_SCRIPT_NAMES = dict((getattr(_windows_scripts, n), n) for n in dir(_windows_scripts) if n.endswith("_PS1"))
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}(?![0-9A-Za-z:])")
_SID = re.compile(r"S-1-5-21-\d+-\d+-\d+(?=-\d+)")


def _anonymise_text(text, names):
    for real, alias in names:
        text = re.sub(re.escape(real), alias, text, flags=re.IGNORECASE)
    text = _SID.sub("S-1-5-21-1000000000-2000000000-3000000000", text)

    def ipv4(match):
        octets = [int(o) for o in match.groups()]
        if max(octets) > 255 or octets[0] in (0, 127, 255) or octets == [0, 0, 0, 0]:
            return match.group(0)
        # Keep the address class (it decides NAT vs LAN vs loopback), hide the host.
        return "%d.%d.%d.%d" % (octets[0], octets[1], 0, (octets[3] * 7) % 250 + 2)
    text = _IPV4.sub(ipv4, text)
    return _IPV6.sub(lambda m: m.group(0) if m.group(0).lower().startswith("fe80") else "fd00::5", text)


def anonymise(value, names):
    """Replace user names, host names (`names`: [(real, alias)]), SIDs and addresses everywhere in a
    result, including inside base64 fields (wsl.exe output, the .wslconfig bytes)."""
    if isinstance(value, dict):
        return dict((k, anonymise(v, names)) for k, v in value.items())
    if isinstance(value, list):
        return [anonymise(v, names) for v in value]
    if not isinstance(value, str):
        return value
    try:
        raw = base64.b64decode(value, validate=True) if len(value) >= 8 and len(value) % 4 == 0 else None
    except ValueError:
        raw = None
    if raw is not None:
        for encoding in ("utf-8", "utf-16-le"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text):
                return base64.b64encode(_anonymise_text(text, names).encode(encoding)).decode()
    return _anonymise_text(value, names)


def _identity_names(result):
    """(real, alias) pairs for the account and computer a HOST_FACTS/PROFILE_PATH result names."""
    names = []
    account = str((result or {}).get("account") or "")
    if "\\" in account:
        computer, user = account.split("\\", 1)
        names += [(computer, "LAPTOP01"), (user, "dev")]
    return [(real, alias) for real, alias in names if real]


def _record(task_vars, script, module_args, result):
    directory = (task_vars or {}).get(RECORD_DIR_VAR)
    if not directory:
        return
    directory = os.path.expanduser(str(directory))
    os.makedirs(directory, exist_ok=True)
    names_path = os.path.join(directory, ".names.json")
    names = []
    if os.path.exists(names_path):
        with open(names_path, encoding="utf-8") as handle:
            names = [tuple(n) for n in json.load(handle)]
    new = [n for n in _identity_names(result.get("result")) if n not in names]
    if new:
        names += new
        with open(names_path, "w", encoding="utf-8") as handle:
            json.dump(names, handle)
    name = _SCRIPT_NAMES.get(script, "UNKNOWN_PS1")
    index = len([f for f in os.listdir(directory) if f.startswith(name)])
    record = {"_source": "Recorded from a real laptop by the wslfleet.networking.record playbook on %s, "
                         "anonymised (user and host names, SIDs, addresses)" % datetime.date.today().isoformat(),
              "script": name, "depth": module_args.get("depth"),
              "parameters": anonymise(module_args.get("parameters"), names)}
    record.update(anonymise(dict(result), names))
    with open(os.path.join(directory, "%s-%d.json" % (name, index)), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2, sort_keys=True)


def run_powershell(action, script, parameters, task_vars, what):
    """Run a script synchronously and return its `$Ansible.Result`."""
    module_args = _module_args(script, parameters)
    result = action._execute_module(module_name=WIN_POWERSHELL, module_args=module_args, task_vars=task_vars)
    _record(task_vars, script, module_args, result)
    # An error record without `failed` is still an error: what follows must not build on it.
    if result.get("failed") or result.get("error"):
        raise_for_result(result, what)
    return result.get("result")


def run_wsl(action, commands, task_vars, timeout=120):
    """Run each argument list with wsl.exe; return [{args, rc, stdout, stderr, executable,
    executable_source}] with decoded text. Which wsl.exe runs is decided in WSL_EXEC_PS1 alone."""
    raw = run_powershell(
        action, WSL_EXEC_PS1, {"Commands": [list(c) for c in commands], "TimeoutSeconds": timeout},
        task_vars, "running wsl.exe") or {}
    runs = raw.get("runs") if isinstance(raw, dict) else None
    if not isinstance(runs, list) or len(runs) != len(commands):
        raise AnsibleActionFail("running wsl.exe: expected %d results, got %r" % (len(commands), runs))
    out = []
    for command, run in zip(commands, runs):
        out.append({
            "args": list(command),
            "rc": int(run.get("rc", -1)),
            "stdout": decode_wsl_output(run.get("stdout") or ""),
            "stderr": decode_wsl_output(run.get("stderr") or ""),
            "executable": raw.get("executable"),
            "executable_source": raw.get("executable_source"),
        })
    return out


def _loaded_action(action, name, args):
    return load_action(action, name, args, async_val=0)


def run_network_change(action, script, parameters, task_vars, what, timeout=300, poll_interval=1.0,
                       max_reconnects=3):
    """Run a change that may cut the connection: async job, poll, reconnect, clean up.

    The change itself is never retried; only the status reads are. When the connection does not
    come back, the error says the change may have been applied so a rerun converges.
    """
    saved_async = action._task.async_val
    action._task.async_val = timeout
    try:
        started = action._execute_module(
            module_name=WIN_POWERSHELL, module_args=_module_args(script, parameters), task_vars=task_vars,
            wrap_async=True)
    finally:
        action._task.async_val = saved_async
    if started.get("failed"):
        raise_for_result(started, what)
    jid = started.get("ansible_job_id")
    if not jid:
        # A connection without async support ran the module in the foreground.
        return started.get("result")

    status_action = _loaded_action(action, "ansible.builtin.async_status", {"jid": jid})
    reconnect_action = _loaded_action(
        action, "ansible.builtin.wait_for_connection", {"timeout": timeout, "sleep": max(1, int(poll_interval))})
    deadline = time.monotonic() + timeout
    reconnects = 0
    while True:
        try:
            status = status_action.run(task_vars=task_vars)
        except AnsibleConnectionFailure as exc:
            reconnects += 1
            if reconnects > max_reconnects:
                raise AnsibleActionFail(
                    "%s: the connection did not come back after %d attempts (%s). The change may have "
                    "been applied; rerun the task to converge" % (what, max_reconnects, exc))
            display.vvv("%s: connection lost while polling job %s, reconnecting: %s" % (what, jid, exc))
            action._connection.reset()
            reconnect_action.run(task_vars=task_vars)
            continue
        if status.get("finished") or status.get("failed"):
            break
        if time.monotonic() >= deadline:
            raise AnsibleActionFail("%s did not finish within %d seconds (async job %s)" % (what, timeout, jid))
        time.sleep(poll_interval)

    try:
        _loaded_action(action, "ansible.builtin.async_status", {"jid": jid, "mode": "cleanup"}).run(
            task_vars=task_vars)
    except Exception as exc:  # pylint: disable=broad-except
        # A leftover job file must not fail a change that worked.
        display.vvv("%s: cleanup of async job %s failed: %s" % (what, jid, exc))
    if status.get("failed"):
        raise_for_result(status, what)
    return status.get("result")


def account_matches(account, expected):
    """'LAPTOP\\dev' matches 'LAPTOP\\dev', 'dev' and 'dev@LAPTOP' style input, case-insensitively."""
    if not expected:
        return True
    account = (account or "").lower()
    expected = expected.lower()
    short = account.rsplit("\\", 1)[-1]
    return expected in (account, short) or expected.split("@", 1)[0] == short and "@" in expected


def check_account(account, expected, what):
    if not account_matches(account, expected):
        raise AnsibleActionFail(
            "%s runs as '%s' but wsl_user is '%s': WSL distributions and .wslconfig belong to one "
            "Windows user. Fix: connect as that user (ansible_user) or use become_user with "
            "become_method: ansible.builtin.runas" % (what, account, expected))


def no_distributions_error(account, what):
    return AnsibleActionFail(
        "%s: the account '%s' has no WSL distributions. Distributions are registered per Windows user "
        "(HKCU\\...\\Lxss), so a task running as another account (an admin over WinRM) sees none. Fix: "
        "run the task as the developer's account (ansible_user or become_user with runas), or install a "
        "distribution for this account" % (what, account))


def prerequisite_problems(info, networking_mode=None, hyperv_firewall=False, distributions=False):
    """What stops `info` (a wsl_info result) from supporting the request; each item names the fix."""
    problems = []
    windows = info.get("windows") or {}
    build = "%s.%s" % (windows.get("build"), windows.get("ubr"))
    wsl = info.get("wsl") or {}
    if not wsl.get("version"):
        problems.append("WSL from the Store (%s or later) is not installed; `wsl --version` is not understood. "
                        "Fix: run `wsl --update` (or `wsl --install --no-distribution`) as the user" % WSL_MIN_TEXT)
    elif not wsl.get("supported"):
        problems.append("WSL %s is older than %s, which the networking settings need. Fix: run `wsl --update`"
                        % (wsl["version"], WSL_MIN_TEXT))
    wants_new_features = networking_mode == "mirrored" or hyperv_firewall
    support = info.get("support") or {}
    if wants_new_features and not windows.get("is_windows11"):
        problems.append("Windows build %s is Windows 10; mirrored networking and the Hyper-V firewall need %s or "
                        "later. Fix: upgrade the laptop, or keep it on NAT mode with portproxy rules" % (build, MIRRORED_MIN_TEXT))
    elif wants_new_features and not support.get("mirrored_networking"):
        problems.append("Windows build %s is older than %s, which mirrored networking and the Hyper-V firewall "
                        "need. Fix: install the latest Windows updates" % (build, MIRRORED_MIN_TEXT))
    if hyperv_firewall and windows.get("is_windows11") and not support.get("hyperv_firewall"):
        problems.append("the Hyper-V firewall is unavailable on this host (cmdlets missing or HyperVFirewallDisable=1 "
                        "under HKLM\\SYSTEM\\CurrentControlSet\\Services\\MpsSvc\\Parameters). Fix: remove that value "
                        "and install the latest Windows updates")
    policies = info.get("policies") or {}
    if policies.get("allow_wsl") is False:
        problems.append("the machine policy AllowWSL=0 forbids WSL. Fix: ask the device administrators (Intune/GPO) "
                        "to allow WSL for this laptop")
    if networking_mode and networking_mode != "none" and policies.get("allow_networking_mode_user_setting") is False:
        enforced = policies.get("default_networking_mode") or "nat"
        if enforced != networking_mode:
            problems.append(
                "the machine policy AllowNetworkingModeUserSetting=0 ignores .wslconfig networkingMode and enforces "
                "'%s', not '%s'. Fix: ask the device administrators (Intune/GPO, Software\\Policies\\WSL) to allow "
                "the user setting or to set DefaultNetworkingMode, or request '%s'"
                % (enforced, networking_mode, enforced))
    # AllowFirewallUserSetting=0 only forces the Hyper-V firewall on, which is what managing it asks for:
    # no conflict (the config engine's policy handling reports a request for firewall=false).
    if distributions and not info.get("distributions"):
        problems.append(str(no_distributions_error(info.get("account"), "wsl_info")))
    return problems


def wslconfig_report(path, content_b64, policies=None):
    """The user's .wslconfig as the collection's INI engine reads it: the settings in the file, the
    effective settings once machine policies apply, and WSL's own warnings."""
    report = {"path": path, "exists": content_b64 is not None, "settings": {}, "effective": {},
              "policy_overrides": [], "warnings": []}
    data = base64.b64decode(content_b64) if content_b64 is not None else None
    try:
        report["settings"] = read_config(data, WSLCONFIG, label=path)["settings"]
        parsed = read_config(data, WSLCONFIG, policies=policies, label=path)
    except ConfigEditError as exc:
        report["warnings"] = ["%s cannot be read: %s" % (path, exc)]
        return report
    report.update(effective=parsed["effective"], policy_overrides=parsed["policy_overrides"],
                  warnings=parsed["warnings"])
    return report


class WindowsAction(ActionBase):
    """The common start of the Windows-side action plugins.

    They all answer check mode themselves (reads run, changes are skipped), never run as async
    jobs of their own (network changes use run_network_change), transfer no files, and validate
    their argument spec before reading anything from the host.
    """

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def start(self, tmp, task_vars, argument_spec):
        """Return the base result and the validated arguments of this task."""
        result = super(WindowsAction, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=argument_spec)
        return result, args
