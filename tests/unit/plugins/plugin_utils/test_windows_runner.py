# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared runner: win_powershell transport, error mapping, async change with reconnect."""
from __future__ import annotations

import os
import sys
from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure
from ansible.plugins.action import ActionBase

from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows as w
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_scripts as scripts

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "action"))
from _windows_fakes import FakeHost, load, make_action, pwsh_result, pwsh_thrown  # noqa: E402 pylint: disable=wrong-import-position


class Probe(ActionBase):
    def run(self, tmp=None, task_vars=None):
        return {}


def test_run_powershell_sends_script_and_parameters_untouched():
    fake = FakeHost().on("HOST_FACTS_PS1", load("host_facts_win11_23h2.json"))
    action = make_action(Probe, {}, fake)
    result = w.run_powershell(action, scripts.HOST_FACTS_PS1, {"X": "a'b\"c"}, {}, "reading")
    assert result["account"] == "LAPTOP01\\dev"
    kwargs = action._execute_module.call_args.kwargs
    assert kwargs["module_args"] == {"script": scripts.HOST_FACTS_PS1, "parameters": {"X": "a'b\"c"},
                                     "error_action": "stop", "depth": w.RESULT_DEPTH}


@pytest.mark.parametrize("msg, expected", [
    ("WSLFLEET_NOT_ELEVATED", "become_method: ansible.builtin.runas"),
    ("WSLFLEET_NO_HYPERV_FIREWALL", "KB5031354"),
    ("WSLFLEET_NO_WSL", "wsl --install"),
    ("Access to the path is denied", "failed on the Windows host: Access to the path is denied"),
])
def test_failures_map_to_fixes(msg, expected):
    fake = FakeHost().on("HOST_FACTS_PS1", pwsh_thrown(msg))
    with pytest.raises(AnsibleActionFail, match=expected):
        w.run_powershell(make_action(Probe, {}, fake), scripts.HOST_FACTS_PS1, {}, {}, "reading")


def test_error_records_are_included():
    # win_powershell sets no msg for a script error: the token comes from the error record.
    recorded = load("pwsh_failed_not_elevated.json")
    assert "msg" not in recorded
    assert "WSLFLEET_NOT_ELEVATED" in w.result_error_text(recorded)


def test_run_wsl_decodes_each_command():
    fake = FakeHost()
    fake.wsl = {("--list", "--quiet"): (0, "Ubuntu\r\n".encode("utf-16-le"), b""),
                ("--version",): (-1, b"", "Invalid command line option: --version\r\n".encode("utf-16-le"))}
    runs = w.run_wsl(make_action(Probe, {}, fake), [["--list", "--quiet"], ["--version"]], {})
    assert runs[0] == {"args": ["--list", "--quiet"], "rc": 0, "stdout": "Ubuntu\n", "stderr": "",
                       "executable": "C:\\Program Files\\WSL\\wsl.exe", "executable_source": "msi_install_location"}
    assert runs[1]["rc"] == -1 and runs[1]["stderr"].startswith("Invalid command line option")


def test_network_change_returns_final_result_and_cleans_up():
    fake = FakeHost().on("HYPERV_RULE_APPLY_PS1", pwsh_result({"ok": 1}))
    action = make_action(Probe, {}, fake)
    assert w.run_network_change(action, scripts.HYPERV_RULE_APPLY_PS1, {"Changes": []}, {}, "x") == {"ok": 1}
    assert action._task.async_val == 0, "the task's async setting is restored"
    modes = [args.get("mode") for name, args, dummy in fake.loaded_actions if name == "ansible.builtin.async_status"]
    assert "cleanup" in modes


def test_network_change_failure_inside_job_is_mapped():
    fake = FakeHost().on("HYPERV_RULE_APPLY_PS1", pwsh_result({}))
    action = make_action(Probe, {}, fake)
    cleanups = []

    def failing(name, task=None, **kwargs):
        runner = MagicMock()
        if task.args.get("mode") == "cleanup":
            cleanups.append(task.args["jid"])
            runner.run.return_value = {"erased": True}
        elif name == "ansible.builtin.async_status":
            runner.run.return_value = {"failed": True, "finished": 1, "msg": "WSLFLEET_NOT_ELEVATED"}
        return runner

    action._shared_loader_obj.action_loader.get.side_effect = failing
    with pytest.raises(AnsibleActionFail, match="elevated"):
        w.run_network_change(action, scripts.HYPERV_RULE_APPLY_PS1, {}, {}, "x")
    assert cleanups == ["j1"], "the job is cleaned up even when it failed"


def test_network_change_gives_up_after_repeated_connection_loss():
    fake = FakeHost().on("HYPERV_RULE_APPLY_PS1", pwsh_result({}))
    action = make_action(Probe, {}, fake)

    def lost(name, task=None, **kwargs):
        runner = MagicMock()
        if name == "ansible.builtin.async_status":
            runner.run.side_effect = AnsibleConnectionFailure("gone")
        return runner

    action._shared_loader_obj.action_loader.get.side_effect = lost
    with pytest.raises(AnsibleActionFail, match="may have been applied; rerun"):
        w.run_network_change(action, scripts.HYPERV_RULE_APPLY_PS1, {}, {}, "x", max_reconnects=2)
    assert action._connection.reset.call_count == 2
    assert len(fake.calls) == 1


def test_network_change_times_out(monkeypatch):
    fake = FakeHost().on("HYPERV_RULE_APPLY_PS1", pwsh_result({}))
    action = make_action(Probe, {}, fake)

    def pending(name, task=None, **kwargs):
        runner = MagicMock()
        runner.run.return_value = {"finished": 0, "started": 1}
        return runner

    clock = {"t": 0.0}
    monkeypatch.setattr(w.time, "monotonic", lambda: clock["t"])
    monkeypatch.setattr(w.time, "sleep", lambda s: clock.__setitem__("t", clock["t"] + s))
    action._shared_loader_obj.action_loader.get.side_effect = pending
    with pytest.raises(AnsibleActionFail, match="did not finish within 3 seconds"):
        w.run_network_change(action, scripts.HYPERV_RULE_APPLY_PS1, {}, {}, "x", timeout=3)


def test_network_change_without_job_id_returns_foreground_result():
    fake = FakeHost()
    action = make_action(Probe, {}, fake)
    action._execute_module = MagicMock(return_value=pwsh_result({"done": True}))
    assert w.run_network_change(action, scripts.HYPERV_RULE_APPLY_PS1, {}, {}, "x") == {"done": True}


@pytest.mark.parametrize("account, expected, ok", [
    ("LAPTOP01\\dev", "LAPTOP01\\dev", True), ("LAPTOP01\\dev", "dev", True), ("LAPTOP01\\dev", "DEV", True),
    ("LAPTOP01\\dev", "dev@laptop01", True), ("LAPTOP01\\dev", "admin", False), ("LAPTOP01\\dev", None, True),
])
def test_account_matching(account, expected, ok):
    assert w.account_matches(account, expected) is ok


def test_every_script_takes_data_through_its_param_block_only():
    for name in (n for n in dir(scripts) if n.endswith("_PS1")):
        text = getattr(scripts, name)
        assert "{{" not in text and "%s" not in text and "%(" not in text, name
        assert text.lstrip().startswith("[CmdletBinding("), name
        assert "param(" in text, name


def test_every_assembled_script_parses():
    """make pwsh-syntax parses the _PS1 literals; the scripts assembled around Get-WslExecutable are
    checked here with the same grammar."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "scripts"))
    from check_powershell import first_error  # pylint: disable=import-outside-toplevel

    for name in (n for n in dir(scripts) if n.endswith("_PS1")):
        assert first_error(getattr(scripts, name)) is None, name


def test_read_scripts_run_in_check_mode_and_report_unchanged():
    for name in ("WSL_EXEC_PS1", "HOST_FACTS_PS1", "PORTPROXY_READ_PS1", "HYPERV_VM_SETTING_READ_PS1",
                 "HYPERV_RULE_READ_PS1", "PROFILE_PATH_PS1"):
        text = getattr(scripts, name)
        assert "SupportsShouldProcess" in text and "$Ansible.Changed = $false" in text, name
    for name in ("PORTPROXY_APPLY_PS1", "HYPERV_VM_SETTING_APPLY_PS1", "HYPERV_RULE_APPLY_PS1"):
        assert "SupportsShouldProcess" not in getattr(scripts, name), "change scripts must not run in check mode"
