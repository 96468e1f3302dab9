# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wslconfig action with ``_execute_module`` mocked at the module boundary.

Module results are replayed from recordings in tests/unit/test_data/wsl_config/recorded; the copy
actions are replaced by a fake that keeps the bytes it was asked to transfer, so tests assert on
exact bytes that would land on the target.
"""
from __future__ import annotations

import base64
import codecs
import json
import os
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.playbook.play_context import PlayContext

from ansible_collections.wslfleet.networking.plugins.action.wslconfig import ActionModule

from _windows_fakes import converted

RECORDED = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "wsl_config", "recorded")
LEGACY = b"[wsl2]\r\nmemory=4GB\r\n\r\n[experimental]\r\nnetworkingMode=nat\r\nhostAddressLoopback=true\r\n"


def recorded(name):
    with open(os.path.join(RECORDED, name + ".json")) as handle:
        data = json.load(handle)
    data.pop("_source", None)
    return data


def slurped(data, path):
    return {"changed": False, "content": base64.b64encode(data).decode(), "encoding": "base64", "source": path}


class Target:
    """Answers module calls like a real host would, and records what was run."""

    def __init__(self, windows, responses):
        self.windows = windows
        self.responses = responses
        self.calls = []
        self.copies = []

    def execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.calls.append((module_name, module_args))
        answer = self.responses[module_name]
        if callable(answer):
            answer = answer(module_args)
        if module_name == "ansible.windows.win_powershell":
            answer = converted(answer, module_args)
        return json.loads(json.dumps(answer))

    def action_get(self, name, task=None, **kwargs):
        fake = MagicMock()

        def run(task_vars=None):
            with open(task.args["src"], "rb") as handle:
                self.copies.append((name, task.args["dest"], handle.read(), task.args["backup"]))
            out = {"changed": True, "dest": task.args["dest"]}
            if task.args["backup"]:
                out["backup_file"] = task.args["dest"] + ".1234.2026-11-22@04:30:00~"
            return out

        fake.run.side_effect = run
        return fake


def make_action(target, args, check_mode=False, diff=False):
    task = MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.diff = diff
    task.async_val = 0
    task.get_name.return_value = "wslconfig"
    task.copy.side_effect = lambda: make_task_copy(task)
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = "powershell" if target.windows else "sh"
    connection._shell.tmpdir = None
    shared = MagicMock()
    shared.action_loader.get.side_effect = target.action_get
    action = ActionModule(task, connection, PlayContext(), loader=MagicMock(), templar=MagicMock(),
                          shared_loader_obj=shared)
    action._execute_module = target.execute_module
    # ansible-core 2.19 ignores the shared_loader_obj argument and uses the global loaders.
    action._shared_loader_obj = shared
    return action


def make_task_copy(task):
    copy = MagicMock()
    copy.args = {}
    return copy


def windows_target(existing=LEGACY, policies="win_reg_stat_no_key", profile="win_powershell_profile_ok"):
    return Target(True, {
        "ansible.windows.win_powershell": recorded(profile),
        "ansible.windows.win_stat": recorded("win_stat_exists" if existing is not None else "win_stat_missing"),
        "ansible.windows.slurp": slurped(existing or b"", "C:\\Users\\dev\\.wslconfig"),
        "ansible.windows.win_reg_stat": recorded(policies),
    })


def test_windows_user_profile_is_resolved_and_only_the_key_changes():
    target = windows_target()
    result = make_action(target, {"user": "dev", "settings": {"wsl2": {"networkingMode": "mirrored"}}},
                         diff=True).run(task_vars={})
    assert [c[0] for c in target.calls] == ["ansible.windows.win_powershell", "ansible.windows.win_stat",
                                            "ansible.windows.slurp", "ansible.windows.win_reg_stat"]
    ps_args = target.calls[0][1]
    assert ps_args["parameters"] == {"User": "dev"} and "dev" not in ps_args["script"]
    assert target.calls[1][1]["path"] == "C:\\Users\\dev\\.wslconfig"
    assert target.calls[3][1] == {"path": "HKLM:\\Software\\Policies\\WSL"}
    # the legacy [experimental] occurrence is the one WSL reads: edited in place, CRLF kept
    assert target.copies == [("ansible.windows.win_copy", "C:\\Users\\dev\\.wslconfig",
                              LEGACY.replace(b"networkingMode=nat", b"networkingMode=mirrored"), False)]
    assert result["changed"] is True and result["restart_required"] == "vm"
    assert result["effective"] == {"wsl2": {"memory": "4GB", "networkingMode": "mirrored"},
                                   "experimental": {"hostAddressLoopback": True}}
    assert result["diff"]["after"] == LEGACY.decode().replace("networkingMode=nat", "networkingMode=mirrored")
    assert result["user"] == "dev" and result["policies"] == {}


def test_windows_check_mode_reads_but_never_writes():
    target = windows_target()
    result = make_action(target, {"user": "dev", "settings": {"wsl2": {"memory": "8GB"}}},
                         check_mode=True).run(task_vars={})
    assert result["changed"] is True and target.copies == []
    assert "diff" not in result


def test_windows_unchanged_file_is_not_written():
    target = windows_target()
    result = make_action(target, {"user": "dev", "settings": {"wsl2": {"memory": "4096MB"}}}).run(task_vars={})
    assert result["changed"] is False and result["restart_required"] is False and target.copies == []


def test_windows_utf16_file_is_written_back_as_utf16_with_backup():
    existing = codecs.BOM_UTF16_LE + "[wsl2]\r\nmemory=6GB\r\n".encode("utf-16-le")
    target = windows_target(existing=existing)
    result = make_action(target, {"path": "C:\\Users\\dev\\.wslconfig", "backup": True,
                                  "settings": {"wsl2": {"swapFile": "C:\\wsl\\swap.vhdx"}}}).run(task_vars={})
    assert "ansible.windows.win_powershell" not in [c[0] for c in target.calls]
    name, dest, data, backup = target.copies[0]
    assert data == codecs.BOM_UTF16_LE + "[wsl2]\r\nmemory=6GB\r\nswapFile=C:\\\\wsl\\\\swap.vhdx\r\n".encode(
        "utf-16-le")
    assert backup is True and result["backup_file"].startswith("C:\\Users\\dev\\.wslconfig.")


def test_windows_missing_file_is_created():
    target = windows_target(existing=None)
    make_action(target, {"user": "dev", "settings": {"wsl2": {"networkingMode": "mirrored"}}}).run(task_vars={})
    assert "ansible.windows.slurp" not in [c[0] for c in target.calls]
    assert target.copies[0][2] == b"[wsl2]\r\nnetworkingMode=mirrored\r\n"


def test_windows_policy_conflict_warns_by_default_and_fails_when_asked():
    target = windows_target(policies="win_reg_stat_policies")
    result = make_action(target, {"user": "dev", "settings": {"wsl2": {"networkingMode": "mirrored"}}}).run(
        task_vars={})
    assert result["policies"] == {"AllowNetworkingModeUserSetting": 0, "DefaultNetworkingMode": 1,
                                  "AllowFirewallUserSetting": 1}
    assert result["effective"]["wsl2"]["networkingMode"] == "nat"
    assert result["policy_overrides"][0]["policy"] == "AllowNetworkingModeUserSetting"
    assert any("disabled by the computer policy" in w for w in result["config_warnings"])
    assert len(target.copies) == 1

    target = windows_target(policies="win_reg_stat_policies")
    with pytest.raises(AnsibleActionFail) as err:
        make_action(target, {"user": "dev", "policy_conflict": "fail",
                             "settings": {"wsl2": {"networkingMode": "mirrored"}}}).run(task_vars={})
    assert "wsl2.networkingMode='mirrored' is replaced by 'nat' (policy AllowNetworkingModeUserSetting=0)" \
        in str(err.value)
    assert target.copies == []


def test_windows_unknown_user_is_a_clear_error():
    target = windows_target(profile="win_powershell_profile_unknown_user")
    with pytest.raises(AnsibleActionFail) as err:
        make_action(target, {"user": "nobody", "settings": {"wsl2": {"memory": "8GB"}}}).run(task_vars={})
    assert "no Windows account named 'nobody'" in str(err.value)
    assert [c[0] for c in target.calls] == ["ansible.windows.win_powershell"]


def test_windows_failed_read_stops_before_any_write():
    target = windows_target()
    target.responses["ansible.windows.slurp"] = {"failed": True, "msg": "Access to the path is denied."}
    with pytest.raises(AnsibleActionFail) as err:
        make_action(target, {"user": "dev", "settings": {"wsl2": {"memory": "8GB"}}}).run(task_vars={})
    assert "Access to the path is denied" in str(err.value) and target.copies == []


@pytest.mark.parametrize("settings, message", [
    ({"wsl2": {"hostAddressLoopback": True}}, "only under [experimental]"),
    ({"wsl2": {"memory": "8gb"}}, "not a WSL size"),
    ({"experimental": {"ignoredPorts": "8000-8010"}}, "ranges such as 8000-8010"),
])
def test_windows_bad_input_writes_nothing(settings, message):
    target = windows_target()
    with pytest.raises(AnsibleActionFail) as err:
        make_action(target, {"user": "dev", "settings": settings}).run(task_vars={})
    assert message in str(err.value) and target.copies == []


def test_undecodable_existing_file_writes_nothing():
    target = windows_target(existing=b"[wsl2]\nmemory=\xff\n")
    with pytest.raises(AnsibleActionFail, match="cannot be decoded"):
        make_action(target, {"user": "dev", "settings": {"wsl2": {"memory": "8GB"}}}).run(task_vars={})
    assert target.copies == []


def posix_target(existing):
    def stat(args):
        if args["path"] == "/mnt/c/Users/dev":
            return recorded("stat_profile_dir")
        if existing is None:
            return recorded("stat_missing")
        return {"changed": False, "stat": {"exists": True, "isdir": False, "path": args["path"], "size": len(existing)}}

    return Target(False, {"ansible.builtin.stat": stat,
                          "ansible.builtin.slurp": slurped(existing or b"", "/mnt/c/Users/dev/.wslconfig")})


def test_guest_manages_the_file_through_the_drive_mount():
    target = posix_target(b"# mine\n[wsl2]\nmemory=4GB\n")
    result = make_action(target, {"user": "dev", "settings": {"wsl2": {"networkingMode": "mirrored"}}}).run(
        task_vars={})
    assert [c[1]["path"] for c in target.calls if c[0] == "ansible.builtin.stat"] == [
        "/mnt/c/Users/dev", "/mnt/c/Users/dev/.wslconfig"]
    assert target.copies == [("ansible.builtin.copy", "/mnt/c/Users/dev/.wslconfig",
                              b"# mine\n[wsl2]\nmemory=4GB\nnetworkingMode=mirrored\n", False)]
    assert result["policies"] is None and result["path"] == "/mnt/c/Users/dev/.wslconfig"


def test_guest_mount_root_is_configurable_and_a_missing_profile_is_an_error():
    target = posix_target(None)
    with pytest.raises(AnsibleActionFail) as err:
        make_action(target, {"user": "dev", "mount_root": "/win/c/",
                             "settings": {"wsl2": {"networkingMode": "mirrored"}}}).run(task_vars={})
    assert "/win/c/Users/dev does not exist" in str(err.value) and target.copies == []


@pytest.mark.parametrize("user", ["../root", "a/b", ".."])
def test_user_names_cannot_leave_the_users_directory(user):
    target = posix_target(None)
    with pytest.raises(AnsibleActionFail, match="is not a Windows user name"):
        make_action(target, {"user": user, "settings": {"wsl2": {"memory": "8GB"}}}).run(task_vars={})
    assert target.calls == []


def test_user_or_path_is_required():
    target = posix_target(None)
    with pytest.raises(Exception) as err:
        make_action(target, {"settings": {"wsl2": {"memory": "8GB"}}}).run(task_vars={})
    assert "one of the following is required: user, path" in str(err.value)
    assert target.calls == []


def test_windows_directory_in_place_of_the_file_is_refused():
    target = windows_target()
    target.responses["ansible.windows.win_stat"] = {"changed": False, "stat": {"exists": True, "isdir": True,
                                                                               "path": "C:\\Users\\dev\\.wslconfig"}}
    with pytest.raises(AnsibleActionFail, match="is a directory"):
        make_action(target, {"user": "dev", "settings": {"wsl2": {"memory": "8GB"}}}).run(task_vars={})
    assert target.copies == []


def test_windows_script_errors_are_reported():
    target = windows_target()
    target.responses["ansible.windows.win_powershell"] = dict(
        recorded("win_powershell_profile_ok"), result={},
        error=[{"output": "Get-ItemProperty : Requested registry access is not allowed.",
                "error_details": None, "exception": {"message": "Requested registry access is not allowed."}}])
    with pytest.raises(AnsibleActionFail, match="Requested registry access is not allowed"):
        make_action(target, {"user": "dev", "settings": {"wsl2": {"memory": "8GB"}}}).run(task_vars={})
    assert target.copies == []


def test_windows_non_dword_policy_values_are_ignored():
    target = windows_target()
    target.responses["ansible.windows.win_reg_stat"] = {
        "changed": False, "exists": True, "sub_keys": [],
        "properties": {"AllowFirewallUserSetting": {"raw_value": 0, "type": "REG_DWORD", "value": 0},
                       "Comment": {"raw_value": "set by Intune", "type": "REG_SZ", "value": "set by Intune"}}}
    result = make_action(target, {"user": "dev", "settings": {"wsl2": {"firewall": False}}}).run(task_vars={})
    assert result["policies"] == {"AllowFirewallUserSetting": 0}
    assert result["effective"]["wsl2"]["firewall"] is True
    assert result["policy_overrides"] == [{"key": "wsl2.firewall", "policy": "AllowFirewallUserSetting",
                                           "requested": False, "effective": True}]
