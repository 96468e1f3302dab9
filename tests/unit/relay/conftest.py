# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures that start upstream servers and relays and always end them, also when a test fails."""
from __future__ import annotations

import json

import pytest

from .support import RelayProcess, Upstream


@pytest.fixture
def upstreams():
    started = []

    def make(handler=None, **kwargs):
        server = Upstream(handler, **kwargs)
        started.append(server)
        return server

    yield make
    for server in started:
        server.close()


@pytest.fixture
def relay(tmp_path):
    """Factory: relay(*args) or relay(config=dict) starts a relay; all are killed at teardown."""
    started = []

    def make(*args, config=None, python=None, wait=True):
        argv = list(args)
        if config is not None:
            path = tmp_path / ("relay-%d.json" % len(started))
            path.write_text(json.dumps(config))
            argv = ["--config", str(path)] + argv
        proc = RelayProcess(argv, python=python)
        started.append(proc)
        if wait:
            expected = len(config["forwards"]) if config else sum(1 for a in argv if a == "--forward")
            proc.wait_listening(expected)
        return proc

    yield make
    for proc in started:
        proc.stop()
