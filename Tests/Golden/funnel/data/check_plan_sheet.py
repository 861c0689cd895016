#!/usr/bin/env python3
"""Independent check of funnel/plan_sheet.funnel: the sheet read by hand (a row per stage, the
months across), the leads counted per month of each stage's own time along the ordered funnel,
and per stage actual, plan, variance, totals and pace (actual so far over plan so far)."""
import csv, os
from datetime import datetime

here = os.path.dirname(__file__)
sheet = list(csv.reader(open(os.path.join(here, "plan_sheet.csv"))))
months = [datetime.strptime(h, "%b-%y").strftime("%Y-%m") for h in sheet[0][1:]]
plan = {row[0]: [int(v) for v in row[1:]] for row in sheet[1:] if row[0] and row[0] != "Total"}
leads = list(csv.DictReader(open(os.path.join(here, "leads.csv"))))
columns = {"leads": "created_at", "mqls": "mql_at", "sqls": "sql_at", "customers": "customer_at"}
actual = {s: {m: 0 for m in months} for s in columns}
for r in leads:
    previous = None
    for stage, column in columns.items():
        if not r[column] or (previous and r[column] < previous): break
        previous = r[column]
        month = r[column][:7]
        if month in actual[stage]: actual[stage][month] += 1
for stage, planned in plan.items():
    a = [actual[stage][m] for m in months]
    print(f"{stage}: actual {a} plan {planned} variance {[x - y for x, y in zip(a, planned)]} "
          f"total {sum(a)}/{sum(planned)} pace {sum(a) / sum(planned):.1%}")
