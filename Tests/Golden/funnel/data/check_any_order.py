#!/usr/bin/env python3
"""Independent check of funnel/any_order.funnel from lifecycle.csv alone: the ordered funnel,
the any-order one (each stage counts the rows that have its time; a step counts the rows of the
earlier stage that also reached the later), the same within 30 days of each row's earliest
stage time, and the ordered funnel without the rows lost between their MQL and SQL times (or
after the MQL when there is no SQL). Run it and compare with any_order.out."""
import csv, os
from datetime import datetime
from collections import defaultdict

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(__file__), "lifecycle.csv"))))
stages = ["created_at", "mql_at", "sql_at", "customer_at"]
names = ["leads", "mqls", "sqls", "customers"]
t = lambda s: datetime.strptime(s, "%Y-%m-%d %H:%M:%S") if s else None

def ordered(r):
    reached, previous = [], None
    for s in stages:
        v = t(r[s])
        if v is None or (previous is not None and v < previous): break
        reached.append(True); previous = v
    return reached + [False] * (len(stages) - len(reached))

def any_order(r, window_days=None):
    times = [t(r[s]) for s in stages]
    present = [v for v in times if v]
    if not present: return [False] * len(stages)
    earliest = min(present)
    return [v is not None and (window_days is None or (v - earliest).total_seconds() <= window_days * 86400) for v in times]

def lost_between_mql_and_sql(r):
    flags = ordered(r)
    lost, mql, sql = t(r["lost_at"]), t(r["mql_at"]), t(r["sql_at"])
    if not flags[1] or lost is None: return False
    end = sql if flags[2] else None
    return lost >= mql and (end is None or lost < end)

def show(title, reach_of, rows_in, joint):
    reaches = [reach_of(r) for r in rows_in]
    counts = [sum(x[k] for x in reaches) for k in range(4)]
    line = [f"{names[0]} {counts[0]}"]
    for k in range(1, 4):
        both = sum(x[k - 1] and x[k] for x in reaches) if joint else counts[k]
        rate = both / counts[k - 1] if counts[k - 1] else float("nan")
        line.append(f"{names[k]} {counts[k]} ({rate:.1%} of {names[k-1]}; {counts[k] - both} never {names[k-1]})")
    print(title + ": " + ", ".join(line))

show("ordered", ordered, rows, False)
show("lifecycle (any order)", any_order, rows, True)
for source in sorted({r["source"] for r in rows}):
    show(f"  lifecycle by source {source}", any_order, [r for r in rows if r["source"] == source], True)
show("recent (any order within 30 days)", lambda r: any_order(r, 30), rows, True)
kept = [r for r in rows if not lost_between_mql_and_sql(r)]
print(f"not_lost: {len(rows) - len(kept)} rows excluded")
show("not_lost", ordered, kept, False)
for source in sorted({r["source"] for r in rows}):
    show(f"  not_lost by source {source}", ordered, [r for r in kept if r["source"] == source], False)
