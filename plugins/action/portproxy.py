# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""portproxy: the declared set of `netsh interface portproxy` rules on a Windows host."""

from __future__ import annotations

import ipaddress
import json

from ansible.errors import AnsibleActionFail

from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows import (
    WindowsAction,
    account_matches,
    check_account,
    no_distributions_error,
    run_network_change,
    run_powershell,
    run_wsl,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_parsers import (
    parse_hostname_i,
    parse_portproxy_registry,
    parse_wsl_list_verbose,
)
from ansible_collections.wslfleet.networking.plugins.plugin_utils._windows_scripts import (
    HOST_FACTS_PS1,
    PORTPROXY_APPLY_PS1,
    PORTPROXY_READ_PS1,
    PORTPROXY_SYNC_INSTALL_PS1,
    PORTPROXY_SYNC_PS1,
)

FAMILIES = ("v4tov4", "v4tov6", "v6tov4", "v6tov6")
WSL_TARGET = "wsl"
SYNC_TASK_NAME = "wslfleet-portproxy-sync"
SYNC_SCRIPT_NAME = "portproxy-sync.ps1"
SYNC_CONFIG_NAME = "portproxy-sync.json"
SYNC_STATUS_NAME = "portproxy-sync-status.json"

RULE_SPEC = dict(
    listen_port=dict(type="int", required=True),
    listen_address=dict(type="str"),
    connect_address=dict(type="str", required=True),
    connect_port=dict(type="int"),
    family=dict(type="str", default="v4tov4", choices=list(FAMILIES)),
)

ARGUMENT_SPEC = dict(
    rules=dict(type="list", elements="dict", default=[], options=RULE_SPEC),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    purge=dict(type="bool", default=False),
    allow_lan_exposure=dict(type="bool", default=False),
    distribution=dict(type="str"),
    resync=dict(type="bool", default=True),
    resync_interval=dict(type="int", default=5),
    wsl_user=dict(type="str"),
)


def _ip_version(family, side):
    """v4tov6: listen side is IPv4, connect side is IPv6."""
    return 4 if family[1 if side == "listen" else 5] == "4" else 6


def _address(value, version, what):
    if version == 4 and value == "*":
        # netsh shows '*' for a rule created without listenaddress (reference 4.2).
        return "*"
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise AnsibleActionFail("%s %r is not an IP address; portproxy rules take IP literals only" % (what, value))
    if address.version != version:
        raise AnsibleActionFail("%s %r is not an IPv%d address, which its family needs" % (what, value, version))
    return str(address)


def _is_wildcard(address):
    return address in ("*", "0.0.0.0", "::")


def _port(value, what):
    if not 1 <= value <= 65535:
        raise AnsibleActionFail("%s %d is outside 1-65535" % (what, value))
    return value


def normalize_rules(rules, allow_lan_exposure, management_port=None):
    """Validate the declared rules; return them normalised, plus the wildcard-listen ones."""
    seen = set()
    out = []
    exposed = []
    for index, rule in enumerate(rules):
        where = "rules[%d]" % index
        family = rule["family"]
        listen_version = _ip_version(family, "listen")
        listen_address = rule.get("listen_address")
        if listen_address is None:
            # Loopback by default: a portproxy on all addresses exposes the guest to the LAN.
            listen_address = "127.0.0.1" if listen_version == 4 else "::1"
        listen_address = _address(listen_address, listen_version, where + ".listen_address")
        listen_port = _port(rule["listen_port"], where + ".listen_port")
        connect_port = _port(rule.get("connect_port") or listen_port, where + ".connect_port")
        connect_address = rule["connect_address"]
        if connect_address.lower() == WSL_TARGET:
            if _ip_version(family, "connect") != 4:
                raise AnsibleActionFail(
                    "%s.connect_address 'wsl' resolves to the guest's IPv4 NAT address, so family must be "
                    "v4tov4 or v6tov4, not %s" % (where, family))
            connect_address = WSL_TARGET
        else:
            connect_address = _address(connect_address, _ip_version(family, "connect"), where + ".connect_address")
        key = (family, listen_address, listen_port)
        if key in seen:
            raise AnsibleActionFail("%s repeats the rule %s %s port %d; each (family, listen_address, "
                                    "listen_port) may appear once" % (where, family, listen_address, listen_port))
        seen.add(key)
        if management_port is not None and listen_port == management_port:
            raise AnsibleActionFail(
                "%s.listen_port %d is the port Ansible manages this host through; a portproxy there would "
                "take over the management connection" % (where, listen_port))
        if _is_wildcard(listen_address):
            if not allow_lan_exposure:
                raise AnsibleActionFail(
                    "%s.listen_address %s listens on every interface and exposes port %d to the network; "
                    "set allow_lan_exposure: true to allow that, or listen on 127.0.0.1"
                    % (where, listen_address, listen_port))
            exposed.append("%s %s:%d" % (family, listen_address, listen_port))
        out.append(dict(family=family, listen_address=listen_address, listen_port=listen_port,
                        connect_address=connect_address, connect_port=connect_port))
    return out, exposed


def rule_key(rule):
    return (rule["family"], rule["listen_address"], rule["listen_port"])


def rule_line(rule):
    return "%s %s:%s -> %s:%s" % (rule["family"], rule["listen_address"], rule["listen_port"],
                                  rule["connect_address"], rule["connect_port"])


def plan(current, desired, state, purge):
    """Return (changes, after) where changes are netsh operations and after the resulting rule set."""
    by_key = dict((rule_key(r), r) for r in current)
    after = dict(by_key)
    changes = []
    if state == "absent":
        for rule in desired:
            if rule_key(rule) in by_key:
                changes.append(dict(by_key[rule_key(rule)], op="delete"))
                del after[rule_key(rule)]
        return changes, sorted(after.values(), key=rule_key)
    wanted = set()
    for rule in desired:
        wanted.add(rule_key(rule))
        have = by_key.get(rule_key(rule))
        if have is None or (have["connect_address"], have["connect_port"]) != (
                rule["connect_address"], rule["connect_port"]):
            changes.append(dict(rule, op="set"))
            after[rule_key(rule)] = rule
    if purge:
        for key, rule in sorted(by_key.items()):
            if key not in wanted:
                changes.append(dict(rule, op="delete"))
                del after[key]
    return changes, sorted(after.values(), key=rule_key)


def sync_config_text(distribution, rules):
    payload = {
        "distribution": distribution,
        "rules": [dict((k, r[k]) for k in ("family", "listen_address", "listen_port", "connect_port"))
                  for r in sorted(rules, key=rule_key)],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def sync_status(text):
    """The re-sync task's last verdict (the JSON its script writes), or None before its first run."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return {"ok": False, "time": None, "errors": ["the status file is not JSON: %r" % text[:200]]}
    if not isinstance(data, dict):
        return {"ok": False, "time": None, "errors": ["the status file holds %r" % (data,)]}
    errors = data.get("errors") or []
    return {"ok": bool(data.get("ok")), "time": data.get("time"), "action": data.get("action"),
            "address": data.get("address"), "errors": [str(e) for e in (errors if isinstance(errors, list) else [errors])]}


class ActionModule(WindowsAction):
    _requires_connection = True

    def _management_port(self, task_vars):
        for getter in (lambda: self._connection.get_option("port"), lambda: task_vars.get("ansible_port")):
            try:
                value = getter()
            except Exception:  # pylint: disable=broad-except
                continue
            if value:
                return int(value)
        return None

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result, args = self.start(tmp, task_vars, ARGUMENT_SPEC)
        if args["resync_interval"] < 1:
            raise AnsibleActionFail("resync_interval %d must be at least 1 minute" % args["resync_interval"])
        desired, exposed = normalize_rules(args["rules"], args["allow_lan_exposure"], self._management_port(task_vars))
        if args["purge"] and args["state"] == "absent":
            raise AnsibleActionFail("purge applies to state=present only; state=absent removes the listed rules")

        read = run_powershell(self, PORTPROXY_READ_PS1, {
            "TaskName": SYNC_TASK_NAME, "ScriptName": SYNC_SCRIPT_NAME, "ConfigName": SYNC_CONFIG_NAME,
            "StatusName": SYNC_STATUS_NAME,
        }, task_vars, "reading portproxy rules")
        current = parse_portproxy_registry(read.get("rules"))

        guest_rules = [r for r in desired if r["connect_address"] == WSL_TARGET]
        distribution = guest_address = account = None
        unknown = []
        if guest_rules and args["state"] == "present":
            account, distribution, guest_address = self._resolve_guest(args, task_vars)
            if guest_address is None:
                # Check mode starts nothing, and the guest's address is only known from inside it: the rules
                # that point at it keep what they have and are reported as unknown, never as drift.
                unknown = ["%s: connect address of distribution %s not known, reading it needs `wsl --exec` "
                           "and check mode starts nothing in WSL" % (rule_line(dict(r, connect_address="wsl")),
                                                                     distribution) for r in guest_rules]
                # A rule that is missing altogether is still a difference, whatever the address.
                held = dict((rule_key(r), r) for r in current)
                desired = [held.get(rule_key(r), r) if r["connect_address"] == WSL_TARGET else r for r in desired]
            else:
                desired = [dict(r, connect_address=guest_address) if r["connect_address"] == WSL_TARGET else r
                           for r in desired]

        changes, after = plan(current, desired, args["state"], args["purge"])

        service = read.get("iphlpsvc") or {}
        need_service = args["state"] == "present" and bool(after) and (
            service.get("status") != "Running" or service.get("start_type") == "Disabled")
        if args["state"] == "present" and after and not service:
            raise AnsibleActionFail("the IP Helper service (iphlpsvc) that owns portproxy listeners does not exist "
                                    "on this host; portproxy cannot work without it")

        sync = self._plan_sync(args, read, guest_rules, changes, distribution, account, task_vars)

        result["changed"] = bool(changes) or need_service or sync["action"] != "none"
        existing = set(rule_key(r) for r in current)
        result.update(
            rules=after,
            added=[rule_line(c) for c in changes if c["op"] == "set" and rule_key(c) not in existing],
            updated=[rule_line(c) for c in changes if c["op"] == "set" and rule_key(c) in existing],
            removed=[rule_line(c) for c in changes if c["op"] == "delete"],
            lan_exposed=exposed,
            guest_address=guest_address,
            distribution=distribution,
            iphlpsvc_started=need_service,
            resync_task=sync["report"],
            unknown=unknown,
        )
        if exposed:
            self._display.warning("portproxy listens on every interface for %s; LAN clients can reach these ports "
                                  "(allow_lan_exposure is true)" % ", ".join(exposed))
        if self._task.diff and result["changed"]:
            result["diff"] = {
                "before_header": "portproxy rules", "after_header": "portproxy rules",
                "before": "".join(rule_line(r) + "\n" for r in current),
                "after": "".join(rule_line(r) + "\n" for r in after),
            }
        if self._task.check_mode or not result["changed"]:
            return result

        if changes or need_service:
            log = run_network_change(self, PORTPROXY_APPLY_PS1, {
                "Changes": [dict((k, c[k]) for k in ("op", "family", "listen_address", "listen_port",
                                                     "connect_address", "connect_port")) for c in changes],
                "EnsureService": args["state"] == "present" and bool(after),
            }, task_vars, "changing portproxy rules")
            result["log"] = (log or {}).get("log", [])
        if sync["action"] != "none":
            run_powershell(self, PORTPROXY_SYNC_INSTALL_PS1, sync["parameters"], task_vars,
                           "installing the portproxy re-sync task")
        return result

    def _resolve_guest(self, args, task_vars):
        facts = run_powershell(self, HOST_FACTS_PS1, {}, task_vars, "reading the host account")
        account = facts.get("account")
        check_account(account, args["wsl_user"], "portproxy")
        listing = run_wsl(self, [["--list", "--verbose"]], task_vars)[0]
        distros = parse_wsl_list_verbose(listing["stdout"])
        if not distros:
            raise no_distributions_error(account, "portproxy connect_address 'wsl'")
        distribution = args["distribution"]
        names = [d["name"] for d in distros]
        if distribution is None:
            distribution = next((d["name"] for d in distros if d["default"]), names[0])
        elif distribution not in names:
            raise AnsibleActionFail("distribution %r is not registered for '%s' (registered: %s)"
                                    % (distribution, account, ", ".join(names)))
        if self._task.check_mode:
            return account, distribution, None
        # Starts the distribution when it is stopped: its NAT address only exists while it runs.
        probe = run_wsl(self, [["--distribution", distribution, "--exec", "hostname", "-I"]], task_vars)[0]
        address = parse_hostname_i(probe["stdout"])
        if probe["rc"] != 0 or not address:
            raise AnsibleActionFail(
                "could not read the NAT address of distribution %r (hostname -I exited %d: %s). In mirrored "
                "networking mode the guest shares the host's addresses and portproxy is not needed"
                % (distribution, probe["rc"], (probe["stderr"] or probe["stdout"]).strip()))
        return account, distribution, address

    def _plan_sync(self, args, read, guest_rules, changes, distribution, account, task_vars):
        """Decide what happens to the re-sync task that we own."""
        task = read.get("task")
        base = {"TaskName": SYNC_TASK_NAME, "ScriptName": SYNC_SCRIPT_NAME, "ConfigName": SYNC_CONFIG_NAME,
                "StatusName": SYNC_STATUS_NAME}
        owned = []
        if read.get("config"):
            try:
                owned_config = json.loads(read["config"])
                owned = owned_config.get("rules", [])
                distribution = distribution or owned_config.get("distribution")
            except ValueError:
                owned = []
        if args["state"] == "present":
            keep = list(guest_rules) if args["resync"] else []
            if not args["purge"] and args["resync"]:
                # Rules of earlier runs stay owned unless this run redeclares their key.
                declared = set(rule_key(r) for r in guest_rules)
                keep += [r for r in owned if rule_key(r) not in declared]
        else:
            removed = set(rule_key(c) for c in changes if c["op"] == "delete") | set(rule_key(r) for r in guest_rules)
            keep = [r for r in owned if rule_key(r) not in removed]
        if not keep:
            if task or read.get("script") or read.get("config"):
                return {"action": "remove", "report": {"state": "absent", "name": SYNC_TASK_NAME},
                        "parameters": dict(base, State="absent")}
            return {"action": "none", "report": {"state": "absent", "name": SYNC_TASK_NAME}}
        config = sync_config_text(distribution, keep)
        if account is None:
            account = run_powershell(self, HOST_FACTS_PS1, {}, task_vars, "reading the host account").get("account")
        report = {"state": "present", "name": SYNC_TASK_NAME, "distribution": distribution, "user": account,
                  "interval_minutes": args["resync_interval"],
                  "rules": ["%s %s:%s" % rule_key(r) for r in sorted(keep, key=rule_key)]}
        last = sync_status(read.get("sync_status"))
        report["last_result"] = last
        up_to_date = (task is not None and read.get("script") == PORTPROXY_SYNC_PS1 and read.get("config") == config
                      and account_matches(account, task.get("user")))
        if up_to_date and last is not None and not last["ok"]:
            # Reinstalling writes the current script and clears the verdict; until then it is drift.
            report["problem"] = "the last re-sync (%s) failed: %s" % (last.get("time"), "; ".join(last["errors"]))
            self._display.warning("portproxy: " + report["problem"])
            up_to_date = False
        if up_to_date:
            return {"action": "none", "report": report}
        return {"action": "install", "report": report, "parameters": dict(
            base, State="present", ScriptText=PORTPROXY_SYNC_PS1, ConfigText=config, User=account,
            IntervalMinutes=args["resync_interval"])}
