# Make `ansible_collections.wslfleet.networking` importable straight from the working tree, the way
# ansible-test would, without copying the repository: a temporary collections root whose
# ansible_collections/wslfleet/networking is a symlink to this checkout.
from __future__ import annotations

import os
import sys
import tempfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _install_collection_loader():
    root = tempfile.mkdtemp(prefix="wslfleet-units-")
    namespace_dir = os.path.join(root, "ansible_collections", "wslfleet")
    os.makedirs(namespace_dir)
    os.symlink(REPO_ROOT, os.path.join(namespace_dir, "networking"))
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    paths = [root] + [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    finder = _AnsibleCollectionFinder(paths=paths)
    finder._install()
    sys.path.insert(0, root)


_install_collection_loader()
