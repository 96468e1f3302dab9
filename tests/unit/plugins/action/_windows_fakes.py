# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake Windows host at the module boundary: `_execute_module` replays recorded
ansible.windows.win_powershell results, chosen by the script the plugin sends.

Every replayed result passes through `_win_powershell_model` (win_powershell's own output
conversion) at the `depth` the plugin asked for, so a shape win_powershell would flatten reaches
the plugin flattened. Fixtures under test_data/windows hold the value the script assigns to
`$Ansible.Result` (or a recording, which the conversion leaves as it is); each names its source in
`_source`.

Shared by the Windows action plugin tests (style anchors 2.7)."""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
from unittest.mock import MagicMock

from ansible.playbook.task import Task

from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_scripts as scripts

import _win_powershell_model as model

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "test_data", "windows")
SCRIPT_NAMES = dict((getattr(scripts, n), n) for n in dir(scripts) if n.endswith("_PS1"))


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        data = json.load(handle)
    # Where the shape comes from is for the reader, not part of what the host returns.
    data.pop("_source", None)
    return data


def wsl_output(key):
    """Raw bytes of a recorded wsl.exe output (see wsl_outputs.json)."""
    return base64.b64decode(load("wsl_outputs.json")["outputs"][key])


def pwsh_result(result, failed=False):
    """A win_powershell result around `result` (the script's `$Ansible.Result`, still unconverted).
    win_powershell sets no `msg` when a script fails; the error records carry the text."""
    return {"changed": False, "failed": failed, "result": result, "output": [], "host_out": "", "host_err": "",
            "error": [], "warning": [], "verbose": [], "debug": [], "information": []}


def pwsh_thrown(message):
    """A script that ran `throw 'message'`: failed plus one error record, in the shape of the
    recorded pwsh_failed_not_elevated.json (win_powershell.ps1 builds it from the ErrorRecord)."""
    record = copy.deepcopy(load("pwsh_failed_not_elevated.json")["error"][0])
    record.update(output=message, fully_qualified_error_id=message, target_object=message)
    record["exception"]["message"] = message
    record["category_info"]["target_name"] = message
    out = pwsh_result({}, failed=True)
    out["error"] = [record]
    return out


def wsl_exec_result(runs, executable, source):
    """WSL_EXEC_PS1's $Ansible.Result: the wsl.exe Get-WslExecutable chose and one entry per run."""
    return {"executable": executable, "executable_source": source, "runs": list(runs)}


def converted(result, module_args):
    """What the plugin receives: win_powershell's conversion at the depth the task asked for."""
    return model.module_result(result, (module_args or {}).get("depth"))


class FakeHost:
    """Routes each win_powershell call to a handler registered for its script constant.

    A handler is a dict (returned as is), a list (consumed in order) or a callable(parameters).
    wsl.exe runs are answered from `wsl`: {tuple(argv): (rc, stdout bytes, stderr bytes)}, or a
    list of such dicts consumed per call (for polling).
    """

    # Where Store/MSI WSL puts wsl.exe (WSL msipackage/package.wix.in: ProgramFiles64Folder\WSL, recorded
    # as HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Lxss\MSI InstallLocation with a trailing '\').
    WSL_EXECUTABLE = ("C:\\Program Files\\WSL\\wsl.exe", "msi_install_location")

    def __init__(self):
        self.handlers = {}
        self.wsl = {}
        self.calls = []
        self.wsl_executable = self.WSL_EXECUTABLE

    def on(self, script_name, handler):
        self.handlers[getattr(scripts, script_name)] = handler
        return self

    def calls_to(self, script_name):
        script = getattr(scripts, script_name)
        return [c for c in self.calls if c["script"] == script]

    def wsl_calls(self):
        return [argv for c in self.calls_to("WSL_EXEC_PS1") for argv in c["parameters"]["Commands"]]

    def __call__(self, module_name=None, module_args=None, task_vars=None, wrap_async=False, **kwargs):
        assert module_name == "ansible.windows.win_powershell", module_name
        script = module_args["script"]
        assert script in SCRIPT_NAMES, "plugin sent a script that is not a _PS1 constant"
        # Data goes in parameters only; a JSON round trip proves they serialise like real task args.
        parameters = json.loads(json.dumps(module_args.get("parameters") or {}))
        self.calls.append({"script": script, "name": SCRIPT_NAMES[script], "parameters": parameters,
                           "wrap_async": wrap_async})
        if script == scripts.WSL_EXEC_PS1:
            return converted(self._wsl(parameters), module_args)
        handler = self.handlers.get(script)
        if handler is None:
            raise AssertionError("unexpected call of %s" % SCRIPT_NAMES[script])
        if isinstance(handler, list):
            handler = handler.pop(0)
        result = converted(handler(parameters) if callable(handler) else copy.deepcopy(handler), module_args)
        if wrap_async and not result.get("failed"):
            self.async_results = getattr(self, "async_results", [])
            self.async_results.append(result)
            return {"ansible_job_id": "j%d" % len(self.async_results), "started": 1, "finished": 0,
                    "results_file": "C:\\Users\\dev\\.ansible_async\\j1"}
        return result

    def _wsl(self, parameters):
        table = self.wsl.pop(0) if isinstance(self.wsl, list) else self.wsl
        results = []
        for argv in parameters["Commands"]:
            key = tuple(argv)
            if key not in table:
                raise AssertionError("unexpected wsl.exe %r" % (argv,))
            rc, out, err = table[key]
            results.append({"args": argv, "rc": rc, "stdout": base64.b64encode(out).decode(),
                            "stderr": base64.b64encode(err).decode()})
        return pwsh_result(wsl_exec_result(results, *self.wsl_executable))


def make_action(cls, args, host, check_mode=False, diff=False, port=5986):
    task = MagicMock(Task)
    task.args = args
    task.check_mode = check_mode
    task.diff = diff
    task.async_val = 0
    task.poll = 15
    task.action = cls.__module__.rsplit(".", 1)[-1]
    task.copy.side_effect = functools.partial(MagicMock, Task)
    connection = MagicMock()
    connection._shell.tmpdir = None
    connection.get_option.side_effect = {"port": port}.get
    play_context = MagicMock()
    play_context.check_mode = check_mode
    loader = MagicMock()
    action = cls(task, connection, play_context, loader=None, templar=None, shared_loader_obj=loader)
    # ansible-core 2.19 ignores shared_loader_obj and uses ansible.plugins.loader; swap in the fake.
    action._shared_loader_obj = loader
    action._execute_module = MagicMock(side_effect=host)

    # async_status answers with the finished result the fake host stored for the job.
    def get_action(name, task=None, **kwargs):
        runner = MagicMock()
        if name == "ansible.builtin.async_status":
            def status(task_vars=None):
                if task.args.get("mode") == "cleanup":
                    return {"changed": False, "erased": "job"}
                index = int(task.args["jid"][1:]) - 1
                return dict(host.async_results[index], finished=1, ansible_job_id=task.args["jid"])
            runner.run.side_effect = status
        else:
            runner.run.return_value = {"changed": False, "elapsed": 1}
        host.loaded_actions = getattr(host, "loaded_actions", [])
        host.loaded_actions.append((name, task.args, runner))
        return runner

    loader.action_loader.get.side_effect = get_action
    return action
