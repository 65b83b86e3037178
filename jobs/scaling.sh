#!/usr/bin/env bash
# Scaling series of the benchmark networks on SLURM: submits one jobs/run.sbatch job per network and
# number of ranks, then a report job that gathers every run's real-time factor, synaptic events per
# second and peak memory into a table (scaling.tsv) and a plot (scaling.png) once they have ended.
#
#   jobs/scaling.sh [OPTIONS]
#   jobs/scaling.sh --ranks 1,2,4,8,16 --threads 4 --sbatch "--exclusive --partition=compute"
#   jobs/scaling.sh --report out/scaling-20260101-120000      # table and plot again, here and now
#
#   --configs LIST     networks in config/ (default coba,brunel,microcircuit)
#   --ranks LIST       numbers of MPI ranks (default 1,2,4,8)
#   --series LIST      strong, weak or both (default strong,weak)
#   --threads T        OpenMP threads (CPUs) per rank (default 1)
#   --scale [CONFIG:]S network.scale of the strong series and of 1 rank (default 1, microcircuit 0.25; bare S: all)
#   --duration [CONFIG:]T  biological time per run (default "1 s")
#   --set [CONFIG:]KEY=VALUE   a further override for every run (of one network); may repeat
#   --out DIR          where outputs, logs and the report go (default out/scaling-<date>-<time>)
#   --sbatch "ARGS"    sbatch options for every run (default "--exclusive --time=01:00:00": a run
#                      measured alone on its nodes)
#   --wait             wait for the report job, print its log, and fail if it failed
#   --dry-run          no cluster: here, one after the other, dry runs (README "Dry run") of ranks
#                      0 (the most loaded under round-robin placement), R/2 and R-1 of each job;
#                      scaling.tsv holds one row per job (its slowest rank, README "Dry run")
#   --rates [CONFIG:]FILE.h5  --dry-run: the other ranks' rates from this earlier output (default:
#                      the configuration's dry_run.rates; --set CONFIG:dry_run.rates.POP=\"5 Hz\")
#
# Strong scaling: the same network (scale S) on every number of ranks R. Weak scaling: a network that
# grows with the ranks, network.scale = S x R, with the in-degrees of scale S
# (network.indegree_scale = S), so each rank has the same neurons and synapses to handle. The run on
# 1 rank is the same in both series and is made once. Each run's files are DIR/<config>-<series>-<R>.h5
# and .log; DIR/runs.tsv lists them, and the report is tools/gather --runs DIR/runs.tsv (columns in
# tools/gather --help) plus jobs/scaling_plot.py.
# Exit codes: 0 submitted (with --wait: every run complete, report written); 1 a submission or a run
# failed; 10 bad options; 11 synorm is not built.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
job=scaling.sh
# shellcheck source=jobs/lib.sh
source "$root/jobs/lib.sh"
usage() { sed -n '2,36s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

configs=coba,brunel,microcircuit
ranks=1,2,4,8
series_list=strong,weak
threads=1
# A bare --scale S overrides these defaults too; --scale CONFIG:S only that network's.
declare -A scale=() builtin_scale=([microcircuit]=0.25) duration=()
default_scale=1
default_duration="1 s"
sets=()
out=""
sbatch_args="--exclusive --time=01:00:00"
wait=0
report=""
dry_run=0
declare -A rates=()

# per_config VALUE ARRAY: "CONFIG:V" sets ARRAY[CONFIG]=V, a bare V sets ARRAY[*] (every network).
per_config() {
    local -n table=$2
    if [[ "$1" == *:* ]]; then table[${1%%:*}]=${1#*:}; else table["*"]=$1; fi
}

while (($#)); do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --configs|--ranks|--series|--threads|--scale|--duration|--set|--out|--sbatch|--report|--rates)
            (($# >= 2)) || job_fail "$job_usage_error" "$1 needs a value (see --help)"
            case "$1" in
                --configs) configs=$2 ;;
                --ranks) ranks=$2 ;;
                --series) series_list=$2 ;;
                --threads) threads=$2 ;;
                --scale) per_config "$2" scale ;;
                --duration) per_config "$2" duration ;;
                --set) sets+=("$2") ;;
                --out) out=$2 ;;
                --sbatch) sbatch_args=$2 ;;
                --report) report=$2 ;;
                --rates) per_config "$2" rates ;;
            esac
            shift 2 ;;
        --wait) wait=1; shift ;;
        --dry-run) dry_run=1; shift ;;
        *) job_fail "$job_usage_error" "unknown option '$1' (see --help)" ;;
    esac
done

python=/usr/bin/python3
# make_report DIR: the table and the plot; fails when a run is not complete (it is in the table all the same).
make_report() {
    local dir=$1 rc=0
    if [[ -f "$dir/dry_runs.tsv" ]]; then
        "$python" "$root/jobs/scaling_dry.py" "$dir/dry_runs.tsv" > "$dir/scaling.tsv" || rc=1
    else
        "$python" "$root/tools/gather" --runs "$dir/runs.tsv" > "$dir/scaling.tsv" || rc=1
    fi
    "$python" "$root/jobs/scaling_plot.py" "$dir/scaling.tsv" "$dir/scaling.png" || rc=1
    return "$rc"
}
if [[ -n "$report" ]]; then
    [[ -f "$report/runs.tsv" ]] || job_fail "$job_usage_error" "$report/runs.tsv does not exist: not a folder of jobs/scaling.sh"
    make_report "$report" || exit 1
    exit 0
fi

[[ "$ranks" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || job_fail "$job_usage_error" "--ranks '$ranks': expected numbers like 1,2,4,8"
[[ "$series_list" =~ ^(strong|weak)(,(strong|weak))?$ ]] ||
    job_fail "$job_usage_error" "--series '$series_list': expected strong, weak or strong,weak"
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || job_fail "$job_usage_error" "--threads '$threads': expected a number >= 1"
job_find_synorm
((dry_run)) || command -v sbatch >/dev/null || job_fail 1 "sbatch not found: run this on a SLURM login node"

out=${out:-out/scaling-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
IFS=, read -r -a config_list <<< "$configs"
IFS=, read -r -a rank_list <<< "$ranks"
read -r -a extra <<< "$sbatch_args"

# overrides CONFIG: the --set arguments for CONFIG's runs, one per line (key paths hold no ':').
overrides() {
    local s key
    for s in "${sets[@]+"${sets[@]}"}"; do
        key=${s%%=*}
        if [[ "$key" != *:* ]]; then printf '%s\n' --set "$s"
        elif [[ "${key%%:*}" == "$1" ]]; then printf '%s\n' --set "${s#*:}"; fi
    done
}

printf 'config\tseries\tranks\tthreads\tscale\tjob\toutput\n' > "$out/runs.tsv"
((dry_run)) && printf 'config\tseries\tranks\tthreads\tscale\trank\toutput\n' > "$out/dry_runs.tsv"
failed=0
jobs=()
for config in "${config_list[@]}"; do
    file=$root/config/$config.yaml
    [[ -f "$file" ]] || job_fail "$job_usage_error" "--configs: there is no $file"
    base=${scale[$config]:-${scale["*"]:-${builtin_scale[$config]:-$default_scale}}}
    time=${duration[$config]:-${duration["*"]:-$default_duration}}
    mapfile -t more < <(overrides "$config")
    for r in "${rank_list[@]}"; do
        for series in ${series_list//,/ }; do
            if [[ $series == strong ]]; then
                s=$base
                set_scale=(--set "network.scale=$s")
            else
                s=$("$python" -c "print($base * $r)")
                set_scale=(--set "network.scale=$s" --set "network.indegree_scale=$base")
            fi
            name=$config-$series-$r
            if ((dry_run)); then
                # Dry runs of a few ranks of the job, here; a failure (a job too large for this
                # machine: exit 4) is a row with its status, and the series goes on.
                rate_file=${rates[$config]:-${rates["*"]:-}}
                rate_args=()
                [[ -n "$rate_file" ]] && rate_args=(--dry-run-rates "$rate_file")
                for rank in $(printf '%s\n' 0 $((r / 2)) $((r - 1)) | sort -nu); do
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$series" "$r" "$threads" "$s" "$rank" \
                        "$out/$name.$rank.h5" >> "$out/dry_runs.tsv"
                    "$synorm" run "$file" -o "$out/$name.$rank.h5" --overwrite -q --duration "$time" \
                        --dry-run "${r}x${threads}:$rank" "${rate_args[@]+"${rate_args[@]}"}" \
                        "${more[@]+"${more[@]}"}" "${set_scale[@]}" > "$out/$name.$rank.log" 2>&1 ||
                        { failed=1; echo "scaling.sh: dry run $name rank $rank failed: see $out/$name.$rank.log" >&2; }
                done
                continue
            fi
            if ((r == 1)) && [[ $series == weak && $series_list == *strong* ]]; then
                # The same run as the strong series' first: listed twice, made once.
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" weak "$r" "$threads" "$s" "$job_id" "$out/$config-strong-1.h5" >> "$out/runs.tsv"
                continue
            fi
            job_id=$(sbatch --parsable --job-name="scaling-$name" --ntasks="$r" --cpus-per-task="$threads" \
                    --output="$out/$name.log" "${extra[@]}" "$root/jobs/run.sbatch" "$file" -o "$out/$name.h5" \
                    -q --duration "$time" "${more[@]+"${more[@]}"}" "${set_scale[@]}") ||
                job_fail 1 "sbatch failed for $name"
            job_id=${job_id%%;*}
            jobs+=("$job_id")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$config" "$series" "$r" "$threads" "$s" "$job_id" "$out/$name.h5" >> "$out/runs.tsv"
        done
    done
done

if ((dry_run)); then
    make_report "$out" || failed=1
    cat "$out/scaling.tsv"
    exit "$failed"
fi

dependency=$(IFS=:; echo "afterany:${jobs[*]}")
echo "scaling.sh: ${#jobs[@]} runs submitted (jobs ${jobs[*]}); outputs and logs in $out" >&2
report_job=$(sbatch --parsable --job-name=scaling-report --dependency="$dependency" --ntasks=1 --cpus-per-task=1 \
    --time=00:10:00 --output="$out/report.log" --wrap "'$root/jobs/scaling.sh' --report '$out' && cat '$out/scaling.tsv'") ||
    job_fail 1 "sbatch failed for the report job"
echo "scaling.sh: report job $report_job writes $out/scaling.tsv and $out/scaling.png when they have ended" >&2
((wait)) || exit 0
# Polling, since sbatch --wait checks ever more rarely (up to half a minute late).
while [[ -n "$(squeue --noheader --jobs="$report_job" --format=%i 2>/dev/null)" ]]; do
    sleep 2
done
cat "$out/report.log"
[[ "$(scontrol show job "$report_job" 2>/dev/null | sed -n 's/.* ExitCode=\([0-9]*\):.*/\1/p')" == 0 ]] ||
    job_fail 1 "the report job failed or a run is not complete: see $out/report.log and $out/*.log"
