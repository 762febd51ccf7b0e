"""Random p-median graphs in Beasley's way (bench.instances.beasley_pmedian_graph, seed 1) at n = 500-900, the
radius path vs plain HiGHS through bench_methods.compare_methods (the bench has the generator but no CLI for it).
Usage: python pmedian_gen.py SECONDS > out.csv"""
import sys

from wasteopt.bench.instances import beasley_pmedian_graph
from wasteopt.commands.bench_methods import PMEDIAN_METHODS, compare_methods

CASES = [(500, 10), (500, 50), (700, 14), (700, 70), (900, 18), (900, 90)]  # p = n/50 and n/10, as in Beasley's set
rows = [(f"beasley{n}p{p}s1", lambda n=n, p=p: (beasley_pmedian_graph(n, seed=1), p), None) for n, p in CASES]
print(compare_methods(rows, ("radius", "plain"), time_limit=float(sys.argv[1]), table=PMEDIAN_METHODS,
                      family="pmedian"), file=sys.stderr)
