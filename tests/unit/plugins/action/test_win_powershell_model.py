# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model of win_powershell's output conversion, held to what ansible.windows documents and
tests, and every replayed result held to surviving it at the depth the plugins ask for."""

from __future__ import annotations

import os

import pytest

from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import RESULT_DEPTH

import _win_powershell_model as model
from _windows_fakes import DATA, load


def test_squashing_matches_ansible_windows_own_integration_test():
    # tests/integration/targets/win_powershell/tasks/tests.yml, "output with larger depth" (depth 3).
    value = ["normal 0", ["normal 1", ["normal 2", ["normal 3", ["squashed", ["even more squashed"]]]]]]
    assert model.convert(value, 3) == ["normal 0", ["normal 1", ["normal 2", ["normal 3", "squashed System.Object[]"]]]]


def test_default_depth_flattens_a_list_three_levels_down():
    result = {"rules": [{"LocalPorts": ["80", "443"], "Single": ["22"], "Empty": [], "Map": {"a": 1}}]}
    assert model.convert(result) == {"rules": [{"LocalPorts": "80 443", "Single": "22", "Empty": "",
                                                "Map": "System.Collections.Hashtable"}]}
    assert model.convert(result, 3) == result


def test_enums_scalars_and_null():
    direction = model.PSEnum("Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity.Direction", "Inbound", 1)
    assert model.convert({"d": direction, "n": None, "b": True, "u": 4317}) == {
        "d": {"Type": direction.type_name, "String": "Inbound", "Value": 1}, "n": None, "b": True, "u": 4317}
    # Below depth 0 an enum is a value type: JavaScriptSerializer writes its number.
    assert model.convert({"a": {"b": {"d": direction}}}, 2) == {"a": {"b": {"d": 1}}}


def test_pipeline_assignment_unrolls_one_item():
    assert model.pipeline([]) is None
    assert model.pipeline([{"Name": "x"}]) == {"Name": "x"}
    assert model.pipeline([1, 2]) == [1, 2]


FIXTURES = sorted(n for n in os.listdir(DATA) if n.endswith(".json") and n != "wsl_outputs.json")


@pytest.mark.parametrize("name", FIXTURES)
def test_every_fixture_names_its_source_and_keeps_its_shape_at_the_plugins_depth(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        assert '"_source"' in handle.read(), "%s must say where its shape comes from" % name
    result = load(name)["result"]
    assert model.convert(result, RESULT_DEPTH) == result
