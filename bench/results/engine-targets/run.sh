#!/bin/bash
# One measured run of issue #33's targets (engine-targets.md); each step's CSV on stdout, summary/log on stderr.
# As run in the session's worktree (/work/wt/targets33, the package there on PYTHONPATH); from a clone, cd to its root instead.
cd /work/wt/targets33
export PYTHONPATH=$PWD
W="nice -n 10 /work/main/.venv/bin/python -m wasteopt"
R=bench/results/engine-targets
step() { name=$1; shift; echo "== $name start $(date -u +%H:%M:%S) $(uptime)" >> $R/load.log
  /usr/bin/time -f "wall %e s" "$@" > $R/$name.csv 2> $R/$name.log
  echo "== $name end $(date -u +%H:%M:%S) rc=$? $(uptime)" >> $R/load.log; }
echo "commit $(git rev-parse --short HEAD)" > $R/load.log
step cflp_gen_100x1000_60s $W bench cflp-gen --sizes 100x1000 --ratios 3,5,10 --method benders,lagrange,plain --time-limit 60
step cflp_gen_100x1000_10s $W bench cflp-gen --sizes 100x1000 --ratios 3,5,10 --method benders,lagrange,plain --time-limit 10
step pmedian_11_20_60s $W bench pmedian --optima bench/data/orlib_pmed/optima.csv --only pmed11,pmed12,pmed13,pmed14,pmed15,pmed16,pmed17,pmed18,pmed19,pmed20 --method radius,plain --time-limit 60
step pmedian_11_20_10s $W bench pmedian --optima bench/data/orlib_pmed/optima.csv --only pmed11,pmed12,pmed13,pmed14,pmed15,pmed16,pmed17,pmed18,pmed19,pmed20 --method radius,plain --time-limit 10
for seed in 0 1 2 3 7; do
  step scale_2500x500_seed$seed $W bench scale --nodes 2500 --sites 500 --seed $seed --time-limit 60
done
step whatif_base $W solve configs/henan-2025-zero-landfill.yaml --out bench/results/whatif-base --force --no-progress --registry bench/results/registry.sqlite
step whatif_20s $W bench whatif configs/henan-2025-zero-landfill.yaml --base bench/results/whatif-base --registry bench/results/registry.sqlite
step cflp_gen_200x2000_60s $W bench cflp-gen --sizes 200x2000 --ratios 3,5,10 --method benders,lagrange,plain --time-limit 60
echo "== all done $(date -u +%H:%M:%S)" >> $R/load.log
