#!/usr/bin/env python3
"""Independent check of funnel/confidence.funnel: from sources_confidence.csv alone, each
source's step rates with their Wilson 95% intervals, and the two-proportion z-test of each source
against the other rows (Bonferroni over every test made). Run it and compare with confidence.out."""
import csv, math, os
from collections import defaultdict

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(__file__), "sources_confidence.csv"))))
z = 1.959963984540054
def wilson(x, n):
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0, centre - half), min(1, centre + half)
def p_value(x1, n1, x2, n2):
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(x1 / n1 - x2 / n2) / se / math.sqrt(2))
count = defaultdict(lambda: [0, 0, 0])
for r in rows:
    c = count[r["source"]]
    c[0] += 1
    if r["mql_at"]:
        c[1] += 1
        if r["sql_at"]: c[2] += 1
steps = [("mqls/leads", 1, 0), ("sqls/mqls", 2, 1)]
tests = len(steps) * len(count)
alpha = 0.05 / tests
for source in sorted(count):
    c = count[source]
    said = []
    for name, top, bottom in steps:
        x, n = c[top], c[bottom]
        rx = sum(o[top] for s, o in count.items() if s != source)
        rn = sum(o[bottom] for s, o in count.items() if s != source)
        low, high = wilson(x, n)
        p = p_value(x, n, rx, rn)
        print(f"{source} {name}: {100 * x / n:.1f}% CI {100 * low:.1f}–{100 * high:.1f}% p={p:.5f}" + (" DIFFERS" if p < alpha else ""))
print(f"alpha per test = {alpha}")
