# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The relay's pure parts, called in-process: endpoints, configuration rules, the route table."""
from __future__ import annotations

import pytest

from .support import load_relay_module

relay = load_relay_module()

ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0120A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth1\t00000000\t01E011AC\t0003\t0\t0\t10\t00000000\t0\t0\t0
eth0\t0020A8C0\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0
"""


def test_route_table_picks_lowest_metric_default_gateway():
    # 0x01E011AC little-endian is 172.17.224.1, the shape of a WSL NAT gateway
    assert relay.parse_route_table(ROUTES.splitlines()) == "172.17.224.1"


def test_route_table_ignores_routes_that_are_down_or_not_default():
    lines = ROUTES.splitlines()
    down = lines[0:1] + [lines[2].replace("\t0003\t", "\t0002\t"), lines[3]]
    assert relay.parse_route_table(down) is None
    assert relay.parse_route_table(lines[0:1]) is None
    assert relay.parse_route_table(["header", "garbage line", "eth0 zz yy"]) is None


def test_read_default_gateway_reads_the_file(tmp_path):
    path = tmp_path / "route"
    path.write_text(ROUTES)
    assert relay.read_default_gateway(str(path)) == "172.17.224.1"
    assert relay.read_default_gateway(str(tmp_path / "missing")) is None


@pytest.mark.parametrize("text, role, expected", [
    ("127.0.0.1:80", "listen", ("127.0.0.1", 80)),
    ("[::1]:8080", "listen", ("::1", 8080)),
    ("windows-host:5432", "target", ("windows-host", 5432)),
    ("[fd00::1]:65535", "target", ("fd00::1", 65535)),
    ("10.0.0.1:1", "target", ("10.0.0.1", 1)),
])
def test_endpoints_accepted(text, role, expected):
    assert relay.parse_endpoint(text, "x", role) == expected


@pytest.mark.parametrize("text, role, message", [
    ("127.0.0.1:0", "listen", "port must be an integer from 1 to 65535"),
    ("127.0.0.1:65536", "listen", "port must be an integer from 1 to 65535"),
    ("127.0.0.1:http", "listen", "port must be an integer from 1 to 65535"),
    ("::1:80", "listen", "IPv6 address must be written [ADDRESS]:PORT"),
    ("[::1:80", "listen", "IPv6 address must be written [ADDRESS]:PORT"),
    ("[127.0.0.1]:80", "listen", "brackets are for IPv6 addresses only"),
    ("windows-host:80", "listen", "only valid as a target"),
    ("example.com:80", "target", "host must be an IPv4 address"),
    ("0.0.0.0:80", "target", "target must be a unicast address"),
    ("80", "listen", "expected HOST:PORT"),
    ("", "listen", "expected a string HOST:PORT"),
])
def test_endpoints_rejected_with_the_rule(text, role, message):
    with pytest.raises(relay.ConfigError) as err:
        relay.parse_endpoint(text, "forwards[0].%s" % role, role)
    assert message in str(err.value)
    assert "forwards[0].%s" % role in str(err.value)


def _conf(**extra):
    data = {"forwards": [{"listen": "127.0.0.1:8000", "target": "windows-host:8000"}]}
    data.update(extra)
    return data


def test_defaults_and_per_forward_limits():
    conf = relay.validate_config({
        "max_connections": 10, "idle_timeout": 60,
        "forwards": [
            {"name": "db", "listen": "127.0.0.1:5432", "target": "windows-host:5432", "max_connections": 2},
            {"listen": "[::1]:5432", "target": "[::1]:15432"},
        ]})
    first, second = conf["forwards"]
    assert (first["name"], first["max_connections"], first["idle_timeout"]) == ("db", 2, 60.0)
    assert (second["name"], second["max_connections"]) == ("[::1]:5432", 10)
    assert conf["connect_timeout"] == relay.DEFAULTS["connect_timeout"]
    assert conf["allow_non_loopback"] is False


@pytest.mark.parametrize("data, message", [
    ([], "expected a JSON object"),
    ({"forwards": []}, "forwards: expected a non-empty list"),
    (_conf(colour="blue"), "unknown key 'colour'"),
    ({"forwards": [{"listen": "127.0.0.1:1"}]}, "forwards[0]: missing required key 'target'"),
    ({"forwards": [{"listen": "127.0.0.1:1", "target": "10.0.0.1:1", "tls": True}]}, "forwards[0]: unknown key 'tls'"),
    (_conf(max_connections=0), "max_connections: 0: must be between 1 and"),
    (_conf(max_connections=True), "max_connections: True: expected an integer"),
    (_conf(idle_timeout="1h"), "idle_timeout: '1h': expected a number"),
    (_conf(allow_non_loopback="yes"), "allow_non_loopback: 'yes': expected true or false"),
    (_conf(status_file="status.json"), "status_file: 'status.json': expected an absolute path"),
    ({"forwards": [{"listen": "192.0.2.1:80", "target": "windows-host:80"}]},
     "forwards[0].listen: '192.0.2.1:80': not a loopback address; set allow_non_loopback"),
    ({"forwards": [{"listen": "127.0.0.1:80", "target": "windows-host:80"},
                   {"listen": "127.0.0.1:80", "target": "windows-host:81"}]},
     "forwards[1].listen: '127.0.0.1:80': already used by forwards[0]"),
    ({"forwards": [{"name": "a", "listen": "127.0.0.1:80", "target": "windows-host:80"},
                   {"name": "a", "listen": "127.0.0.1:81", "target": "windows-host:81"}]},
     "forwards[1].name: 'a': used by an earlier forward"),
    ({"forwards": [{"listen": "127.0.0.1:80", "target": "127.0.0.1:80"}]}, "the relay would connect to itself"),
])
def test_bad_configuration_names_key_and_rule(data, message):
    with pytest.raises(relay.ConfigError) as err:
        relay.validate_config(data)
    assert message in str(err.value)


def test_non_loopback_listen_allowed_only_when_asked():
    data = {"allow_non_loopback": True, "forwards": [{"listen": "0.0.0.0:80", "target": "windows-host:80"}]}
    assert relay.validate_config(data)["forwards"][0]["listen"] == ("0.0.0.0", 80)


def test_command_line_forwards_become_the_same_configuration():
    args = relay.build_parser().parse_args(
        ["--forward", "127.0.0.1:1=windows-host:2", "--forward", "[::1]:3=[::1]:4", "--max-connections", "7"])
    conf = relay.config_from_args(args)
    assert [(f["listen"], f["target"], f["max_connections"]) for f in conf["forwards"]] == [
        (("127.0.0.1", 1), ("windows-host", 2), 7), (("::1", 3), ("::1", 4), 7)]
    with pytest.raises(relay.ConfigError) as err:
        relay.config_from_args(relay.build_parser().parse_args(["--forward", "127.0.0.1:1"]))
    assert "expected LISTEN_HOST:PORT=TARGET_HOST:PORT" in str(err.value)
