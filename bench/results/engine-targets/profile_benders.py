"""Time every master and subproblem solve of benders_cflp on one cap file: python profile_benders.py FILE SECONDS.
The experiments of experiment-benders.diff ran it with PYTHONPATH on a copy of the package with that diff applied
(FLIPS=1, MOPT=1 switch them on)."""
import sys, time
import numpy as np
from wasteopt.bench.instances import read_orlib_cap
from wasteopt.siting.bounds import benders as B

log = []
def wrap(cls, name, tag):
    orig = getattr(cls, name)
    def f(self, *a, **k):
        t = time.perf_counter(); r = orig(self, *a, **k)
        extra = ""
        if tag == "master" and r is not None:
            extra = f" bound={r[2]:.2f} integer={self.integer} cuts={self.cuts} found={len(self.found)}"
        log.append(f"{time.perf_counter()-T0:7.2f} {tag} {time.perf_counter()-t:6.2f}s{extra}")
        return r
    setattr(cls, name, f)
wrap(B._Master, "solve", "master"); wrap(B.TransportSubproblem, "solve", "sub")
inst = read_orlib_cap(sys.argv[1])
T0 = time.perf_counter()
r = B.benders_cflp(inst.fixed_cost, inst.capacity, inst.demand, inst.cost, time_limit=float(sys.argv[2]), rel_gap=1e-7)
print("\n".join(log))
print(r.objective, r.bound, r.gap, r.lp_rounds, r.master_solves, r.cuts, r.seconds)
