#!/bin/bash
# Third part: warm what-ifs to a proven 0.5 % (the bench stops at 1 %), after run2.sh (same load.log).
cd /work/wt/targets33
export PYTHONPATH=$PWD
R=bench/results/engine-targets
while ! grep -q "part 2 done" $R/load.log; do sleep 10; done
P="nice -n 10 /work/main/.venv/bin/python"
step() { name=$1; shift; echo "== $name start $(date -u +%H:%M:%S) $(uptime)" >> $R/load.log
  /usr/bin/time -f "wall %e s" "$@" > $R/$name.csv 2> $R/$name.log
  echo "== $name end $(date -u +%H:%M:%S) rc=$? $(uptime)" >> $R/load.log; }
step whatif_warm_gap0.5pct_20s $P $R/whatif_gap.py 0.005 20
echo "== part 3 done $(date -u +%H:%M:%S)" >> $R/load.log
