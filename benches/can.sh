#!/usr/bin/env bash
# The `can` figures of BENCHMARKS.md: the whole `hyperpod-iam can --matrix` process (every
# persona against every check of the tasks data, as the text table), timed with /usr/bin/time
# over several runs for the built-in example and specs of 1 to 5,000 teams, beside `check` on
# the same spec (reading, checking and building the model: the part `can --matrix` shares with
# every command), so that the difference is what the matrix itself costs.
#
#   benches/can.sh [RUNS]        RUNS per size, default 5
#
# Prints a Markdown table: per size the median wall time, CPU time (user + system) and peak
# memory of `can --matrix`, the median CPU time of `check`, and their difference. The specs are
# those of benches/run.sh (N scientist teams, one admin group, one execution role, EKS with Pod
# Identity, no pod roles). Read the figures within one run: the machine is shared.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
sizes=(1 100 1000 4998)

cargo build --release --locked --quiet
bin="$PWD/target/release/hyperpod-iam"
[[ -x /usr/bin/time ]] || { echo "benches/can.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

spec() {
    local n="$1"
    {
        printf 'name: scale\norchestrator: eks\ncluster: {eksClusterName: scale-eks}\noptions: {podIdentity: true}\n'
        printf 'admins:\n  - name: ops\n    trustedPrincipals: ["111122223333"]\n'
        printf 'executionRoles:\n  - name: compute\n    s3Buckets: [scale-lifecycle]\n'
        printf 'scientists:\n'
        for ((i = 0; i < n; i++)); do
            printf '  - name: team%d\n    trustedPrincipals: ["111122223333"]\n' "$i"
        done
    } >"$tmp/$n.yaml"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# time_runs RUNS REPS COMMAND...: RUNS times, runs COMMAND REPS times in a row under one
# /usr/bin/time (its resolution is 10 ms); prints the medians of "wall_s cpu_s peak_kb" per
# COMMAND. COMMAND must succeed: `can --matrix` exits 1 when a check is not met.
time_runs() {
    local runs="$1" reps="$2"
    shift 2
    local log="$tmp/times"
    : >"$log"
    for ((r = 0; r < runs; r++)); do
        /usr/bin/time -f '%e %U %S %M' -a -o "$log" \
            bash -c 'n=$1 dir=$2; shift 2; for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>"$dir/stderr" || exit 1; done' \
            - "$reps" "$tmp" "$@" || { cat "$tmp/stderr" >&2; exit 1; }
    done
    local wall cpu peak
    wall="$(awk -v k="$reps" '{ print $1 / k }' "$log" | median)"
    cpu="$(awk -v k="$reps" '{ print ($2 + $3) / k }' "$log" | median)"
    peak="$(awk '{ print $4 }' "$log" | median)"
    echo "$wall $cpu $peak"
}

# How many times in a row to run a spec of N teams so that one timing lasts about a second.
reps_for() { echo $((1000 / ($1 + 10) + 1)); }

ms() { awk -v s="$1" 'BEGIN { printf (s < 0.1 ? "%.1f" : "%.0f"), s * 1000 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# row LABEL REPS SPEC...: one line of the table.
row() {
    local label="$1" reps="$2"
    shift 2
    local wall cpu peak cwall ccpu cpeak
    read -r wall cpu peak < <(time_runs "$runs" "$reps" "$bin" can --matrix "$@")
    read -r cwall ccpu cpeak < <(time_runs "$runs" "$reps" "$bin" check "$@")
    echo "| $label | $(ms "$wall") ms | $(ms "$cpu") ms | $(mb "$peak") MB | $(ms "$ccpu") ms | $(awk -v a="$cpu" -v b="$ccpu" 'BEGIN { d = a - b; printf (d < 0.1 ? "%.1f" : "%.0f"), d * 1000 }') ms |"
}

echo "hyperpod-iam $("$bin" --version | head -1 | cut -d' ' -f2), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs per size"
echo
echo "| teams | wall | CPU | peak memory | CPU of \`check\` | CPU of the matrix (difference) |"
echo "|---|---:|---:|---:|---:|---:|"
row "built-in example" 100
for n in "${sizes[@]}"; do
    spec "$n"
    row "$n" "$(reps_for "$n")" "$tmp/$n.yaml"
done
