#!/usr/bin/env bash
# A real one-node Slurm cluster for the `bimt sweep --launcher slurm` tests (issue 15).
#
#   scripts/slurm/cluster.sh start  <dir>   # <dir> absent or empty; prints the start time
#   scripts/slurm/cluster.sh status <dir>   # exit 0 if all three daemons run and the node answers
#   scripts/slurm/cluster.sh stop   <dir>   # cancels its jobs, TERMs (5 s later KILLs) only the
#                                           # pids recorded in <dir>; idempotent
#   . <dir>/env                             # then sbatch, squeue, scontrol, scancel, sinfo
#
# Needs root and, on Debian bookworm (Slurm 22.05):
#   apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge
# No systemd and no cgroups: every daemon runs in the foreground (-D / -F) under setsid, started
# by this script, and is stopped by the pid this script recorded in <dir>/pids/.
# Each daemon's output is <dir>/log/NAME.out (start prints their tails if it fails).
# Ports: SLURMCTLD_PORT (default 6817) and SLURMD_PORT (default 6818); two clusters on one
# machine need different ones.
#
# Why the settings below are what they are:
# - Everything (config, munge key and socket, state, spool, logs, pid files) lives under <dir>,
#   so a test cluster never reads or clobbers /etc/slurm, /etc/munge or /var/spool.
# - AuthInfo=socket=...: the only way Slurm's daemons, its clients and slurmstepd find a munged
#   on a non-default socket (used by auth/munge and cred/munge). libmunge has no environment
#   variable for it, so <dir>/env needs nothing but SLURM_CONF.
# - munged --force: run despite a stale socket left by a killed munged, or permissions it finds
#   lax (munge 0.5.15 itself runs as root without it; older versions refuse).
# - SlurmctldHost and NodeName are the short hostname because slurmctld and slurmd look
#   themselves up by it; the addresses are 127.0.0.1 so that name never has to resolve.
# - CPUs = nproc and RealMemory = MemTotal: a node that declares more than slurmd finds is
#   drained ("Low RealMemory"/"Low socket*core*thread count"); the same numbers keep it idle.
# - SelectType=select/cons_tres with SelectTypeParameters=CR_Core: cores are consumable, memory
#   is not. The default (CR_Core_Memory) gives a job without --mem the whole node's memory, so
#   array tasks would run one at a time.
# - ProctrackType=proctrack/linuxproc, TaskPlugin=task/none: track job processes through the
#   parent/child tree, no cgroups (the container has none and no systemd to delegate them).
# - AccountingStorageType=accounting_storage/none, JobAcctGatherType=jobacct_gather/none: no
#   slurmdbd; sacct does not work, so tests read job states from squeue/scontrol.
# - KillWait=5: scancel sends SIGTERM and, KillWait seconds later, SIGKILL (default 30 s).
# - MinJobAge=300 (the default, kept on purpose): finished jobs stay in slurmctld for five
#   minutes, which is how a launcher sees COMPLETED/FAILED/CANCELLED and exit codes without
#   sacct: `scontrol show job ID` or `squeue -t all -j ID` (a plain `squeue -j ID` lists only
#   pending and running jobs, so it prints nothing once they finish).
# - SchedulerType=sched/builtin: strict FIFO, no backfill pass; on one node that is all we need.
# - SchedulerParameters=batch_sched_delay=0: slurmctld otherwise batches sbatch submissions for
#   up to 3 s; measured here, a `true` job went from submit to COMPLETED in 1.5-3 s with the
#   default and 0.3-0.9 s without it.
# - Not configurable, so know it: slurmctld's first scheduling pass comes about 3 s after it
#   starts (`sdiag` shows "Total cycles: 0" until then), so a job submitted right after `start`
#   stays PENDING for up to ~3 s; later jobs start within a second.
# - ReturnToService=2: a node that went DOWN (e.g. slurmd restarted) returns when it registers.
# - MailProg=/bin/true: the default, /bin/mail, is not installed; --mail-type then does nothing.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|status <dir>" >&2
  exit 2
}

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
ctld_port=${SLURMCTLD_PORT:-6817}
slurmd_port=${SLURMD_PORT:-6818}
daemons="munged slurmctld slurmd"

# pid_alive NAME: the recorded pid of NAME if that process still runs NAME, else nothing.
# Checking the command name keeps us from signalling an unrelated process that reused the pid.
pid_alive() {
  local f=$dir/pids/$1.pid pid comm
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 0
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
  [ "$comm" = "$1" ] && echo "$pid"
  return 0
}

log_tails() {
  local f
  for f in "$dir"/log/*.out; do
    [ -f "$f" ] || continue
    echo "--- tail of $f" >&2
    tail -n 15 "$f" >&2
  done
}

stop_cluster() {
  [ -d "$dir/pids" ] || { echo "cluster.sh: nothing to stop in $dir"; return 0; }
  local name pid pids="" ids p i left ppid
  # Cancel every job first: their slurmstepd processes are not children of slurmd (they
  # daemonize) and would outlive it. A task that ignores SIGTERM gets SIGKILL after KillWait.
  if [ -n "$(pid_alive slurmctld)" ] && [ -f "$dir/slurm.conf" ]; then
    ids=$(SLURM_CONF=$dir/slurm.conf squeue -h -o %A 2>/dev/null || true)
    if [ -n "$ids" ]; then
      # shellcheck disable=SC2086 # one argument per job id
      SLURM_CONF=$dir/slurm.conf scancel $ids >/dev/null 2>&1 || true
      for i in $(seq 1 80); do
        [ -z "$(SLURM_CONF=$dir/slurm.conf squeue -h -o %A 2>/dev/null)" ] && break
        sleep 0.1
      done
    fi
  fi
  # Stop in reverse start order: slurmd, slurmctld (with its helper slurmscriptd, a child we
  # did not start, so we note its pid before the parent goes), munged.
  pid=$(pid_alive slurmctld)
  if [ -n "$pid" ]; then
    for p in /proc/[0-9]*/stat; do
      # Field 4 of /proc/PID/stat is the parent pid; the command name has no spaces here.
      read -r i name _ ppid _ 2>/dev/null <"$p" || continue
      [ "$ppid" = "$pid" ] && [ "$name" = "(slurmscriptd)" ] && echo "$i" >"$dir/pids/slurmscriptd.pid"
    done
  fi
  for name in slurmd slurmctld slurmscriptd munged; do
    pid=$(pid_alive "$name")
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids="$pids $pid:$name"
  done
  if [ -z "$pids" ]; then
    rm -f "$dir"/pids/*.pid
    echo "cluster.sh: nothing running in $dir"
    return 0
  fi
  for i in $(seq 1 50); do
    left=""
    for p in $pids; do
      [ -n "$(pid_alive "${p#*:}")" ] && left="$left $p"
    done
    pids=$left
    [ -z "$pids" ] && break
    sleep 0.1
  done
  for p in $pids; do
    pid=$(pid_alive "${p#*:}")
    if [ -n "$pid" ]; then
      echo "cluster.sh: ${p#*:} (pid $pid) ignored SIGTERM for 5 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$dir"/pids/*.pid
  echo "cluster.sh: stopped $dir"
}

status_cluster() {
  local name pid bad=0
  for name in $daemons; do
    pid=$(pid_alive "$name")
    if [ -n "$pid" ]; then echo "$name running (pid $pid)"; else echo "$name not running"; bad=1; fi
  done
  [ "$bad" -eq 0 ] || return 1
  SLURM_CONF=$dir/slurm.conf sinfo -h -N -o '%N %T'
}

# start_daemon NAME CMD...: run CMD in the background, in its own session (so a signal to the
# caller's process group does not reach it) with no inherited stdio (so a caller that waits for
# our stdout to close, like Node's execFile, does not hang), and record its pid.
start_daemon() {
  local name=$1
  shift
  setsid "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
  echo $! >"$dir/pids/$name.pid"
}

# wait_for WHAT CMD...: poll CMD every 0.05 s for up to 30 s.
wait_for() {
  local what=$1 i name why
  shift
  for i in $(seq 1 600); do
    "$@" >/dev/null 2>&1 && return 0
    for name in $daemons; do
      if [ -f "$dir/pids/$name.pid" ] && [ -z "$(pid_alive "$name")" ]; then
        log_tails
        stop_cluster >/dev/null
        why=$(grep -hE 'fatal|[Ee]rror' "$dir/log/$name.out" | tail -n 1 || true)
        case $why in *"Address already in use"*) why="$why (set SLURMCTLD_PORT, SLURMD_PORT)" ;; esac
        die "$name exited while waiting for $what${why:+: $why}"
      fi
    done
    sleep 0.05
  done
  log_tails
  stop_cluster >/dev/null
  die "timed out after 30 s waiting for $what (logs above, under $dir/log)"
}

node_idle() {
  [ "$(SLURM_CONF=$dir/slurm.conf sinfo -h -N -n "$node" -o %T)" = idle ]
}

start_cluster() {
  [ "$(id -u)" -eq 0 ] || die "start needs root (slurmd runs jobs as their submitters)"
  local tool
  for tool in munged mungekey slurmctld slurmd sinfo scontrol setsid; do
    command -v "$tool" >/dev/null ||
      die "$tool not found; apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge"
  done
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then die "$dir is not empty"; fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  case $dir in *[[:space:]]* | *'#'*) die "$dir: slurm.conf cannot hold a path with spaces or #" ;; esac
  # A unix socket path is at most 107 bytes.
  [ ${#dir} -le 80 ] || die "$dir: path too long for munge's socket (80 characters at most)"
  local t0 node cpus mem_mb
  t0=$(date +%s.%N)
  node=$(hostname -s)
  cpus=$(nproc)
  mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)

  mkdir -p "$dir/pids" "$dir/log" "$dir/state" "$dir/spool"
  # munged insists that its key is private and that no directory it uses is writable by others;
  # 0755 lets a non-root submitter reach the socket.
  install -d -m 0755 "$dir/munge"
  install -d -m 0700 "$dir/munge/key"
  mungekey --create --keyfile="$dir/munge/key/munge.key" 2>/dev/null ||
    { dd if=/dev/urandom of="$dir/munge/key/munge.key" bs=1024 count=1 2>/dev/null &&
      chmod 0600 "$dir/munge/key/munge.key"; }

  cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm/cluster.sh; see its header for why each setting is here.
ClusterName=bimttest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/pids/slurmctld.own.pid
SlurmdPidFile=$dir/pids/slurmd.own.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=300
MailProg=/bin/true
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env"

  start_daemon munged munged --foreground --force \
    --socket="$dir/munge/munge.socket" --key-file="$dir/munge/key/munge.key" \
    --pid-file="$dir/pids/munged.own.pid" --seed-file="$dir/munge/munged.seed"
  wait_for "munged's socket" munge --socket="$dir/munge/munge.socket" -n

  start_daemon slurmctld slurmctld -D -f "$dir/slurm.conf"
  wait_for "slurmctld to answer" env SLURM_CONF="$dir/slurm.conf" scontrol ping
  start_daemon slurmd slurmd -D -N "$node" -f "$dir/slurm.conf"
  wait_for "node $node to be idle" node_idle

  local t1
  t1=$(date +%s.%N)
  echo "cluster.sh: started in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s;" \
    ". $dir/env to use it"
}

case $cmd in
  start) start_cluster ;;
  stop) stop_cluster ;;
  status) status_cluster ;;
  *) usage ;;
esac
