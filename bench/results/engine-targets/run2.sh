#!/bin/bash
# Second part of the measured run: generated Beasley p-median graphs, after run.sh (same load.log).
cd /work/wt/targets33
export PYTHONPATH=$PWD
R=bench/results/engine-targets
while ! grep -q "all done" $R/load.log; do sleep 10; done
P="nice -n 10 /work/main/.venv/bin/python"
step() { name=$1; shift; echo "== $name start $(date -u +%H:%M:%S) $(uptime)" >> $R/load.log
  /usr/bin/time -f "wall %e s" "$@" > $R/$name.csv 2> $R/$name.log
  echo "== $name end $(date -u +%H:%M:%S) rc=$? $(uptime)" >> $R/load.log; }
step pmedian_gen_60s $P $R/pmedian_gen.py 60
step pmedian_gen_10s $P $R/pmedian_gen.py 10
echo "== part 2 done $(date -u +%H:%M:%S)" >> $R/load.log
