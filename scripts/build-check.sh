#!/usr/bin/env bash
# Build the collection tarball, install it into an empty collections path, and prove that
# ansible-doc lists and renders every module, action and callback shipped in it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Only the fresh path: a checkout found elsewhere on the path would make install a no-op.
export ANSIBLE_COLLECTIONS_PATH="$out/collections"
$BIN/ansible-galaxy collection build --force --output-path "$out/dist" . >/dev/null
tarball=$(ls "$out"/dist/wslfleet-networking-*.tar.gz)
# --no-deps: Galaxy is not reachable here; the dependencies are already in .venv.
$BIN/ansible-galaxy collection install --force --no-deps -p "$out/collections" "$tarball" >/dev/null
# Dependencies (ansible.windows, community.general) come from the `ansible` package in .venv.
export ANSIBLE_COLLECTIONS_PATH="$out/collections:$($BIN/python -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__path__[0]))')"

listed=$($BIN/ansible-doc -l wslfleet.networking 2>&1)
echo "$listed"
shopt -s nullglob
count=0
for doc in plugins/modules/*.py; do
  name=$(basename "$doc" .py)
  echo "$listed" | grep -q "^wslfleet.networking.$name " || { echo "build-check: ansible-doc -l does not list $name" >&2; exit 1; }
  $BIN/ansible-doc wslfleet.networking."$name" >/dev/null
  count=$((count + 1))
done
for doc in plugins/callback/*.py; do
  name=$(basename "$doc" .py)
  $BIN/ansible-doc -t callback wslfleet.networking."$name" >/dev/null
  count=$((count + 1))
done
for role in roles/*/; do
  name=$(basename "$role")
  $BIN/ansible-doc -t role wslfleet.networking."$name" >/dev/null
  count=$((count + 1))
done
echo "build-check: $(basename "$tarball") installs; ansible-doc renders $count plugins and roles"
