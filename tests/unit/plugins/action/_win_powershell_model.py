# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ansible.windows.win_powershell does to `$Ansible.Result` before Ansible sees it.

Written from ansible.windows 3.3.0 (`ansible-collections/ansible.windows` at a1e2a842),
plugins/modules/win_powershell.ps1, function `Convert-OutputObject`, which the module applies as
`Convert-OutputObject -InputObject $result.Result -Depth $module.Params.depth` (option `depth`,
default 2, plugins/modules/win_powershell.py). Its rules, in the order the function tests them:

* `$null` stays null;
* an enum, while the depth is 0 or more, becomes `{Type, String, Value}` (type name, name, number);
* strings and value types (int, bool, UInt32, double, an enum below depth 0) pass unchanged;
* below depth 0 anything else is cast with `[string]`: an array becomes its elements joined by a
  space (`$OFS`), a nested array inside it `System.Object[]`, a hashtable
  `System.Collections.Hashtable` (the module's own integration test,
  tests/integration/targets/win_powershell/tasks/tests.yml "output with larger depth", expects
  `'squashed System.Object[]'`);
* an IList becomes a list, a dictionary a dict, each child converted at depth - 1.

Value types serialise through Ansible.Basic's JavaScriptSerializer, which writes an enum as its
number. The test doubles describe the PowerShell value a script builds with the types below;
`module_result` turns it into what the plugin receives.
"""

from __future__ import annotations

DEFAULT_DEPTH = 2


class PSEnum:
    """A .NET enum value a script did not cast, e.g. PSEnum('Microsoft...Direction', 'Inbound', 1)."""

    def __init__(self, type_name, name, value):
        self.type_name = type_name
        self.name = name
        self.value = int(value)

    def __str__(self):
        return self.name


def pipeline(items):
    """`$x = <pipeline>`: PowerShell unrolls pipeline output, so none is $null, one is the item
    itself (not a one-element array), more is an object[]. `@(...)` around it undoes that."""
    items = list(items)
    if not items:
        return None
    return items[0] if len(items) == 1 else items


def _cast_string(value):
    """PowerShell's [string] conversion of what Convert-OutputObject squashes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, PSEnum):
        return value.name
    if isinstance(value, (list, tuple)):
        # Elements are joined with $OFS; an element that is itself a collection prints its type name.
        return " ".join(_element_string(v) for v in value)
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    return str(value)


def _element_string(value):
    if isinstance(value, (list, tuple)):
        return "System.Object[]"
    return _cast_string(value)


def convert(value, depth=DEFAULT_DEPTH):
    """Convert-OutputObject -InputObject value -Depth depth."""
    if value is None:
        return None
    if isinstance(value, PSEnum):
        if depth >= 0:
            return {"Type": value.type_name, "String": value.name, "Value": value.value}
        return value.value
    if isinstance(value, (str, bool, int, float)):
        return value
    if depth < 0:
        return _cast_string(value)
    if isinstance(value, (list, tuple)):
        return [convert(v, depth - 1) for v in value]
    if isinstance(value, dict):
        return dict((k, convert(v, depth - 1)) for k, v in value.items())
    raise TypeError("no PowerShell model for %r" % (value,))


def module_result(result, depth=None):
    """A whole win_powershell module result with its `result` converted at `depth` (the task's
    `depth` option; None = the module default)."""
    out = dict(result)
    out["result"] = convert(result.get("result"), DEFAULT_DEPTH if depth is None else depth)
    return out
