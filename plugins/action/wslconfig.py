# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin behind ``wslfleet.networking.wslconfig`` (docs: plugins/modules/wslconfig.py).

All decisions happen here on the controller with the shared engine; the target only reads and
writes bytes. On a Windows host that is ``win_powershell`` (profile of a user), ``win_stat``,
``slurp``, ``win_reg_stat`` (machine policies) and ``win_copy``; inside the user's WSL guest it is
``stat``, ``slurp`` and ``copy`` on the Windows drive mount.
"""

from __future__ import annotations

import base64
import os
import re
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_config_edit import (
    EDIT_OPTIONS,
    ConfigEditError,
    apply_settings,
    check_file_type,
    check_path_text,
    stat_file_type,
)
from ansible_collections.wslfleet.networking.plugins.module_utils._wsl_schema import windows_profile_in_guest
from ansible_collections.wslfleet.networking.plugins.plugin_utils._action_io import run_action, run_module
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import run_powershell
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import PROFILE_PATH_PS1

display = Display()

POLICY_KEY = "HKLM:\\Software\\Policies\\WSL"


ARGUMENT_SPEC = dict(
    EDIT_OPTIONS,
    user=dict(type="str"),
    path=dict(type="str"),
    mount_root=dict(type="str", default="/mnt/c"),
    policy_conflict=dict(type="str", choices=["warn", "fail"], default="warn"),
)

# A Windows user name as typed (optionally DOMAIN\user); nothing that could walk out of Users.
_USER_RE = re.compile(r"^(?:[^\\/:*?\"<>|]+\\)?[^\\/:*?\"<>|]+$")


class ActionModule(ActionBase):

    # The copy actions this plugin runs create their own remote temporary directory.
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=[("user", "path")],
            required_one_of=[("user", "path")],
        )
        user = args["user"]
        if user is not None and (not _USER_RE.match(user) or user.strip(". ") == ""):
            raise AnsibleActionFail("user %r is not a Windows user name (rule: no / : * ? \" < > | and not . or ..)"
                                    % user)
        windows = getattr(self._connection._shell, "SHELL_FAMILY", "") == "powershell"
        try:
            if args["path"] is not None:
                check_path_text(args["path"], windows)
            if windows:
                path = self._windows_path(user, args["path"], task_vars)
                data = self._windows_read(path, task_vars)
                policies = self._windows_policies(task_vars)
            else:
                path = self._mount_path(user, args["path"], args["mount_root"], task_vars)
                data = self._posix_read(path, task_vars)
                policies = None
            try:
                edit = apply_settings(data, "wslconfig", args["settings"], state=args["state"],
                                      exclusive=args["exclusive"], validate=args["validate"], policies=policies,
                                      label=path)
            except ConfigEditError as exc:
                raise AnsibleActionFail(to_native(exc))
            if edit.policy_conflicts and args["policy_conflict"] == "fail":
                details = "; ".join("%s=%r is replaced by %r (policy %s=0)"
                                    % (c["key"], c["requested"], c["effective"], c["policy"])
                                    for c in edit.policy_conflicts)
                raise AnsibleActionFail("machine policy overrides what was asked: %s; nothing was changed" % details,
                                        result={"policy_overrides": edit.policy_conflicts, "policies": policies})

            result.update(edit.as_dict())
            result.update(path=path, policies=policies, policy_overrides=edit.policy_conflicts)
            if user is not None:
                result["user"] = user
            if self._task.diff:
                result["diff"] = edit.diff(path)
            if edit.changed and not self._task.check_mode:
                copied = self._write(windows, path, edit.data, args["backup"], task_vars)
                if copied.get("backup_file"):
                    result["backup_file"] = copied["backup_file"]
            for warning in edit.warnings:
                display.warning("%s: %s" % (self._task.get_name(), warning))
            return result
        except ConfigEditError as exc:
            raise AnsibleActionFail(to_native(exc))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    # ---- Windows host ----------------------------------------------------------------------

    def _windows_path(self, user, path, task_vars):
        if path:
            return path
        found = run_powershell(self, PROFILE_PATH_PS1, {"User": user}, task_vars,
                               "looking up the profile of %s" % user) or {}
        if found.get("problem") or not found.get("profile"):
            raise AnsibleActionFail("cannot find the .wslconfig of %s: %s" % (
                user, found.get("problem") or "no profile path"))
        return found["profile"].rstrip("\\") + "\\.wslconfig"

    def _windows_read(self, path, task_vars):
        stat = run_module(self, "ansible.windows.win_stat", {"path": path, "get_checksum": False}, task_vars,
                          "checking %s" % path)["stat"]
        check_file_type(path, stat_file_type(stat))
        if not stat.get("exists"):
            return None
        return self._slurp("ansible.windows.slurp", path, task_vars)

    def _windows_policies(self, task_vars):
        found = run_module(self, "ansible.windows.win_reg_stat", {"path": POLICY_KEY}, task_vars,
                           "reading the WSL machine policies")
        policies = {}
        for name, prop in (found.get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("type") == "REG_DWORD":
                policies[name] = prop.get("value")
        return policies

    # ---- WSL guest, through the Windows drive mount ----------------------------------------

    def _mount_path(self, user, path, mount_root, task_vars):
        if path:
            return path
        profile = windows_profile_in_guest(mount_root, user)
        stat = run_module(self, "ansible.builtin.stat", {"path": profile, "get_checksum": False}, task_vars,
                          "checking the profile directory %s" % profile)["stat"]
        if not stat.get("exists") or not stat.get("isdir"):
            raise AnsibleActionFail("the Windows profile directory %s does not exist (is the Windows drive mounted "
                                    "at %s, and is %r the Windows user name?); nothing was changed"
                                    % (profile, mount_root, user))
        return profile + "/.wslconfig"

    def _posix_read(self, path, task_vars):
        stat = run_module(self, "ansible.builtin.stat", {"path": path, "get_checksum": False}, task_vars,
                          "checking %s" % path)["stat"]
        check_file_type(path, stat_file_type(stat))
        if not stat.get("exists"):
            return None
        return self._slurp("ansible.builtin.slurp", path, task_vars)

    # ---- shared ----------------------------------------------------------------------------

    def _slurp(self, module, path, task_vars):
        found = run_module(self, module, {"src": path}, task_vars, "reading %s" % path)
        try:
            return base64.b64decode(found["content"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AnsibleActionFail("reading %s returned no usable content: %s" % (path, to_native(exc)))

    def _write(self, windows, path, data, backup, task_vars):
        # The exact bytes travel as a file, so UTF-16 and BOMs survive; both copy actions write
        # through a temporary file and a rename on the target.
        fd, local = tempfile.mkstemp(prefix="wslconfig-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            if windows:
                return run_action(self, "ansible.windows.win_copy",
                                  {"src": local, "dest": path, "backup": backup, "force": True}, task_vars,
                                  "writing %s" % path)
            return run_action(self, "ansible.builtin.copy",
                              {"src": local, "dest": path, "backup": backup, "force": True}, task_vars,
                              "writing %s" % path)
        finally:
            os.unlink(local)
