# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.action import hyperv_firewall

from _windows_fakes import FakeHost, load, make_action, pwsh_result, pwsh_thrown

WSL_ID = "{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}"


def host(read="hyperv_vm_setting_names.json"):
    fake = FakeHost()
    fake.on("HYPERV_VM_SETTING_READ_PS1", load(read))
    fake.on("HYPERV_VM_SETTING_APPLY_PS1", pwsh_result(None))
    return fake


def run(args, fake, **kw):
    return make_action(hyperv_firewall.ActionModule, args, fake, **kw).run(task_vars={})


def test_matching_settings_are_unchanged():
    fake = host("hyperv_vm_setting_names.json")
    result = run({"enabled": True, "default_inbound_action": "block", "default_outbound_action": "allow",
                  "loopback_enabled": "notconfigured"}, fake)
    assert result["changed"] is False
    assert fake.calls_to("HYPERV_VM_SETTING_APPLY_PS1") == []
    assert result["effective"]["loopback_enabled"] is True


def test_creator_id_is_sent_as_a_braced_string():
    fake = host()
    run({"vm_creator_id": "40e0ac32-46a5-438a-a0b2-2b479e8f2e90"}, fake)
    assert fake.calls_to("HYPERV_VM_SETTING_READ_PS1")[0]["parameters"] == {"Name": WSL_ID}


def test_only_differing_settings_are_set_with_enum_spelling():
    fake = host()
    result = run({"enabled": "yes", "default_inbound_action": "allow", "loopback_enabled": True}, fake, diff=True)
    assert result["changed"] is True
    call = fake.calls_to("HYPERV_VM_SETTING_APPLY_PS1")[0]
    assert call["wrap_async"] is True
    assert call["parameters"] == {"Name": WSL_ID, "Exists": True,
                                  "Settings": {"DefaultInboundAction": "Allow", "LoopbackEnabled": "True"}}
    assert result["diff"]["before"]["default_inbound_action"] == "block"
    assert result["diff"]["after"]["default_inbound_action"] == "allow"
    # read again after the change so the effective store is current
    assert len(fake.calls_to("HYPERV_VM_SETTING_READ_PS1")) == 2


def test_unconfigured_creator_uses_new_cmdlet():
    fake = host("hyperv_vm_setting_unconfigured.json")
    result = run({"default_inbound_action": "block"}, fake)
    assert result["changed"] is True
    assert fake.calls_to("HYPERV_VM_SETTING_APPLY_PS1")[0]["parameters"]["Exists"] is False


def test_check_mode_changes_nothing():
    fake = host()
    result = run({"default_inbound_action": "allow"}, fake, check_mode=True)
    assert result["changed"] is True
    assert result["changes"] == {"DefaultInboundAction": "Allow"}
    assert fake.calls_to("HYPERV_VM_SETTING_APPLY_PS1") == []


@pytest.mark.parametrize("args, message", [
    ({"enabled": "maybe"}, "true, false or notconfigured"),
    ({"vm_creator_id": "WSL"}, "not a GUID"),
])
def test_bad_input_fails_before_reading(args, message):
    fake = host()
    with pytest.raises(AnsibleActionFail, match=message):
        run(args, fake)
    assert fake.calls == []


def test_missing_cmdlets_name_the_windows_update_fix():
    fake = FakeHost()
    fake.on("HYPERV_VM_SETTING_READ_PS1", pwsh_thrown("WSLFLEET_NO_HYPERV_FIREWALL"))
    with pytest.raises(AnsibleActionFail, match="22H2"):
        run({"enabled": True}, fake)


def test_no_active_store_object_gives_no_effective_settings():
    read = load("hyperv_vm_setting_names.json")
    read["result"]["active"] = None
    fake = FakeHost()
    fake.on("HYPERV_VM_SETTING_READ_PS1", read)
    assert run({"enabled": True}, fake)["effective"] is None
