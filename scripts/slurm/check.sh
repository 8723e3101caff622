#!/usr/bin/env bash
# End-to-end check of scripts/slurm/cluster.sh (issue 15): start a cluster, run a throttled job
# array and check its outputs, environment and working directory, cancel a running array and
# check that its tasks see SIGTERM and, past KillWait, SIGKILL, then stop and check that every
# daemon this cluster started is gone. Prints what it saw; exits 1 on the first failed check,
# leaving the cluster directory (logs) in /tmp; removes it when every check passes.
#
#   scripts/slurm/check.sh        # needs root and the packages named in cluster.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/bimt-slurm-check.XXXXXX)
rmdir "$dir"
work=$(mktemp -d /tmp/bimt-slurm-work.XXXXXX)
pids=""
trap '"$here/cluster.sh" stop "$dir" >/dev/null || true' EXIT

fail() {
  echo "check.sh: FAILED: $*" >&2
  exit 1
}

# states JOBID: one line "taskid STATE ..." per array task, from slurmctld's job records.
states() {
  scontrol -o show job "$1" | sed -E 's/.*ArrayTaskId=([^ ]*).*JobState=([A-Z_]+).*ExitCode=([^ ]*).*/\1 \2 \3/' | sort
}

# watch JOBID: print squeue's view each time it changes, until the job leaves it.
watch() {
  local prev="" s t0
  t0=$(date +%s.%N)
  while :; do
    s=$(squeue -h -j "$1" -o '%i %T' | sort | tr '\n' ' ')
    if [ "$s" != "$prev" ]; then
      awk -v a="$t0" -v b="$(date +%s.%N)" -v s="$s" 'BEGIN { printf "  %5.2f s  squeue: [%s]\n", b - a, s }'
      prev=$s
    fi
    [ -z "$s" ] && return 0
    sleep 0.1
  done
}

"$here/cluster.sh" start "$dir"
pids=$(cat "$dir"/pids/munged.pid "$dir"/pids/slurmctld.pid "$dir"/pids/slurmd.pid | tr '\n' ' ')
# shellcheck disable=SC1091
. "$dir/env"
echo "SLURM_CONF=$SLURM_CONF; $(sinfo -h -N -o 'node %N %T, %c CPUs, %m MB'); $(scontrol version)"

echo "== array 0-3%2, two at a time"
cd "$work"
export BIMT_CHECK_MARK=from-the-submitter
# shellcheck disable=SC2016 # the job's shell expands these
job=$(sbatch --parsable --array=0-3%2 --cpus-per-task=1 --output="$dir/out-%a.log" \
  --wrap 'echo task $SLURM_ARRAY_TASK_ID; echo "cwd $(pwd)"; echo "mark $BIMT_CHECK_MARK"; echo "path $PATH"; sleep 2')
echo "  job $job"
watch "$job"
states "$job" | sed 's/^/  /'
[ "$(states "$job" | awk '$2 == "COMPLETED"' | wc -l)" -eq 4 ] || fail "not all 4 tasks COMPLETED"
for a in 0 1 2 3; do
  f=$dir/out-$a.log
  grep -qx "task $a" "$f" || fail "$f: no 'task $a'"
  grep -qx "cwd $work" "$f" || fail "$f: working directory is not the submission directory $work"
  grep -qx "mark $BIMT_CHECK_MARK" "$f" || fail "$f: the submitter's environment was not exported"
  grep -qxF "path $PATH" "$f" || fail "$f: PATH differs from the submitter's"
done
echo "  4 outputs: task ids, cwd = submission dir, submitter's variables and PATH: ok"

echo "== scancel a running array: task 0 exits on SIGTERM, task 1 ignores it"
# shellcheck disable=SC2016 # the job's shell expands these
job=$(sbatch --parsable --array=0-3%2 --output="$work/cancel-%a.log" --wrap '
d='"$work"'; i=$SLURM_ARRAY_TASK_ID
if [ "$i" = 0 ]; then
  trap "echo TERM > $d/term-$i; exit 143" TERM
  sleep 600 & wait $!
else
  trap "echo TERM-ignored > $d/term-$i" TERM
  while :; do date +%s.%N >> $d/alive-$i; sleep 0.1; done
fi')
for _ in $(seq 1 100); do
  [ -f "$work/alive-1" ] && [ "$(squeue -h -j "$job" -t R | wc -l)" -eq 2 ] && break
  sleep 0.1
done
sleep 0.5
t0=$(date +%s.%N)
scancel "$job"
watch "$job"
t1=$(date +%s.%N)
states "$job" | sed 's/^/  /'
[ "$(cat "$work/term-0" 2>/dev/null)" = TERM ] || fail "task 0 did not see SIGTERM"
[ "$(cat "$work/term-1" 2>/dev/null)" = TERM-ignored ] || fail "task 1 did not see SIGTERM"
awk -v a="$t0" -v b="$(tail -n 1 "$work/alive-1")" -v c="$t1" 'BEGIN {
  printf "  both tasks trapped SIGTERM; the one that ignored it last ran %.2f s after scancel,", b - a
  printf " and the job left squeue %.2f s after scancel\n", c - a }'

echo "== stop"
# slurmctld's helper slurmscriptd is its child, not in our pid files: add it to the list.
ctld=$(cat "$dir/pids/slurmctld.pid")
for f in /proc/[0-9]*/stat; do
  read -r p _ _ ppid _ 2>/dev/null <"$f" || continue
  [ "$ppid" = "$ctld" ] && pids="$pids$p "
done
"$here/cluster.sh" stop "$dir"
for p in $pids; do
  [ -e "/proc/$p" ] && fail "pid $p ($(cat "/proc/$p/comm")) still runs"
done
echo "  pids $pids are gone"
cd /
rm -rf "$work" "$dir"
echo "check.sh: all checks passed"
