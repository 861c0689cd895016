#!/usr/bin/env python3
"""Independent check of funnel/histogram.funnel: from leads.csv alone, the days of each step of
the strict funnel leads → mqls → customers (a row counts when each time is there and not before
the previous one), binned as `velocity f histogram W days` bins them (from <= days < to)."""
import csv, os
from datetime import datetime
from collections import Counter

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(__file__), "leads.csv"))))
t = lambda s: datetime.strptime(s, "%Y-%m-%d %H:%M:%S") if s else None
steps = {"leads→mqls": [], "mqls→customers": [], "leads→customers (end to end)": []}
for r in rows:
    c, m, k = t(r["created_at"]), t(r["mql_at"]), t(r["customer_at"])
    if not (c and m and m >= c):
        continue
    steps["leads→mqls"].append((m - c).total_seconds() / 86400)
    if k and k >= m:
        steps["mqls→customers"].append((k - m).total_seconds() / 86400)
        steps["leads→customers (end to end)"].append((k - c).total_seconds() / 86400)
def auto(longest):
    return next((w for w in [1, 2, 3, 7, 14, 30, 60, 90, 180, 365] if longest // w + 1 <= 12), 365)
for width in [None, 30, 14]:
    print(f"bins of {width or 'auto'}")
    for name, days in steps.items():
        w = width or auto(max(days))
        bins = Counter(int(d // w) for d in days)
        for b in range(int(max(days) // w) + 1):
            print(f"  {name} {b * w}–{(b + 1) * w}: {bins.get(b, 0)} of {len(days)}")
