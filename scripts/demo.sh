#!/usr/bin/env bash
# make demo: build a lab fleet, roll the baseline out, plant drift on two guests, run drift and
# print the report, roll out again to repair, show drift clean, and tear the lab down (also on
# failure or Ctrl-C). Needs root (the lab). About 2-4 minutes with a warm rootfs cache.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
LAB=${WSLFLEET_DEMO_LAB:-demo}
HOSTS=${WSLFLEET_DEMO_HOSTS:-6}
work=$(mktemp -d /tmp/wslfleet-demo.XXXXXX)
export ANSIBLE_COLLECTIONS_PATH="$PWD/build/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=false
export ANSIBLE_CALLBACKS_ENABLED=wslfleet.networking.drift_report
export WSLFLEET_DRIFT_REPORT_DIR="$work/report"
start=$SECONDS

cleanup() {
  echo "== tearing the lab down"
  python3 lab/wslfleet_lab.py destroy "$LAB" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== [%3ds] %s\n' $((SECONDS - start)) "$*"; }
play() { "$BIN/ansible-playbook" -i "$work/inventory" "$@"; }
on_guest() { "$BIN/ansible" -i "$work/inventory" "$1" -m ansible.builtin.command -a "$2" >/dev/null; }
reboot_pending() {
  # The lab has no Windows host in the inventory, so wsl.conf restarts stay pending (restart
  # policy never); restart those distributions like `wsl --terminate` would.
  local h
  for h in $("$BIN/ansible" -i "$work/inventory" wsl_guests -m wslfleet.networking.guest_info 2>/dev/null \
             | awk '/ => \{/{h=$1} /"restart_pending": true/{print h}'); do
    python3 lab/wslfleet_lab.py reboot "$LAB" "$h" >/dev/null
  done
}

step "building lab '$LAB' with $HOSTS NAT-mode guests"
mkdir -p "$work/inventory"
python3 lab/wslfleet_lab.py create "$LAB" --hosts "$HOSTS" --topology nat \
  --inventory-link "$work/inventory/lab.yml" >/dev/null
# The baseline settings README.md shows (examples/inventory/group_vars/all.yml), plus what only
# the lab needs (NAT laptops, the relay's target, guests that are not WSL kernels).
ln -s "$PWD/examples/inventory/group_vars" "$work/inventory/group_vars"
cp molecule/fleet/files/fleet_vars.yml "$work/inventory/fleet_vars.yml"

step "rollout (canary first, then growing batches)"
play wslfleet.networking.rollout | grep -E 'batch|Batch|summary|PLAY RECAP|: ok=' || true
reboot_pending

step "planting drift on guest2 and guest5: wsl.conf systemd=false, MTU 1500, UFW rule removed, relay stopped"
for h in guest2 guest5; do
  hostvar() { "$BIN/ansible-inventory" -i "$work/inventory" --host "$h" | python3 -c "import json,sys;print(json.load(sys.stdin)['$1'])"; }
  sed -i 's/^\(\s*systemd\s*=\s*\)true/\1false/' "$(hostvar lab_rootfs)/etc/wsl.conf"
  ip -n "$(hostvar lab_netns)" link set eth0 mtu 1500
  on_guest "$h" "sh -c 'ufw delete allow 8080/tcp && systemctl stop wslfleet-relay.service'"
done

step "drift (check mode; changes nothing)"
play wslfleet.networking.drift | grep -E '^DRIFT REPORT|^  [a-z0-9]' || true
echo
cat "$WSLFLEET_DRIFT_REPORT_DIR/drift-report.md"

step "rollout again to repair"
play wslfleet.networking.rollout | grep -E 'Rollout summary|: ok=' || true
reboot_pending

step "drift after the repair"
play wslfleet.networking.drift | grep -E '^DRIFT REPORT|^  [a-z0-9]' || true
echo
sed -n '1,/^## In line/p' "$WSLFLEET_DRIFT_REPORT_DIR/drift-report.md" | head -n -1

step "done in $((SECONDS - start)) s"
