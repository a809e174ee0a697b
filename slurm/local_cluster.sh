#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, from Debian's slurm-wlm and munge: a munge key,
# munged, a generated slurm.conf (this host as controller and only node, no cgroups), slurmctld
# and slurmd. Everything lives under $SLURM_HOME (default /tmp/pdekit-slurm); nothing in /etc
# is changed. `slurm/local_cluster.sh stop` stops the daemons it started. MpiDefault=pmix: Debian's
# Open MPI starts under srun only through PMIx (otherwise MPI_Init aborts: "OMPI was not built
# with SLURM's PMI support"); on another cluster, `srun --mpi=pmix`.
#
#   slurm/local_cluster.sh start    # then: export SLURM_CONF=/tmp/pdekit-slurm/slurm.conf
#   slurm/local_cluster.sh stop
set -euo pipefail
HOME_DIR=${SLURM_HOME:-/tmp/pdekit-slurm}
CONF=$HOME_DIR/slurm.conf
HOST=$(hostname -s)

stop() {
  for p in slurmd slurmctld munged; do
    [ -f "$HOME_DIR/$p.pid" ] && kill "$(cat "$HOME_DIR/$p.pid")" 2>/dev/null || true
    rm -f "$HOME_DIR/$p.pid"
  done
}

start() {
  stop
  mkdir -p "$HOME_DIR"/{state,spool,munge,log}
  chmod 700 "$HOME_DIR/munge"
  # munge: its own key and socket, so an installed munge service is not touched.
  if [ ! -f "$HOME_DIR/munge/munge.key" ]; then
    dd if=/dev/urandom of="$HOME_DIR/munge/munge.key" bs=1 count=1024 status=none
    chmod 400 "$HOME_DIR/munge/munge.key"
  fi
  munged --force --key-file="$HOME_DIR/munge/munge.key" --socket="$HOME_DIR/munge/munge.socket" \
    --pid-file="$HOME_DIR/munged.pid" --log-file="$HOME_DIR/log/munged.log" --seed-file="$HOME_DIR/munge/seed"
  local cpus memory
  cpus=$(nproc)
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
  cat > "$CONF" <<CONF
ClusterName=pdekit
SlurmctldHost=$HOST(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$HOME_DIR/munge/munge.socket
CredType=cred/munge
SlurmUser=$(id -un)
SlurmdUser=root
StateSaveLocation=$HOME_DIR/state
SlurmdSpoolDir=$HOME_DIR/spool
SlurmctldPidFile=$HOME_DIR/slurmctld.pid
SlurmdPidFile=$HOME_DIR/slurmd.pid
SlurmctldLogFile=$HOME_DIR/log/slurmctld.log
SlurmdLogFile=$HOME_DIR/log/slurmd.log
SlurmctldPort=6917
SlurmdPort=6918
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
SchedulerType=sched/backfill
MaxArraySize=1001
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  export SLURM_CONF=$CONF
  slurmctld -f "$CONF"
  slurmd -f "$CONF"
  # Ready when the node is idle.
  for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -q idle; then echo "slurm: $HOST up (SLURM_CONF=$CONF)"; return 0; fi
    sleep 0.5
  done
  echo "slurm: the node did not come up; see $HOME_DIR/log" >&2
  sinfo >&2 || true
  return 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
