# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import re

import pytest
from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure

from ansible_collections.wslfleet.networking.plugins.action import portproxy
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import PORTPROXY_SYNC_PS1

from _windows_fakes import FakeHost, load, make_action, pwsh_result, wsl_output

LIST_V = ("--list", "--verbose")
HOSTNAME = ("--distribution", "Ubuntu-24.04", "--exec", "hostname", "-I")


def host(read="portproxy_read.json", guest_ip=b"172.28.176.5 fd00::5 \n"):
    fake = FakeHost()
    fake.on("PORTPROXY_READ_PS1", load(read) if isinstance(read, str) else read)
    fake.on("HOST_FACTS_PS1", load("host_facts_win11_23h2.json"))
    fake.on("PORTPROXY_APPLY_PS1", pwsh_result({"log": ["done"]}))
    fake.on("PORTPROXY_SYNC_INSTALL_PS1", pwsh_result(None))
    fake.wsl = {LIST_V: (0, wsl_output("wsl_list_verbose.utf16le"), b""), HOSTNAME: (0, guest_ip, b"")}
    return fake


def run(args, fake, **kw):
    return make_action(portproxy.ActionModule, args, fake, **kw).run(task_vars={})


def applied(fake):
    calls = fake.calls_to("PORTPROXY_APPLY_PS1")
    assert len(calls) == 1 and calls[0]["wrap_async"] is True, "changes must run as an async job"
    return calls[0]["parameters"]


def test_existing_rule_is_unchanged_and_nothing_is_sent():
    fake = host()
    result = run({"rules": [{"listen_port": 8080, "connect_address": "172.28.176.5", "connect_port": 80}]}, fake)
    assert result["changed"] is False
    assert fake.calls_to("PORTPROXY_APPLY_PS1") == []
    assert {"family": "v4tov4", "listen_address": "127.0.0.1", "listen_port": 8080,
            "connect_address": "172.28.176.5", "connect_port": 80} in result["rules"]


def test_new_rule_listens_on_loopback_by_default_and_is_set_with_netsh():
    fake = host()
    result = run({"rules": [{"listen_port": 3000, "connect_address": "172.28.176.5"}]}, fake, diff=True)
    assert result["changed"] is True
    assert result["added"] == ["v4tov4 127.0.0.1:3000 -> 172.28.176.5:3000"]
    params = applied(fake)
    assert params["Changes"] == [{"op": "set", "family": "v4tov4", "listen_address": "127.0.0.1", "listen_port": 3000,
                                  "connect_address": "172.28.176.5", "connect_port": 3000}]
    assert params["EnsureService"] is True
    assert "v4tov4 127.0.0.1:3000 -> 172.28.176.5:3000\n" in result["diff"]["after"]
    assert "127.0.0.1:3000" not in result["diff"]["before"]


def test_changed_connect_side_is_an_update():
    fake = host()
    result = run({"rules": [{"listen_port": 8080, "connect_address": "172.28.176.9", "connect_port": 80}]}, fake)
    assert result["updated"] == ["v4tov4 127.0.0.1:8080 -> 172.28.176.9:80"]
    assert result["added"] == []


def test_check_mode_reports_without_changing():
    fake = host()
    result = run({"rules": [{"listen_port": 3000, "connect_address": "172.28.176.5"}]}, fake, check_mode=True)
    assert result["changed"] is True
    assert fake.calls_to("PORTPROXY_APPLY_PS1") == []


def test_wildcard_listen_needs_allow_lan_exposure():
    fake = host()
    with pytest.raises(AnsibleActionFail, match="allow_lan_exposure"):
        run({"rules": [{"listen_port": 2222, "listen_address": "0.0.0.0", "connect_address": "172.28.176.5"}]}, fake)
    assert fake.calls == [], "input errors must be raised before anything is read or changed"


def test_wildcard_listen_is_reported_when_allowed():
    fake = host()
    result = run({"rules": [{"listen_port": 4000, "listen_address": "0.0.0.0", "connect_address": "172.30.98.229"}],
                  "allow_lan_exposure": True}, fake)
    assert result["lan_exposed"] == ["v4tov4 0.0.0.0:4000"]
    assert result["changed"] is False


def test_purge_deletes_undeclared_rules_keyed_by_family_address_port():
    fake = host()
    result = run({"rules": [{"listen_port": 8080, "connect_address": "172.28.176.5", "connect_port": 80}],
                  "purge": True}, fake)
    deletes = [(c["family"], c["listen_address"], c["listen_port"]) for c in applied(fake)["Changes"]]
    assert sorted(deletes) == [("v4tov4", "*", 9000), ("v4tov4", "0.0.0.0", 4000), ("v4tov6", "127.0.0.1", 5000)]
    assert all(c["op"] == "delete" for c in applied(fake)["Changes"])
    assert len(result["removed"]) == 3


def test_state_absent_deletes_only_listed_existing_rules():
    fake = host()
    result = run({"rules": [{"listen_port": 8080, "connect_address": "wsl"},
                            {"listen_port": 1234, "connect_address": "wsl"}], "state": "absent"}, fake)
    assert [c["listen_port"] for c in applied(fake)["Changes"]] == [8080]
    assert result["removed"] == ["v4tov4 127.0.0.1:8080 -> 172.28.176.5:80"]
    assert fake.wsl_calls() == [], "removing rules needs no guest address"


def test_connect_address_wsl_resolves_guest_and_installs_resync_task():
    fake = host()
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake)
    assert result["guest_address"] == "172.28.176.5"
    assert result["distribution"] == "Ubuntu-24.04"
    assert applied(fake)["Changes"][0]["connect_address"] == "172.28.176.5"
    install = fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1")[0]["parameters"]
    assert install["State"] == "present" and install["User"] == "LAPTOP01\\dev"
    assert install["ScriptText"] == PORTPROXY_SYNC_PS1
    config = json.loads(install["ConfigText"])
    assert config == {"distribution": "Ubuntu-24.04", "rules": [
        {"family": "v4tov4", "listen_address": "127.0.0.1", "listen_port": 3000, "connect_port": 3000}]}


def _resync_task_installed_read():
    """A laptop whose re-sync task is installed and current for one forwarded port."""
    read = load("portproxy_read.json")
    read["result"]["rules"]["v4tov4"]["127.0.0.1/3000"] = "172.28.176.5/3000"
    read["result"]["task"] = {"user": "dev", "state": "Ready"}
    read["result"]["script"] = PORTPROXY_SYNC_PS1
    read["result"]["config"] = portproxy.sync_config_text("Ubuntu-24.04", [
        {"family": "v4tov4", "listen_address": "127.0.0.1", "listen_port": 3000, "connect_port": 3000}])
    return read


def test_resync_task_up_to_date_is_idempotent():
    read = _resync_task_installed_read()
    fake = host(read)
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake)
    assert result["changed"] is False
    assert fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1") == []


def test_guest_address_change_updates_the_rule():
    read = load("portproxy_read.json")
    read["result"]["rules"]["v4tov4"]["127.0.0.1/3000"] = "172.28.160.2/3000"
    fake = host(read)
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake)
    assert result["updated"] == ["v4tov4 127.0.0.1:3000 -> 172.28.176.5:3000"]


def test_owned_resync_task_is_removed_when_no_rule_targets_wsl():
    read = load("portproxy_read.json")
    read["result"]["task"] = {"user": "dev", "state": "Ready"}
    read["result"]["config"] = portproxy.sync_config_text("Ubuntu-24.04", [
        {"family": "v4tov4", "listen_address": "127.0.0.1", "listen_port": 3000, "connect_port": 3000}])
    fake = host(read)
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}], "state": "absent"}, fake)
    assert result["resync_task"]["state"] == "absent"
    assert fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1")[0]["parameters"]["State"] == "absent"


def test_no_distributions_names_the_per_user_fix():
    fake = host()
    fake.wsl[LIST_V] = (-1, b"", "Windows Subsystem for Linux has no installed distributions.\r\n".encode("utf-16-le"))
    with pytest.raises(AnsibleActionFail, match="per Windows user"):
        run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake)
    assert fake.calls_to("PORTPROXY_APPLY_PS1") == []


def test_unknown_distribution_is_an_error():
    with pytest.raises(AnsibleActionFail, match="'Alpine' is not registered"):
        run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}], "distribution": "Alpine"}, host())


def test_guest_without_address_explains_mirrored_mode():
    with pytest.raises(AnsibleActionFail, match="mirrored"):
        run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, host(guest_ip=b"\n"))


def test_wrong_account_refused():
    with pytest.raises(AnsibleActionFail, match="wsl_user is 'CORP.alice'"):
        run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}], "wsl_user": "CORP\\alice"}, host())


@pytest.mark.parametrize("rule, message", [
    ({"listen_port": 0, "connect_address": "10.0.0.1"}, "outside 1-65535"),
    ({"listen_port": 80, "connect_address": "example.org"}, "not an IP address"),
    ({"listen_port": 80, "connect_address": "fe80::1"}, "not an IPv4 address"),
    ({"listen_port": 80, "connect_address": "wsl", "family": "v4tov6"}, "v4tov4 or v6tov4"),
    ({"listen_port": 5986, "connect_address": "10.0.0.1"}, "management connection"),
])
def test_invalid_rules_fail_before_anything_runs(rule, message):
    fake = host()
    with pytest.raises(AnsibleActionFail, match=message):
        run({"rules": [rule]}, fake)
    assert fake.calls == []


def test_duplicate_keys_fail():
    with pytest.raises(AnsibleActionFail, match="may appear once"):
        run({"rules": [{"listen_port": 80, "connect_address": "10.0.0.1"},
                       {"listen_port": 80, "connect_address": "10.0.0.2"}]}, host())


def test_v6_listen_defaults_to_ipv6_loopback():
    rules, dummy = portproxy.normalize_rules([{"family": "v6tov4", "listen_port": 80, "listen_address": None,
                                               "connect_address": "10.0.0.1", "connect_port": None}], False)
    assert rules[0]["listen_address"] == "::1"


def test_stopped_iphlpsvc_is_started_even_without_rule_changes():
    read = load("portproxy_read.json")
    read["result"]["iphlpsvc"] = {"status": "Stopped", "start_type": "Disabled"}
    fake = host(read)
    result = run({"rules": [{"listen_port": 8080, "connect_address": "172.28.176.5", "connect_port": 80}]}, fake)
    assert result["changed"] is True and result["iphlpsvc_started"] is True
    assert applied(fake) == {"Changes": [], "EnsureService": True}


def test_not_elevated_failure_names_the_fix():
    fake = host()
    fake.on("PORTPROXY_APPLY_PS1", load("pwsh_failed_not_elevated.json"))
    with pytest.raises(AnsibleActionFail, match="elevated.*runas"):
        run({"rules": [{"listen_port": 3000, "connect_address": "172.28.176.5"}]}, fake)


def test_dropped_connection_while_polling_reconnects():
    fake = host()
    action = make_action(portproxy.ActionModule, {"rules": [{"listen_port": 3000, "connect_address": "172.28.1.1"}]},
                         fake)
    real_get = action._shared_loader_obj.action_loader.get.side_effect
    drops = {"left": 1}

    def flaky_get(name, task=None, **kwargs):
        runner = real_get(name, task=task, **kwargs)
        if name == "ansible.builtin.async_status" and task.args.get("mode") != "cleanup":
            inner = runner.run.side_effect

            def run_status(task_vars=None):
                if drops["left"]:
                    drops["left"] -= 1
                    raise AnsibleConnectionFailure("WinRM connection reset")
                return inner(task_vars)
            runner.run.side_effect = run_status
        return runner

    action._shared_loader_obj.action_loader.get.side_effect = flaky_get
    result = action.run(task_vars={})
    assert result["changed"] is True
    assert action._connection.reset.called
    names = [n for n, dummy, dummy2 in fake.loaded_actions]
    assert "ansible.builtin.wait_for_connection" in names
    assert len(fake.calls_to("PORTPROXY_APPLY_PS1")) == 1, "the change itself is never retried"


def test_missing_iphlpsvc_is_an_error():
    read = load("portproxy_read.json")
    read["result"]["iphlpsvc"] = None
    with pytest.raises(AnsibleActionFail, match="IP Helper service"):
        run({"rules": [{"listen_port": 8080, "connect_address": "172.28.176.5", "connect_port": 80}]}, host(read))


@pytest.mark.parametrize("args, message", [
    ({"state": "absent", "purge": True}, "state=present only"),
    ({"resync_interval": 0}, "at least 1 minute"),
])
def test_option_combinations_fail_early(args, message):
    fake = host()
    with pytest.raises(AnsibleActionFail, match=message):
        run(dict(args, rules=[]), fake)
    assert fake.calls == []


def test_resync_false_installs_no_task():
    fake = host()
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}], "resync": False}, fake)
    assert result["resync_task"]["state"] == "absent"
    assert fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1") == []


def test_rules_owned_by_earlier_runs_stay_in_the_resync_config():
    read = load("portproxy_read.json")
    read["result"]["task"] = {"user": "LAPTOP01\\dev", "state": "Ready"}
    read["result"]["script"] = PORTPROXY_SYNC_PS1
    read["result"]["config"] = portproxy.sync_config_text("Ubuntu-24.04", [
        {"family": "v4tov4", "listen_address": "127.0.0.1", "listen_port": 2222, "connect_port": 22}])
    fake = host(read)
    run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake)
    config = json.loads(fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1")[0]["parameters"]["ConfigText"])
    assert [r["listen_port"] for r in config["rules"]] == [2222, 3000]


def test_unreadable_resync_config_is_rewritten():
    read = load("portproxy_read.json")
    read["result"]["task"] = {"user": "dev", "state": "Ready"}
    read["result"]["config"] = "{not json"
    fake = host(read)
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake)
    assert result["resync_task"]["state"] == "present"
    assert fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1")[0]["parameters"]["State"] == "present"


def test_delete_of_wildcard_star_rule_omits_listenaddress_in_the_script():
    from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import PORTPROXY_APPLY_PS1
    assert "if ($change.listen_address -ne '*')" in PORTPROXY_APPLY_PS1


def _synced_read(status):
    read = _resync_task_installed_read()
    # The status file PORTPROXY_SYNC_PS1 writes with ConvertTo-Json -Compress after each run.
    read["result"]["sync_status"] = json.dumps(status, separators=(",", ":"))
    return read


def test_failing_resync_is_drift_in_check_mode_and_reinstalled_otherwise():
    status = {"time": "2026-12-02T09:15:00.0000000Z", "ok": False, "action": "0 rule(s) re-pointed",
              "address": "172.28.176.9", "errors": ["netsh interface portproxy set v4tov4 ... failed (1): The parameter "
                                                    "is incorrect."]}
    fake = host(_synced_read(status))
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake, check_mode=True)
    assert result["changed"] is True, "a re-sync that fails is drift"
    assert "The parameter is incorrect" in result["resync_task"]["problem"]
    assert result["resync_task"]["last_result"]["ok"] is False
    assert fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1") == []

    fake = host(_synced_read(status))
    run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake)
    install = fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1")[0]["parameters"]
    assert install["State"] == "present" and install["StatusName"] == portproxy.SYNC_STATUS_NAME


def test_succeeding_resync_is_in_line():
    status = {"time": "2026-12-02T09:15:00.0000000Z", "ok": True, "action": "distribution not running",
              "address": None, "errors": []}
    fake = host(_synced_read(status))
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}]}, fake, check_mode=True)
    assert result["changed"] is False and result["resync_task"]["last_result"]["ok"] is True


def _code(script):
    # What PowerShell runs: comment lines are not code.
    return "\n".join(line for line in script.splitlines() if not line.strip().startswith("#"))


def test_native_tools_never_run_under_stop_and_their_exit_codes_are_checked():
    """PowerShell 5.1 aborts a script under ErrorActionPreference=Stop at the first stderr line of
    a redirected native command (PowerShell/PowerShell#3996): netsh and wsl.exe go through
    Invoke-Native, which runs them under Continue and returns rc and output."""
    from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_scripts as scripts

    native = scripts._INVOKE_NATIVE_FUNCTION
    assert "$ErrorActionPreference = 'Continue'" in native and "rc = $LASTEXITCODE" in native
    for name in (n for n in dir(scripts) if n.endswith("_PS1")):
        code = _code(getattr(scripts, name).replace(native, ""))
        assert not re.search(r"&\s*\$(netsh|wsl)\b", code), "%s runs a native tool outside Invoke-Native" % name
        assert "2>$null" not in code and "2>&1" not in code, name
    for name in ("PORTPROXY_APPLY_PS1", "PORTPROXY_SYNC_PS1"):
        code = _code(getattr(scripts, name))
        calls = code.count("= Invoke-Native ")
        checks = len(re.findall(r"\$(run|list|probe)\.rc -ne 0", code))
        assert calls and calls == checks, "%s: every native call's exit code is checked" % name


def test_resync_sends_no_listenaddress_for_a_star_rule_and_records_its_result():
    code = _code(PORTPROXY_SYNC_PS1)
    assert "if ($rule.listen_address -ne '*') { $arguments += \"listenaddress=" in code
    assert "Out-Null" not in code.split("Save-Status", 1)[1], "no result is thrown away"
    assert code.rstrip().endswith("Save-Status")


def test_resync_task_starts_without_a_console_window():
    from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import PORTPROXY_SYNC_INSTALL_PS1

    code = _code(PORTPROXY_SYNC_INSTALL_PS1)
    assert "New-ScheduledTaskAction -Execute $conhost" in code and "'--headless powershell.exe " in code


def test_check_mode_starts_nothing_and_reports_the_guest_address_as_unknown():
    fake = host(_synced_read({"time": "2026-12-02T09:15:00.0000000Z", "ok": True, "action": "none",
                              "address": "172.28.176.5", "errors": []}))
    result = run({"rules": [{"listen_port": 3000, "connect_address": "wsl"}, {"listen_port": 4000,
                                                                              "connect_address": "wsl"}]},
                 fake, check_mode=True)
    assert [c for c in fake.wsl_calls() if "--exec" in c] == [], "no wsl --exec in check mode"
    assert fake.calls_to("PORTPROXY_APPLY_PS1") == [] and fake.calls_to("PORTPROXY_SYNC_INSTALL_PS1") == []
    # The existing rule is not drift; the missing one is, whatever address it would get.
    assert result["added"] == ["v4tov4 127.0.0.1:4000 -> wsl:4000"] and result["updated"] == []
    assert len(result["unknown"]) == 2 and "check mode starts nothing" in result["unknown"][0]
