#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wslfleet.networking contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The two fragment rules `antsibull-changelog lint` does not check (it checks the format only).

* A fragment never announces a new plugin, role or playbook: antsibull-changelog lists those in
  the release's changelog itself, from the collection's contents, so an entry would say it twice.
* A bugfix entry fixes something a release shipped: before the first release (``releases`` in
  changelogs/changelog.yaml is empty) there is nothing to fix and no ``bugfixes`` section.

    scripts/check_changelog_fragments.py [COLLECTION_ROOT]      exit 1 and one line per problem
"""

from __future__ import annotations

import os
import re
import sys

import yaml

# "<name>[, <name>...] - new [read-only] <kind>": the form an announcement of new content takes.
# "<name> - new option ..." is a change to existing content and stays allowed.
NEW_CONTENT = re.compile(r"^\s*[\w.]+(?:\s*,\s*[\w.]+)*(?:\s+(?:module|plugin|role|playbook))?\s+-\s+new\s+"
                         r"(?:[\w-]+\s+){0,2}(?:module|plugin|role|playbook|filter|callback|lookup|test)s?\b", re.IGNORECASE)


def fragment_problems(name, fragment, released):
    problems = []
    if not isinstance(fragment, dict):
        return ["%s: a fragment is a mapping of section names to entries" % name]
    if fragment.get("bugfixes") and not released:
        problems.append("%s: 'bugfixes' before the first release (nothing released to fix; changelogs/changelog.yaml "
                        "has no releases) - describe the change in the section of the feature, or drop it" % name)
    for section, entries in fragment.items():
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, str) and NEW_CONTENT.match(entry):
                problems.append("%s: %s entry announces new content (%r...); antsibull-changelog lists new plugins, "
                                "roles and playbooks itself" % (name, section, entry[:60]))
    return problems


def collection_problems(root):
    with open(os.path.join(root, "changelogs", "changelog.yaml"), encoding="utf-8") as handle:
        released = bool((yaml.safe_load(handle) or {}).get("releases"))
    folder = os.path.join(root, "changelogs", "fragments")
    problems = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith((".yml", ".yaml")):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            problems.extend(fragment_problems(name, yaml.safe_load(handle), released))
    return problems


def main(argv):
    problems = collection_problems(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    for problem in problems:
        print("changelog fragment: %s" % problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
