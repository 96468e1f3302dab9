# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # The edit options wsl_conf and wslconfig share (argument spec: _wsl_config_edit.EDIT_OPTIONS).
    DOCUMENTATION = r"""
options:
  state:
    description:
      - V(present) sets every listed key; V(absent) removes every occurrence of every listed key.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove keys of the listed sections that are not listed, and later
        (dead) duplicates of listed keys. Comments and other sections are kept.
    type: bool
    default: false
  backup:
    description:
      - Keep a timestamped copy of the previous file next to it when the file changes.
    type: bool
    default: false
  validate:
    description:
      - V(strict) fails on keys the schema does not know; V(warn) writes them and returns a warning.
      - Invalid values of known keys and keys in the wrong section always fail.
    type: str
    choices: [strict, warn]
    default: strict
"""
