# Shared by the scripts in jobs/: sourced, never run. The script sets `root` (the repository) and
# `job` (its own name for messages) first. This file defines the scripts' exit codes, `job_fail`,
# `job_find_synorm` (the binary), `job_prepare`, which a batch script calls first (the binary, and
# the OpenMP settings of one rank), and `launch`, which starts synorm on the job's tasks.
# jobs/scaling.sh, which submits jobs rather than running in one, uses the first three.

# Exit codes of the scripts themselves; every other code is synorm's own (README, "Exit codes").
# jobs/README.md lists them.
readonly job_usage_error=10  # the script was given wrong arguments (or a grid it cannot read)
readonly job_not_built=11    # there is no synorm binary to run

job_fail() {
    local code=$1
    shift
    echo "$job: $*" >&2
    exit "$code"
}

# job_find_synorm: sets `synorm` to the binary, $SYNORM, else the default build of the repository;
# fails with job_not_built when it is not there.
job_find_synorm() {
    synorm=${SYNORM:-$root/build/src/app/synorm}
    if [[ ! -x "$synorm" ]]; then
        job_fail "$job_not_built" "synorm is not built: there is no executable $synorm." \
            "Build it on the cluster first (tools/setup in $root, or cmake as in the README)," \
            "or point SYNORM at the binary (sbatch --export=ALL,SYNORM=/path/to/synorm ...)."
    fi
}

# job_prepare: what a batch script does before it launches synorm (below).
job_prepare() {
    job_find_synorm
    job_rank_environment
}

# One rank per task; each rank runs as many OpenMP threads as the task has CPUs (-c), each thread on
# a core of its own, the threads next to each other. srun no longer inherits -c from the job since
# Slurm 22.05; SRUN_CPUS_PER_TASK passes it on. The binding assumes that SLURM confines each task to
# its CPUs (task/affinity or task/cgroup); where it does not, export OMP_PROC_BIND=false.
# synorm refuses to start (exit code 2) when MPI gives it another number of ranks than the job has
# tasks: that is what a wrong MPI plug-in does (every task a lone rank 0, all writing one file).
job_rank_environment() {
    threads=${SLURM_CPUS_PER_TASK:-1}
    export OMP_NUM_THREADS=$threads
    export OMP_PLACES=${OMP_PLACES:-cores}
    export OMP_PROC_BIND=${OMP_PROC_BIND:-close}
    export SRUN_CPUS_PER_TASK=$threads
    export SYNORM_EXPECTED_RANKS=${SLURM_NTASKS:-1}
}

# launch ARGS...: synorm ARGS on every task of the job, joined by PMIx. Returns synorm's exit code.
launch() {
    echo "$job: $(date -u +%FT%TZ) srun --mpi=pmix: $SYNORM_EXPECTED_RANKS rank(s) x $threads thread(s): synorm $*" >&2
    srun --mpi=pmix "$synorm" "$@"
}
