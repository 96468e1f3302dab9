#!/usr/bin/env bash
# Molecule scenarios in the order `make molecule` runs them: `lab` first (it proves the lab), then
# the rest alphabetically. A scenario directory without molecule.yml is shared material, not a run.
cd "$(dirname "$0")/../molecule" 2>/dev/null || exit 0
order=()
[ -f lab/molecule.yml ] && order+=(lab)
for d in */; do
  d=${d%/}
  [ "$d" = lab ] && continue
  [ -f "$d/molecule.yml" ] && order+=("$d")
done
echo "${order[@]}"
