#!/usr/bin/env bash
# The figures of BENCHMARKS.md: the whole `hyperpod-iam render` process, every format, timed with
# /usr/bin/time over several runs for specs of 1 to 5,000 teams, and the same model built with
# AWS CDK (benches/peers/cdk) in the same run when Node.js is installed.
#
#   benches/run.sh [RUNS]        RUNS per size, default 5 (CDK: CDK_RUNS, default 1, 0 skips it)
#   FORMATS="cloudformation terraform" benches/run.sh    only these formats (default: every one)
#   benches/run.sh can [RUNS]    `can --matrix` instead (the `can` section of BENCHMARKS.md, below)
#
# Prints a Markdown table: per size the median wall time, the median CPU time (user + system:
# the machine is shared, and CPU time is what a busy neighbour disturbs least), the peak memory
# (median of the runs' maximum resident set), the output's size and files, and for CDK the same
# with the ratio to hyperpod-iam. Read the ratios within one run, not the absolute numbers.
#
# The spec of N teams: one admin group, one execution role and N scientist teams (EKS, Pod
# Identity on, no pod roles), so N + 2 roles. The largest size is 4,998 teams: 5,000 roles, the
# most an AWS account holds even after a quota increase (more is refused, HP207).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=render
if [[ "${1:-}" == can ]]; then
    mode=can
    shift
fi
runs="${1:-5}"
cdk_runs="${CDK_RUNS:-1}"
sizes=(1 10 100 1000 4998)
formats=()
for f in ${FORMATS:-}; do
    formats+=(--format "$f")
done

# BIN: time that binary instead of building this checkout's (to compare with another build).
if [[ -z "${BIN:-}" ]]; then
    cargo build --release --locked --quiet
fi
bin="${BIN:-$PWD/target/release/hyperpod-iam}"
[[ -x /usr/bin/time ]] || { echo "benches/run.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

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

# time_runs RUNS REPS OUT COMMAND...: RUNS times, runs COMMAND REPS times in a row under one
# /usr/bin/time, whose 10 ms resolution would otherwise round a small spec to nothing; prints the
# medians of "wall_s cpu_s peak_kb", time per COMMAND. OUT says where a render writes: `fresh`,
# each time into a folder of its own, empty (`--out $tmp/out/<i>`): the whole render, every byte
# written; `again`, each time into `$tmp/out/0`, which an untimed render made first: a render that
# finds every file as it would write it and writes nothing; `-`, no `--out` (other commands).
# $tmp/out is emptied and flushed with `sync` before each timing.
time_runs() {
    local runs="$1" reps="$2" out="$3"
    shift 3
    local log="$tmp/times"
    : >"$log"
    for ((r = 0; r < runs; r++)); do
        rm -rf "$tmp/out"
        if [[ "$out" == again ]]; then
            "$@" --out "$tmp/out/0" >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
        fi
        # The disk writes of the run before (and of removing its output) are done before this
        # one starts, not counted in its wait for its own.
        sync
        /usr/bin/time -f '%e %U %S %M' -a -o "$log" \
            bash -c 'n=$1 dir=$2 out=$3; shift 3
                for ((i = 0; i < n; i++)); do
                    case "$out" in fresh) o=(--out "$dir/out/$i") ;; again) o=(--out "$dir/out/0") ;; *) o=() ;; esac
                    "$@" "${o[@]}" >/dev/null 2>"$dir/stderr" || exit 1
                done' \
            - "$reps" "$tmp" "$out" "$@" || { cat "$tmp/stderr" >&2; exit 1; }
    done
    local wall cpu peak
    wall="$(awk -v k="$reps" '{ print $1 / k }' "$log" | median)"
    cpu="$(awk -v k="$reps" '{ print ($2 + $3) / k }' "$log" | median)"
    peak="$(awk '{ print $4 }' "$log" | median)"
    echo "$wall $cpu $peak"
}

# How many times in a row to run a spec of N teams so that one timing lasts about a second, and
# at least three times: at 1,000 teams one run is about 100 ms, which /usr/bin/time's 10 ms
# would round by up to 5 %; three runs make that 3.3 ms.
reps_for() {
    local reps=$((1000 / ($1 + 10) + 1))
    echo $((reps < 3 ? 3 : reps))
}

size_of() { du -sb "$tmp/out/0" | cut -f1; }
files_of() { find "$tmp/out/0" -type f ! -name '.*' | wc -l; }
ms() { awk -v s="$1" 'BEGIN { printf (s < 0.1 ? "%.1f" : "%.0f"), s * 1000 }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# `benches/run.sh can`: the whole `hyperpod-iam can --matrix` process (every persona against
# every check of the tasks data, the text table) for the built-in example and 1 to 5,000 teams,
# beside `check` on the same spec (reading, checking and building the model, what every command
# does first), so that the difference is what the matrix itself costs. `can --matrix` must exit
# 0: every check met.
if [[ "$mode" == can ]]; then
    can_row() {
        local label="$1" reps="$2"
        shift 2
        local wall cpu peak cwall ccpu cpeak
        read -r wall cpu peak < <(time_runs "$runs" "$reps" - "$bin" can --matrix "$@")
        read -r cwall ccpu cpeak < <(time_runs "$runs" "$reps" - "$bin" check "$@")
        echo "| $label | $(ms "$wall") ms | $(ms "$cpu") ms | $(mb "$peak") MB | $(ms "$ccpu") ms | $(ms "$(awk -v a="$cpu" -v b="$ccpu" 'BEGIN { print a - b }')") ms |"
    }
    echo "hyperpod-iam can --matrix, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs per size"
    echo
    echo "| teams | wall | CPU | peak memory | CPU of \`check\` | CPU after loading (difference) |"
    echo "|---|---:|---:|---:|---:|---:|"
    can_row "built-in example" 100
    for n in 1 100 1000 4998; do
        spec "$n"
        can_row "$n" "$(reps_for "$n")" "$tmp/$n.yaml"
    done
    exit 0
fi

cdk=""
if [[ "$cdk_runs" -gt 0 ]] && command -v node >/dev/null && command -v npm >/dev/null; then
    if [[ ! -d benches/peers/cdk/node_modules ]]; then
        (cd benches/peers/cdk && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
    cdk="$(node --version)"
fi

echo "hyperpod-iam $("$bin" --version | head -1 | cut -d' ' -f2), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs per size, formats: ${FORMATS:-all}${cdk:+, AWS CDK on Node.js $cdk ($cdk_runs runs)}"
echo
# The built-in example, the issue's first target: into an empty folder, then again over itself.
read -r wall cpu peak < <(time_runs "$runs" 100 fresh "$bin" render "${formats[@]}")
read -r awall acpu apeak < <(time_runs "$runs" 100 again "$bin" render "${formats[@]}")
echo "built-in example: wall $(ms "$wall") ms, CPU $(ms "$cpu") ms, peak $(mb "$peak") MB, $(size_of) bytes in $(files_of) files; again, unchanged: wall $(ms "$awall") ms, CPU $(ms "$acpu") ms"
echo
echo "Into an empty folder; the last two columns render again over that output (nothing to write)."
echo
# "CPU per added team": what the teams added since the row above cost each, (CPU - CPU above) /
# (teams - teams above). The plain "CPU per team" includes what every render costs whatever its
# size (start, the catalog, the templates), so it falls with size; this one is the slope, which
# stays flat when the time per team does not grow with the team count.
echo "| teams | roles | wall | CPU | CPU per team | CPU per added team | peak memory | output | files |${cdk:+ CDK wall | CDK CPU | CDK peak | CDK output | CPU ratio |} again: wall | again: CPU |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|${cdk:+---:|---:|---:|---:|---:|}---:|---:|"
prev_n="" prev_cpu=""
for n in "${sizes[@]}"; do
    spec "$n"
    read -r wall cpu peak < <(time_runs "$runs" "$(reps_for "$n")" fresh "$bin" render "$tmp/$n.yaml" "${formats[@]}")
    added="–"
    if [[ -n "$prev_n" ]]; then
        added="$(awk -v c="$cpu" -v p="$prev_cpu" -v n="$n" -v m="$prev_n" 'BEGIN { printf "%.3f", (c - p) * 1000 / (n - m) }') ms"
    fi
    prev_n="$n" prev_cpu="$cpu"
    line="| $n | $((n + 2)) | $(ms "$wall") ms | $(ms "$cpu") ms | $(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.3f", c * 1000 / n }') ms | $added | $(mb "$peak") MB | $(size_of) B | $(files_of) |"
    if [[ -n "$cdk" ]]; then
        read -r cwall ccpu cpeak < <(time_runs "$cdk_runs" 1 - node benches/peers/cdk/app.js "$n" "$tmp/cdk")
        line+=" $(ms "$cwall") ms | $(ms "$ccpu") ms | $(mb "$cpeak") MB | $(du -sb --exclude=tree.json --exclude='*.metadata.json' "$tmp/cdk" | cut -f1) B | $(awk -v a="$ccpu" -v b="$cpu" 'BEGIN { printf "%.0f×", a / (b > 0 ? b : 0.001) }') |"
        rm -rf "$tmp/cdk"
    fi
    read -r awall acpu apeak < <(time_runs "$runs" "$(reps_for "$n")" again "$bin" render "$tmp/$n.yaml" "${formats[@]}")
    line+=" $(ms "$awall") ms | $(ms "$acpu") ms |"
    echo "$line"
done
echo
echo "cargo bench --bench scale and --bench catalog time the library in-process (see BENCHMARKS.md)."
