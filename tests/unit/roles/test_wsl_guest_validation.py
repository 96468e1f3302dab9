# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wsl_guest role's input patterns (roles/wsl_guest/vars/main.yml), rendered by Ansible's own
templar exactly as the role's asserts use them, against Python's ipaddress module."""

from __future__ import annotations

import ipaddress
import os
import re

import pytest
from hypothesis import given, settings, strategies as st

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from _core_compat import trust_as_template

VARS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "wsl_guest", "vars", "main.yml")


@pytest.fixture(scope="module")
def patterns():
    loader = DataLoader()
    # Role vars are trusted templates in a play; a file read by a test must be marked so itself.
    variables = _trusted(loader.load_from_file(VARS))
    templar = Templar(loader=loader, variables=variables)
    names = ("ipv4", "ipv6", "ipv4_network", "ipv6_network", "port")
    return {n: re.compile(templar.template(variables["__wslfleet_guest_re_" + n])) for n in names}


def _trusted(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((k, _trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_trusted(v) for v in value]
    return value


def is_network(text, version):
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return net.version == version


@settings(max_examples=300, deadline=None)
@given(st.ip_addresses(v=6), st.integers(min_value=0, max_value=128))
def test_every_ipv6_address_and_network_matches(patterns, address, prefix):
    for text in (address.compressed, address.exploded):
        assert patterns["ipv6"].match(text)
        assert patterns["ipv6_network"].match("%s/%d" % (text, prefix))
    assert not patterns["ipv4"].match(address.compressed)


@settings(max_examples=300, deadline=None)
@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_every_ipv4_address_and_network_matches(patterns, address, prefix):
    assert patterns["ipv4"].match(str(address))
    assert patterns["ipv4_network"].match("%s/%d" % (address, prefix))
    assert patterns["ipv6"].match("::ffff:%s" % address)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789abcdefABCDEF:./", max_size=45))
def test_patterns_accept_exactly_what_ipaddress_accepts(patterns, text):
    # Python accepts no zone ids here and no leading zeros in IPv4 octets, like ufw.
    assert bool(patterns["ipv4_network"].match(text)) == is_network(text, 4)
    assert bool(patterns["ipv6_network"].match(text)) == is_network(text, 6)


@pytest.mark.parametrize("text", ["10.0.0.0/33", "256.1.1.1", "1.2.3", "10.0.0.0/", "fe80::1/129", "1::2::3",
                                  "12345::", "10.0.0.0/8 ", "any", ""])
def test_bad_sources_are_refused(patterns, text):
    assert not patterns["ipv4_network"].match(text) and not patterns["ipv6_network"].match(text)


@pytest.mark.parametrize("text, ok", [("22", True), ("8000:8010", True), ("65535", True), ("0", False),
                                      ("22/tcp", False), ("80-90", False), ("http", False), ("", False)])
def test_port_pattern(patterns, text, ok):
    assert bool(patterns["port"].match(text)) is ok
