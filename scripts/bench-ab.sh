#!/usr/bin/env bash
# Runs `npm run bench` (with the same arguments) at an earlier commit and then at the working
# tree, back to back, so a change's before/after numbers come from one run on one machine:
#   scripts/bench-ab.sh 15c3ef6              # both suites
#   scripts/bench-ab.sh 15c3ef6 tensor matmul
set -euo pipefail
rev=${1:?usage: scripts/bench-ab.sh <rev> [bench arguments…]}
shift
dir=$(mktemp -d)
git worktree add --detach "$dir" "$rev" >/dev/null
trap 'git worktree remove --force "$dir"' EXIT
ln -s "$PWD/node_modules" "$dir/node_modules"
echo "=== before: $(git log -1 --format='%h %s' "$rev" | cut -c1-90)"
(cd "$dir" && npx tsx bench/index.ts "$@")
echo "=== after: working tree at $(git log -1 --format=%h HEAD)"
npx tsx bench/index.ts "$@"
