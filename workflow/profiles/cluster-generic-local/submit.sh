#!/usr/bin/env bash
# Local stand-in for a batch scheduler's submit command: run the Snakemake job script given as
# the last argument in its own session (a separate process tree), log it, and print a job id
# (the PID) as sbatch/qsub would. Completion is signalled by the job script itself through
# Snakemake's jobfinished/jobfailed marker files (shared file system).
set -euo pipefail
jobscript="${!#}"
logdir="logs/cluster"
mkdir -p "$logdir"
name=$(basename "$jobscript")
setsid bash "$jobscript" >"$logdir/$name.out" 2>&1 </dev/null &
pid=$!
printf '%s\t%s\n' "$pid" "$name" >>"$logdir/submitted.tsv"
echo "$pid"
