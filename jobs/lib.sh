# Shared by the batch scripts in jobs/: sourced, never run. The script sets `root` (the repository)
# and `job` (its own name for messages) first. This file then finds the synorm binary, exports the
# OpenMP settings of one rank, and defines `launch`, which starts synorm on the job's tasks.

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

# The binary: $SYNORM, else the default build of the repository.
synorm=${SYNORM:-$root/build/src/app/synorm}
if [[ ! -x "$synorm" ]]; then
    job_fail "$job_not_built" "synorm is not built: there is no executable $synorm." \
        "Build it on the cluster first (tools/setup in $root, or cmake as in the README)," \
        "or point SYNORM at the binary (sbatch --export=ALL,SYNORM=/path/to/synorm ...)."
fi

# One rank per task; each rank runs as many OpenMP threads as the task has CPUs (-c), each thread on
# a core of its own, the threads next to each other. srun no longer inherits -c from the job since
# Slurm 22.05; SRUN_CPUS_PER_TASK passes it on. The binding assumes that SLURM confines each task to
# its CPUs (task/affinity or task/cgroup); where it does not, export OMP_PROC_BIND=false.
threads=${SLURM_CPUS_PER_TASK:-1}
export OMP_NUM_THREADS=$threads
export OMP_PLACES=${OMP_PLACES:-cores}
export OMP_PROC_BIND=${OMP_PROC_BIND:-close}
export SRUN_CPUS_PER_TASK=$threads

# synorm refuses to start (exit code 2) when MPI gives it another number of ranks than the job has
# tasks: that is what a wrong MPI plug-in does (every task a lone rank 0, all writing one file).
export SYNORM_EXPECTED_RANKS=${SLURM_NTASKS:-1}

# launch ARGS...: synorm ARGS on every task of the job, joined by PMIx. Returns synorm's exit code.
launch() {
    echo "$job: $(date -u +%FT%TZ) srun --mpi=pmix: $SYNORM_EXPECTED_RANKS rank(s) x $threads thread(s): synorm $*" >&2
    srun --mpi=pmix "$synorm" "$@"
}
