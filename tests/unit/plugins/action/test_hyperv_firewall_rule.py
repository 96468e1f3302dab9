# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.action import hyperv_firewall_rule
from ansible_collections.wslfleet.networking.plugins.plugin_utils import _windows_scripts

from _windows_fakes import FakeHost, load, make_action, pwsh_result

WSL_ID = "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"
DEVSERVER = {"name": "devserver", "local_ports": ["8000-8010"], "remote_addresses": ["192.168.10.0/24"]}


def host(read="hyperv_rules_names.json"):
    fake = FakeHost()
    fake.on("HYPERV_RULE_READ_PS1", load(read))
    fake.on("HYPERV_RULE_APPLY_PS1", pwsh_result(None))
    return fake


def run(args, fake, **kw):
    return make_action(hyperv_firewall_rule.ActionModule, args, fake, **kw).run(task_vars={})


def changes(fake):
    calls = fake.calls_to("HYPERV_RULE_APPLY_PS1")
    assert len(calls) == 1 and calls[0]["wrap_async"] is True
    return calls[0]["parameters"]["Changes"]


def test_declared_rule_matches_the_recorded_rule():
    fake = host()
    result = run({"rules": [DEVSERVER]}, fake)
    assert result["changed"] is False
    assert fake.calls_to("HYPERV_RULE_APPLY_PS1") == []
    assert fake.calls_to("HYPERV_RULE_READ_PS1")[0]["parameters"] == {"Prefix": "wslfleet-"}


def test_rule_with_two_ports_and_subnets_converges():
    """win_powershell squashes lists below its depth into one string ("80 443"), and the firewall
    reads CIDR back in mask form; a converged rule must still read as converged."""
    web = {"Name": "wslfleet-web", "DisplayName": "wslfleet-web", "Direction": "Inbound", "Action": "Allow",
           "Enabled": "True", "Protocol": "TCP", "LocalPorts": ["80", "443"], "RemotePorts": ["Any"],
           "LocalAddresses": ["Any"], "RemoteAddresses": ["192.168.10.0/255.255.255.0", "10.0.0.0/255.0.0.0"],
           "VMCreatorId": WSL_ID, "EnforcementStatus": "OK"}
    fake = FakeHost()
    fake.on("HYPERV_RULE_READ_PS1", pwsh_result({"rules": [web]}))
    result = run({"rules": [{"name": "web", "local_ports": [443, 80],
                             "remote_addresses": ["10.0.0.0/8", "192.168.10.0/24"]}]}, fake)
    assert result["changed"] is False
    assert result["rules"][0]["local_ports"] == ["443", "80"]
    assert result["rules"][0]["remote_addresses"] == ["10.0.0.0/8", "192.168.10.0/24"]


def test_new_rule_is_created_with_cmdlet_spelling():
    fake = host()
    result = run({"rules": [DEVSERVER, {"name": "ssh", "local_ports": [22], "remote_addresses": ["10.0.0.1-10.0.0.9"]}]},
                 fake, diff=True)
    assert result["created"] == ["wslfleet-ssh"]
    assert changes(fake) == [{"op": "new", "name": "wslfleet-ssh", "properties": {
        "DisplayName": "wslfleet-ssh", "Direction": "Inbound", "Action": "Allow", "Enabled": "True",
        "Protocol": "TCP", "LocalPorts": ["22"], "RemoteAddresses": ["10.0.0.1-10.0.0.9"], "VMCreatorId": WSL_ID}}]
    assert "wslfleet-ssh: inbound allow tcp ports=22" in result["diff"]["after"]


def test_changed_rule_is_set():
    fake = host()
    result = run({"rules": [dict(DEVSERVER, enabled=False)]}, fake)
    assert result["updated"] == ["wslfleet-devserver"]
    assert changes(fake)[0]["op"] == "set" and changes(fake)[0]["properties"]["Enabled"] == "False"


def test_any_is_sent_for_empty_lists():
    props = hyperv_firewall_rule.cmdlet_properties(hyperv_firewall_rule.normalize_desired(
        [{"name": "icmp", "display_name": None, "direction": "inbound", "action": "allow", "protocol": "icmpv4",
          "local_ports": [], "remote_addresses": [], "enabled": True}], "wslfleet-", WSL_ID)[0])
    assert props["LocalPorts"] == ["Any"] and props["RemoteAddresses"] == ["Any"] and props["Protocol"] == "ICMPv4"


def test_purge_removes_only_undeclared_prefixed_rules_by_name():
    fake = host()
    result = run({"rules": [DEVSERVER], "purge": True}, fake)
    assert changes(fake) == [{"op": "remove", "name": "wslfleet-old"}]
    assert result["removed"] == ["wslfleet-old"]


def test_purge_never_touches_rules_outside_the_prefix():
    current = [hyperv_firewall_rule.normalize_hyperv_rule(r) for r in load("hyperv_rules_names.json")["result"]["rules"]]
    current.append(dict(current[0], name="WslCore Inbound ICMPv4 Default Allow Rule"))
    planned = hyperv_firewall_rule.plan(current, [], "present", True, "wslfleet-")
    assert sorted(c["name"] for c in planned) == ["wslfleet-devserver", "wslfleet-old"]


def test_state_absent_removes_listed_rules_by_name():
    fake = host()
    run({"rules": [{"name": "old"}, {"name": "never-existed"}], "state": "absent"}, fake)
    assert changes(fake) == [{"op": "remove", "name": "wslfleet-old"}]


def test_every_removal_in_every_script_names_its_rule():
    """Remove-NetFirewallHyperVRule without -Name deletes every Hyper-V rule (reference 3.3)."""
    texts = [getattr(_windows_scripts, n) for n in dir(_windows_scripts) if n.endswith("_PS1")]
    calls = [line for text in texts for line in text.splitlines() if "Remove-NetFirewallHyperVRule" in line]
    assert calls, "the apply script removes rules"
    for line in calls:
        assert re.search(r"Remove-NetFirewallHyperVRule\s+-Name\s+\$name\b", line), line
    assert "IsNullOrWhiteSpace($name)" in _windows_scripts.HYPERV_RULE_APPLY_PS1


def test_plan_refuses_a_change_without_name():
    with pytest.raises(AnsibleActionFail, match="without a name"):
        hyperv_firewall_rule.plan([{"name": "", "display_name": "", "direction": "inbound"}], [], "present", True, "")


def test_check_mode_changes_nothing():
    fake = host()
    result = run({"rules": [DEVSERVER], "purge": True}, fake, check_mode=True)
    assert result["changed"] is True and result["removed"] == ["wslfleet-old"]
    assert fake.calls_to("HYPERV_RULE_APPLY_PS1") == []


@pytest.mark.parametrize("args, message", [
    ({"rules": [{"name": "a b"}]}, "letters, digits"),
    ({"rules": [{"name": "x", "local_ports": ["70000"]}]}, "1-65535"),
    ({"rules": [{"name": "x", "local_ports": ["9-1"]}]}, "low end first"),
    ({"rules": [{"name": "x", "local_ports": ["http"]}]}, "not a port"),
    ({"rules": [{"name": "x", "protocol": "icmpv4", "local_ports": ["80"]}]}, "tcp or udp"),
    ({"rules": [{"name": "x", "protocol": "sctp"}]}, "number 0-255"),
    ({"rules": [{"name": "x", "remote_addresses": ["lan"]}]}, "not an address"),
    ({"rules": [{"name": "x"}, {"name": "X"}]}, "appears twice"),
    ({"prefix": ""}, "non-empty"),
    ({"prefix": "WslCore-"}, "WSL creates itself"),
    ({"state": "absent", "purge": True}, "state=present only"),
])
def test_bad_input_fails_before_reading(args, message):
    fake = host()
    with pytest.raises(AnsibleActionFail, match=message):
        run(args, fake)
    assert fake.calls == []
