# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stateful fake Windows laptop, with one WSL guest on it, for running the roles for real.

Run as a program, this file is ansible-playbook with the host boundary replaced:

    python _fake_laptop.py STATE_DIR [ansible-playbook arguments...]

It runs the real `ansible.cli.playbook.PlaybookCLI` (parser, inventory, strategy, roles,
handlers, callbacks) in its own interpreter, so every run starts from clean global state
(ansible-core keeps parsed CLI arguments in a process-wide singleton) and sees the environment
the test sets. Before the playbook starts it patches what would touch a real host:

* `ActionBase._execute_module`: the Windows action plugins' win_powershell scripts (answered by
  which `_PS1` constant they send, as `_windows_fakes.FakeHost` does), the `ansible.windows`
  modules they call, `async_status` for the network changes, and the guest modules
  (`guest_info` answered from state; `wsl_conf` is the real module, run against the guest's
  `/etc/wsl.conf` kept in STATE_DIR);
* `ansible.windows.win_copy`'s action: the bytes it would transfer land in STATE_DIR;
* `_low_level_execute_command` and `_make_tmp_path`: refused, so a plugin that would reach the
  host some other way fails loudly instead of running commands on this machine.

ansible-core 2.19 still forks its workers (`ansible.utils.multiprocessing` uses the `fork`
context), so the patches reach every worker; but a worker's memory dies with it, so the laptop's
state lives in files under STATE_DIR, changed under a lock (a laptop and its guest run in
parallel workers). The test reads the same files to assert on bytes and counts.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import fcntl
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ACTION_TESTS = os.path.join(HERE, "..", "plugins", "action")
UNIT_TESTS = os.path.join(HERE, "..")
WSL_CONFIG_RECORDED = os.path.join(HERE, "..", "test_data", "wsl_config", "recorded")

# Identity of the recorded Windows 11 23H2 laptop (test_data/windows/host_facts_win11_23h2.json).
PROFILE = "C:\\Users\\dev"
WSLCONFIG_PATH = PROFILE + "\\.wslconfig"
DISTRIBUTION = "Ubuntu-24.04"
POLICY_KEY = "HKLM:\\Software\\Policies\\WSL"
NAT_ADDRESS = "172.28.176.5"
LAN_ADDRESS = "192.168.10.23"

# What win_powershell may run in check mode: our read scripts declare SupportsShouldProcess.
CHANGE_SCRIPTS = ("HYPERV_VM_SETTING_APPLY_PS1", "HYPERV_RULE_APPLY_PS1", "PORTPROXY_APPLY_PS1",
                  "PORTPROXY_SYNC_INSTALL_PS1")


def _recorded(name):
    with open(os.path.join(WSL_CONFIG_RECORDED, name + ".json"), encoding="utf-8") as handle:
        data = json.load(handle)
    data.pop("_source", None)
    return data


# ---- state on disk ----------------------------------------------------------------------------

class LaptopState:
    """The laptop's state in STATE_DIR: `state.json`, `wslconfig` (the bytes of
    %UserProfile%\\.wslconfig) and `wsl.conf` (the guest's /etc/wsl.conf)."""

    def __init__(self, root):
        self.root = str(root)
        self.json_path = os.path.join(self.root, "state.json")
        self.wslconfig_path = os.path.join(self.root, "wslconfig")
        self.wsl_conf_path = os.path.join(self.root, "wsl.conf")

    @contextlib.contextmanager
    def edit(self):
        """Read-modify-write the state under an exclusive lock."""
        with open(os.path.join(self.root, "lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self.load()
                yield state
                tmp = self.json_path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    json.dump(state, handle, indent=1, sort_keys=True)
                os.replace(tmp, self.json_path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self):
        with open(self.json_path, encoding="utf-8") as handle:
            return json.load(handle)

    def wslconfig(self):
        return _read_bytes(self.wslconfig_path)

    def set_wslconfig(self, data):
        _write_bytes(self.wslconfig_path, data)

    def wsl_conf(self):
        return _read_bytes(self.wsl_conf_path)

    def set_wsl_conf(self, data):
        _write_bytes(self.wsl_conf_path, data)

    def edit_wsl_conf_by_hand(self, data):
        """Someone edits /etc/wsl.conf in the running guest: WSL reads it at the next start only."""
        with self.edit() as state:
            self.set_wsl_conf(data)
            distro = state["distributions"][DISTRIBUTION]
            distro["wsl_conf_changed_while_running"] = distro["running"]

    def snapshot(self):
        """Everything a run could change, for 'changed nothing' assertions (the call log aside)."""
        state = self.load()
        state.pop("calls")
        return {"state": state, "wslconfig": self.wslconfig(), "wsl_conf": self.wsl_conf()}


def _read_bytes(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


def _write_bytes(path, data):
    with open(path + ".tmp", "wb") as handle:
        handle.write(data)
    os.replace(path + ".tmp", path)


def create_laptop(root, laptop, guest, wslconfig=None, wsl_conf=None, policies=None, hyperv_rules=None,
                  busy=False):
    """A laptop as a developer left it: the VM runs (in whatever mode its .wslconfig gives) with the
    guest's distribution, the Hyper-V firewall never configured, `hyperv_rules` (raw cmdlet objects)
    in the persistent store."""
    os.makedirs(str(root), exist_ok=True)
    state = LaptopState(root)
    with open(state.json_path, "w", encoding="utf-8") as handle:
        json.dump({
            "laptop": laptop, "guest": guest,
            "policies": dict(policies or {}),
            "hyperv_setting": None, "hyperv_rules": copy.deepcopy(hyperv_rules or []),
            "portproxy": {"v4tov4": {}, "v4tov6": {}, "v6tov4": {}, "v6tov6": {}},
            "portproxy_sync": {"task": None, "script": None, "config": None, "sync_status": None},
            "vm": {"running": True, "mode": None},
            "distributions": {DISTRIBUTION: {"running": True, "busy": busy, "wsl_conf_changed_while_running": False}},
            "shutdowns": 0, "terminations": [], "copies": [], "jobs": [], "calls": [], "violations": [],
            # Changes and restarts in the order they happened on the laptop.
            "events": [],
        }, handle)
    if wslconfig is not None:
        state.set_wslconfig(wslconfig)
    if wsl_conf is not None:
        state.set_wsl_conf(wsl_conf)
    with state.edit() as data:
        data["vm"]["mode"] = _configured_mode(state, data)
    return state


def _configured_mode(state, data):
    """The mode WSL starts the VM in: .wslconfig after machine policies (the collection's own
    reader of the file, not what this test is about), else the policy default, else NAT."""
    from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import read_config
    from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import WSLCONFIG
    from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_parsers import parse_wsl_policies

    effective = read_config(state.wslconfig(), WSLCONFIG, policies=data["policies"])["effective"]
    for section in ("wsl2", "experimental"):
        for key, value in effective.get(section, {}).items():
            if key.lower() == "networkingmode":
                return str(value).lower()
    return parse_wsl_policies(data["policies"])["default_networking_mode"] or "nat"


# ---- the laptop ---------------------------------------------------------------------------------

class FakeLaptop:
    """Answers one module call from the state; every call is logged in state["calls"]."""

    def __init__(self, state):
        self.state = state

    def execute(self, action, module_name, module_args, task_vars):
        import _windows_fakes as fakes

        host = _target(action, task_vars)
        check_mode = bool(action._task.check_mode)
        module_name = module_name or action._task.action
        args = json.loads(json.dumps(module_args if module_args is not None else action._task.args))
        with self.state.edit() as data:
            script = fakes.SCRIPT_NAMES.get(args.get("script")) if module_name.endswith("win_powershell") else None
            data["calls"].append({"host": host, "module": module_name, "script": script, "check_mode": check_mode,
                                  "task": action._task.get_name()})
            if host == data["guest"]:
                return self._guest(action, module_name, args, data, check_mode)
            if host != data["laptop"]:
                return _failed("no host %s here, only %s and %s" % (host, data["laptop"], data["guest"]))
            if script in CHANGE_SCRIPTS and check_mode:
                data["violations"].append("%s sent in check mode" % script)
                return _failed("a change script ran in check mode")
            if script:
                self.check_mode = check_mode
                return fakes.converted(self._powershell(fakes, script, args.get("parameters") or {}, data), args)
            if module_name.endswith("win_powershell"):
                data["violations"].append("a win_powershell script that is not a _PS1 constant")
                return _failed("every script must be one of the _PS1 constants")
            handler = {
                "ansible.windows.win_stat": self._win_stat,
                "ansible.windows.slurp": self._slurp,
                "ansible.windows.win_reg_stat": self._win_reg_stat,
                "ansible.legacy.async_status": self._async_status,
            }.get(module_name)
            if handler is None:
                data["violations"].append("unexpected module %s" % module_name)
                return _failed("the fake laptop does not answer module %s" % module_name)
            return handler(args, data)

    # -- win_powershell scripts ------------------------------------------------------------------

    def _powershell(self, fakes, script, params, data):
        handler = getattr(self, "_ps_" + script[:-len("_PS1")].lower(), None)
        if handler is None:
            data["violations"].append("unexpected script %s" % script)
            return _failed("the fake laptop does not answer %s" % script)
        return fakes.pwsh_result(handler(fakes, params, data))

    def _ps_host_facts(self, fakes, params, data):
        facts = fakes.load("host_facts_win11_23h2.json")["result"]
        wslconfig = self.state.wslconfig()
        facts.update(policies=dict(data["policies"]), wslconfig_path=WSLCONFIG_PATH,
                     wslconfig_b64=base64.b64encode(wslconfig).decode() if wslconfig is not None else None)
        return facts

    def _ps_profile_path(self, fakes, params, data):
        if params.get("User", "").lower().rsplit("\\", 1)[-1] != "dev":
            return _recorded("win_powershell_profile_unknown_user")["result"]
        return _recorded("win_powershell_profile_ok")["result"]

    def _ps_wsl_exec(self, fakes, params, data):
        out = []
        for argv in params["Commands"]:
            rc, stdout, stderr = self._wsl(fakes, list(argv), data)
            out.append({"args": argv, "rc": rc, "stdout": base64.b64encode(stdout).decode(),
                        "stderr": base64.b64encode(stderr).decode()})
        return fakes.wsl_exec_result(out, *fakes.FakeHost.WSL_EXECUTABLE)

    def _wsl(self, fakes, argv, data):
        distros = data["distributions"]
        # Check mode (and so drift) changes nothing and starts nothing: `--exec` boots a stopped
        # distribution and the VM, `--shutdown`/`--terminate` stop them.
        if getattr(self, "check_mode", False) and set(argv) & {"--exec", "--shutdown", "--terminate"}:
            data["violations"].append("wsl.exe %r in check mode" % (argv,))
        running = [n for n, d in sorted(distros.items()) if d["running"]]
        if argv == ["--version"]:
            return 0, fakes.wsl_output("wsl_version_en.utf8"), b""
        # WSL_EXEC_PS1 sets WSL_UTF8=1, so one wsl.exe run writes UTF-8 (WslClient.cpp, _O_U8TEXT).
        if argv == ["--list", "--verbose"]:
            # WslClient.cpp's layout: name column = longest name (or NAME) + 4, state column 16.
            width = max([len("NAME")] + [len(n) for n in distros]) + 4
            lines = ["  %-*s%-16s%s" % (width, "NAME", "STATE", "VERSION")]
            for index, (name, distro) in enumerate(sorted(distros.items())):
                state = "Running" if distro["running"] else "Stopped"
                lines.append("%s %-*s%-16s2" % ("*" if index == 0 else " ", width, name, state))
            return 0, "".join(line + "\r\n" for line in lines).encode("utf-8"), b""
        if argv == ["--list", "--quiet"]:
            return 0, "".join(n + "\r\n" for n in sorted(distros)).encode("utf-8"), b""
        if argv == ["--list", "--quiet", "--running"]:
            return 0, "".join(n + "\r\n" for n in running).encode("utf-8"), b""
        if argv == ["--shutdown"]:
            data["shutdowns"] += 1
            data["events"].append("wsl --shutdown")
            data["vm"]["running"] = False
            for distro in distros.values():
                distro.update(running=False, wsl_conf_changed_while_running=False)
            return 0, b"", b""
        if argv[:1] == ["--terminate"] and len(argv) == 2 and argv[1] in distros:
            data["terminations"].append(argv[1])
            data["events"].append("wsl --terminate " + argv[1])
            distros[argv[1]].update(running=False, wsl_conf_changed_while_running=False)
            return 0, b"", b""
        in_distro = argv[2:] if argv[:1] == ["--distribution"] and argv[1] in distros else []
        if in_distro[:4] == ["--user", "root", "--exec", "sh"]:
            # wsl_shutdown's busy probe: a process with a terminal on stdin prints its PID.
            return 0, b"412\n" if distros[argv[1]]["busy"] else b"", b""
        if in_distro == ["--exec", "wslinfo", "--networking-mode"]:
            self._start(data, argv[1])
            return 0, (data["vm"]["mode"] + "\n").encode(), b""
        if in_distro == ["--exec", "hostname", "-I"]:
            self._start(data, argv[1])
            # The guest's own address on the VM's NAT switch, or the host's LAN address in mirrored mode.
            return 0, (NAT_ADDRESS if data["vm"]["mode"] == "nat" else LAN_ADDRESS).encode() + b" \n", b""
        data["violations"].append("unexpected wsl.exe %r" % (argv,))
        return 1, b"", ("fake laptop: unexpected wsl.exe %r\n" % (argv,)).encode()

    def _start(self, data, name):
        """wsl.exe starts a stopped distribution, and the VM (reading .wslconfig) when it is down."""
        if not data["vm"]["running"]:
            data["vm"].update(running=True, mode=_configured_mode(self.state, data))
        data["distributions"][name]["running"] = True

    def _ps_hyperv_vm_setting_read(self, fakes, params, data):
        persistent = data["hyperv_setting"]
        # The active store shows WSL's defaults for anything not configured.
        active = dict(fakes.load("hyperv_vm_setting_unconfigured.json")["result"]["active"])
        for key, value in (persistent or {}).items():
            if value != "NotConfigured":
                active[key] = value
        return {"persistent": copy.deepcopy(persistent), "active": active}

    def _ps_hyperv_vm_setting_apply(self, fakes, params, data):
        if params["Exists"] != (data["hyperv_setting"] is not None):
            raise AssertionError("Set- on a creator without settings or New- on one with them")
        setting = data["hyperv_setting"] or dict((k, "NotConfigured") for k in (
            "Enabled", "DefaultInboundAction", "DefaultOutboundAction", "LoopbackEnabled", "AllowHostPolicyMerge"))
        setting.update(params["Settings"], Name=params["Name"])
        data["events"].append("Hyper-V firewall VM settings changed")
        data["hyperv_setting"] = setting
        return None

    def _ps_hyperv_rule_read(self, fakes, params, data):
        # The script's hashtables, with the cmdlet's string[] properties as @() arrays; win_powershell's
        # conversion (applied by the caller) decides what reaches the plugin.
        prefix = params["Prefix"].lower()
        return {"rules": [copy.deepcopy(r) for r in data["hyperv_rules"] if r["Name"].lower().startswith(prefix)]}

    def _ps_hyperv_rule_apply(self, fakes, params, data):
        rules = data["hyperv_rules"]
        for change in params["Changes"]:
            index = next((i for i, r in enumerate(rules) if r["Name"].lower() == change["name"].lower()), None)
            if change["op"] == "remove":
                rules.pop(index)
                continue
            props = dict(change["properties"])
            for key in ("LocalAddresses", "RemoteAddresses"):
                if key in props:
                    props[key] = [_mask_form(a) for a in props[key]]
            rule = rules[index] if index is not None else {
                "Name": change["name"], "LocalAddresses": ["Any"], "RemotePorts": ["Any"], "EnforcementStatus": "OK"}
            if change["op"] == "new" and index is not None:
                raise AssertionError("New-NetFirewallHyperVRule for an existing rule %s" % change["name"])
            rule.update(props)
            if index is None:
                rules.append(rule)
        data["events"].append("Hyper-V firewall rules changed")
        return None

    def _ps_portproxy_read(self, fakes, params, data):
        result = fakes.load("portproxy_read.json")["result"]
        result.update(rules=copy.deepcopy(data["portproxy"]), **copy.deepcopy(data["portproxy_sync"]))
        return result

    def _ps_portproxy_apply(self, fakes, params, data):
        log = []
        for change in params["Changes"]:
            table = data["portproxy"][change["family"]]
            name = "%s/%s" % (change["listen_address"], change["listen_port"])
            if change["op"] == "set":
                table[name] = "%s/%s" % (change["connect_address"], change["connect_port"])
            else:
                table.pop(name, None)
            log.append("%s %s listenport=%s" % (change["op"], change["family"], change["listen_port"]))
        data["events"].append("portproxy rules changed")
        return {"log": log}

    def _ps_portproxy_sync_install(self, fakes, params, data):
        if params["State"] == "absent":
            data["portproxy_sync"] = {"task": None, "script": None, "config": None, "sync_status": None}
        else:
            data["portproxy_sync"] = {"task": {"user": params["User"], "state": "Ready"},
                                      "script": params["ScriptText"], "config": params["ConfigText"],
                                      "sync_status": None}
        data["events"].append("portproxy re-sync task " + params["State"])
        return None

    # -- ansible.windows modules -----------------------------------------------------------------

    def _win_stat(self, args, data):
        if args["path"].lower() != WSLCONFIG_PATH.lower() or self.state.wslconfig() is None:
            return _recorded("win_stat_missing")
        found = _recorded("win_stat_exists")
        found["stat"]["size"] = len(self.state.wslconfig())
        return found

    def _slurp(self, args, data):
        content = self.state.wslconfig() if args["src"].lower() == WSLCONFIG_PATH.lower() else None
        if content is None:
            return _failed("Path %s is not found" % args["src"])
        return {"changed": False, "content": base64.b64encode(content).decode(), "encoding": "base64",
                "source": args["src"]}

    def _win_reg_stat(self, args, data):
        if args["path"].lower() != POLICY_KEY.lower() or not data["policies"]:
            return _recorded("win_reg_stat_no_key")
        properties = dict((name, {"raw_value": value, "type": "REG_DWORD", "value": value})
                          for name, value in data["policies"].items())
        return {"changed": False, "exists": True, "sub_keys": [], "properties": properties}

    def _async_status(self, args, data):
        index = int(args["jid"].split(".")[-1])
        if args.get("mode") == "cleanup":
            return {"changed": False, "erased": args["jid"]}
        return dict(data["jobs"][index], finished=1, started=1, ansible_job_id=args["jid"])

    def start_job(self, action, module_args, task_vars):
        """win_powershell with wrap_async: the change runs at once; async_status reports it."""
        result = self.execute(action, "ansible.windows.win_powershell", module_args, task_vars)
        with self.state.edit() as data:
            data["jobs"].append(result)
            jid = "j.%d" % (len(data["jobs"]) - 1)
        if result.get("failed"):
            return result
        return {"ansible_job_id": jid, "started": 1, "finished": 0,
                "results_file": PROFILE + "\\.ansible_async\\" + jid}

    def win_copy(self, action, task_vars):
        """ansible.windows.win_copy of a controller file: its bytes become the file on the laptop."""
        args = action._task.args
        host = _target(action, task_vars)
        with open(args["src"], "rb") as handle:
            content = handle.read()
        with self.state.edit() as data:
            data["calls"].append({"host": host, "module": "ansible.windows.win_copy", "script": None,
                                  "check_mode": bool(action._task.check_mode), "task": action._task.get_name()})
            if args["dest"].lower() != WSLCONFIG_PATH.lower():
                return _failed("the fake laptop only has %s, not %s" % (WSLCONFIG_PATH, args["dest"]))
            if action._task.check_mode:
                data["violations"].append("win_copy in check mode")
                return _failed("win_copy ran in check mode")
            result = {"changed": True, "dest": args["dest"], "operation": "file_copy"}
            if args.get("backup") and self.state.wslconfig() is not None:
                result["backup_file"] = "%s.%d.20261122-073000.bak" % (args["dest"], len(data["copies"]))
            data["copies"].append({"dest": args["dest"], "backup_file": result.get("backup_file"),
                                   "previous": _b64(self.state.wslconfig())})
            self.state.set_wslconfig(content)
            data["events"].append(".wslconfig written")
        return result

    # -- the guest -------------------------------------------------------------------------------

    def _guest(self, action, module, args, data, check_mode):
        # Ansible reaching the guest through wsl.exe starts its distribution.
        self._start(data, DISTRIBUTION)
        distro = data["distributions"][DISTRIBUTION]
        if module == "wslfleet.networking.guest_info":
            facts = {
                "changed": False, "is_wsl": True, "wsl_evidence": "kernel", "wsl_markers": ["osrelease", "mnt_wsl"],
                "kernel_release": "5.15.167.4-microsoft-standard-WSL2", "distribution": DISTRIBUTION,
                "networking_mode": data["vm"]["mode"],
                "restart_pending": distro["wsl_conf_changed_while_running"],
                "resolv_conf": {"kind": "wsl_symlink"}, "ufw": {"installed": True, "active": False},
                "ssh_connection": None, "relay": {"service": "wslfleet-relay.service", "installed": False,
                                                  "active": False},
            }
            if args.get("baseline") is not None:
                return self._compare(args["baseline"], facts, bool(action._task.diff))
            return facts
        if module == "wslfleet.networking.wsl_conf":
            if args.get("path", "/etc/wsl.conf") != "/etc/wsl.conf":
                return _failed("the fake guest only has /etc/wsl.conf")
            result = _run_wsl_conf(dict(args, path=self.state.wsl_conf_path, _ansible_check_mode=check_mode,
                                        _ansible_diff=bool(action._task.diff), _ansible_tmpdir=None))
            result.update(path="/etc/wsl.conf")
            if "diff" in result:
                result["diff"].update(before_header="/etc/wsl.conf (before)", after_header="/etc/wsl.conf (after)")
            if result.get("changed") and not check_mode:
                distro["wsl_conf_changed_while_running"] = True
                data["events"].append("/etc/wsl.conf written")
            return result
        data["violations"].append("unexpected guest module %s" % module)
        return _failed("the fake guest does not answer module %s" % module)

    def _compare(self, baseline, facts, diff):
        """guest_info's `baseline` option: the module's own comparison, on the fake guest's facts and
        its /etc/wsl.conf (the only baseline parts the roles send to a guest without UFW and MTU)."""
        from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
        from ansible_collections.wslfleet.networking.plugins.modules import guest_info

        checked = ArgumentSpecValidator({"baseline": {"type": "dict", "options": guest_info._BASELINE_SPEC}}).validate(
            {"baseline": baseline})
        if checked.error_messages:
            return _failed("baseline: %s" % "; ".join(checked.error_messages))
        wanted = checked.validated_parameters["baseline"]
        unsupported = [k for k in ("wslconfig", "mtu", "ufw", "files", "services") if wanted.get(k)]
        if unsupported:
            return _failed("the fake guest cannot compare %s" % ", ".join(unsupported))
        module = _ParamsOnly({"wsl_conf_path": self.state.wsl_conf_path})
        items, diffs = guest_info._baseline_drift(module, wanted, facts)
        # Name the guest's file as the guest sees it, not where the fake keeps it.
        items = json.loads(json.dumps(items).replace(json.dumps(self.state.wsl_conf_path)[1:-1], "/etc/wsl.conf"))
        facts.update(wslfleet_drift=items)
        if diff:
            facts["diff"] = json.loads(json.dumps(diffs).replace(json.dumps(self.state.wsl_conf_path)[1:-1],
                                                                 "/etc/wsl.conf"))
        return facts


class _ParamsOnly:
    """What guest_info's comparison reads from its module: the parameters."""

    def __init__(self, params):
        self.params = params


def _run_wsl_conf(args):
    """The real wsl_conf module, run in this worker against the fake guest's file."""
    from _core_compat import patch_module_args
    from ansible_collections.wslfleet.networking.plugins.modules import wsl_conf

    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        try:
            wsl_conf.main()
        except SystemExit:
            pass
    return json.loads(out.getvalue())


def _target(action, task_vars):
    """The host a task acts on: its delegate (a guest's handler runs wsl.exe on its laptop)."""
    return action._task.delegate_to or (task_vars or {}).get("inventory_hostname")


def _mask_form(address):
    """The Windows firewall stores a CIDR subnet and reads it back with a mask
    (dsccommunity/NetworkingDsc#404, #169); assumed for the Hyper-V firewall until recorded."""
    import ipaddress

    if "/" not in address:
        return address
    try:
        network = ipaddress.ip_interface(address)
    except ValueError:
        return address
    if network.version == 4:
        return "%s/%s" % (network.ip, network.netmask)
    return address


def _failed(msg):
    return {"failed": True, "msg": "fake laptop: " + msg}


def _b64(data):
    return None if data is None else base64.b64encode(data).decode()


# ---- ansible-playbook with the host boundary patched ---------------------------------------------

def install(state_dir):
    """Patch the controller so every host operation reaches the fake laptop."""
    from ansible.executor.task_queue_manager import TaskQueueManager
    from ansible.plugins.action import ActionBase
    from ansible_collections.ansible.windows.plugins.action import win_copy

    sys.path[:0] = [ACTION_TESTS, UNIT_TESTS]
    laptop = FakeLaptop(LaptopState(state_dir))

    def execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None, persist_files=False,
                       delete_remote_tmp=None, wrap_async=False, ignore_unknown_opts=False):
        if wrap_async:
            return laptop.start_job(self, module_args, task_vars)
        return laptop.execute(self, module_name, module_args, task_vars)

    def refuse(self, *args, **kwargs):
        raise AssertionError("fake laptop: a plugin tried to run a command on the host (%r)" % (args[:1],))

    def expand_user(self, path, sudoable=True, pathsep=None):
        return PROFILE + path[1:].replace("/", "\\") if path.startswith("~") else path

    def win_copy_run(self, tmp=None, task_vars=None):
        return laptop.win_copy(self, task_vars)

    stats_path = os.path.join(state_dir, "last-stats.json")
    send_callback = TaskQueueManager.send_callback

    def send_callback_and_keep_stats(self, method_name, *args, **kwargs):
        if method_name == "v2_playbook_on_stats":
            stats = args[0]
            with open(stats_path, "w", encoding="utf-8") as handle:
                json.dump(dict((h, stats.summarize(h)) for h in sorted(stats.processed)), handle)
        return send_callback(self, method_name, *args, **kwargs)

    ActionBase._execute_module = execute_module
    ActionBase._low_level_execute_command = refuse
    ActionBase._make_tmp_path = refuse
    ActionBase._remote_expand_user = expand_user
    win_copy.ActionModule.run = win_copy_run
    TaskQueueManager.send_callback = send_callback_and_keep_stats


def main(argv):
    state_dir, playbook_args = argv[1], argv[2:]
    import ansible.cli
    from ansible.cli.playbook import PlaybookCLI

    # The collection loader exists only once the CLI has parsed its arguments; patch right after.
    init_plugin_loader = ansible.cli.init_plugin_loader

    def init_and_install(*args, **kwargs):
        init_plugin_loader(*args, **kwargs)
        install(state_dir)

    ansible.cli.init_plugin_loader = init_and_install
    return PlaybookCLI(["ansible-playbook"] + playbook_args).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
