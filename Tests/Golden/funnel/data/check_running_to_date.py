#!/usr/bin/env python3
"""Independent check of funnel/running_to_date.funnel from lifecycle.csv alone, as of
2025-05-20: running counts and MQL rates by month of creation; the funnel by month with each
stage counted in the month of its own time, summed from the first month; and the to-date spans
(2025-Q2 through 2025-05-20 against the first 50 days of 2025-Q1; May 1-20 against April 1-20),
each stage counted when its own time falls in the span. Compare with running_to_date.out."""
import csv, os
from datetime import date, datetime

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(__file__), "lifecycle.csv"))))
day = lambda s: datetime.strptime(s, "%Y-%m-%d %H:%M:%S").date() if s else None

def reach(r):
    """Stage times of an ordered funnel leads -> mqls -> sqls (None once a stage is missed)."""
    out, previous = [], None
    for column in ("created_at", "mql_at", "sql_at"):
        t = day(r[column]) and datetime.strptime(r[column], "%Y-%m-%d %H:%M:%S")
        if t is None or (previous is not None and t < previous): break
        out.append(t); previous = t
    return out

months = sorted({day(r["created_at"]).strftime("%Y-%m") for r in rows})
print("running by month of creation: count, mql_rate")
for m in months:
    upto = [r for r in rows if day(r["created_at"]).strftime("%Y-%m") <= m]
    mine = [r for r in rows if day(r["created_at"]).strftime("%Y-%m") == m]
    print(f"  {m}: {len(mine)} running {len(upto)}; rate {sum(1 for r in mine if r['mql_at']) / len(mine):.1%} running {sum(1 for r in upto if r['mql_at']) / len(upto):.1%}")

print("funnel by month, running (each stage in the month of its own time):")
reached = [reach(r) for r in rows]
stage_months = sorted({t.strftime("%Y-%m") for x in reached for t in x})
for m in stage_months:
    counts = [sum(1 for x in reached if len(x) > k and x[k].strftime("%Y-%m") <= m) for k in range(3)]
    print(f"  {m}: {counts} {counts[1] / counts[0]:.1%} {counts[2] / counts[1]:.1%}")

def in_span(t, a, b): return a <= t.date() <= b
spans = {"quarter": ((date(2025, 4, 1), date(2025, 5, 20)), (date(2025, 1, 1), date(2025, 2, 19))),
         "month": ((date(2025, 5, 1), date(2025, 5, 20)), (date(2025, 4, 1), date(2025, 4, 20)))}
for unit, (now, before) in spans.items():
    for label, (a, b) in (("to date", now), ("previous", before)):
        created = [r for r in rows if a <= day(r["created_at"]) <= b]
        counts = [sum(1 for x in reached if len(x) > k and in_span(x[k], a, b)) for k in range(3)]
        rate = sum(1 for r in created if r["mql_at"]) / len(created)
        print(f"{unit} {label} {a}..{b}: count(leads) {len(created)}, mql_rate {rate:.1%}, funnel {counts}",
              f"steps {counts[1] / counts[0]:.1%} {counts[2] / counts[1]:.1%}")
