#!/usr/bin/env python3
"""Independent check of funnel/period_compare.funnel's numbers, from leads_two_years.csv alone:
leads per month and quarter, the month (quarter) before and the same one a year before, the change
and the change in percent; MQLs counted in the month of mql_at, the step rate mqls/leads per month.
Run it and compare with funnel/period_compare.out."""
import csv, os
from collections import Counter

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(__file__), "leads_two_years.csv"))))
month = lambda d: d[:7]
def quarter(d):
    return f"{d[:4]}-Q{(int(d[5:7]) - 1) // 3 + 1}"
def prev_month(m):
    y, mo = int(m[:4]), int(m[5:7])
    return f"{y - 1}-12" if mo == 1 else f"{y}-{mo - 1:02d}"
def prev_quarter(q):
    y, n = int(q[:4]), int(q[6])
    return f"{y - 1}-Q4" if n == 1 else f"{y}-Q{n - 1}"
def last_year(p):
    return f"{int(p[:4]) - 1}{p[4:]}"
def all_months(first, last):
    out, m = [], first
    while m <= last:
        out.append(m)
        y, mo = int(m[:4]), int(m[5:7])
        m = f"{y + 1}-01" if mo == 12 else f"{y}-{mo + 1:02d}"
    return out
def show(title, periods, counts, earlier):
    print(title)
    for p in periods:
        now, before = counts.get(p, 0), (counts.get(earlier(p), 0) if earlier(p) in periods else None)
        change = None if before is None else now - before
        pct = None if before in (None, 0) else f"{100 * (now - before) / abs(before):.1f}%"
        print(f"  {p}: {now} earlier={before} change={change} change%={pct}")

leads_m = Counter(month(r["created_at"]) for r in rows)
months = all_months(min(leads_m), max(leads_m))
show("count(leads) by month vs previous", months, leads_m, prev_month)
leads_q = Counter(quarter(r["created_at"]) for r in rows)
quarters = sorted({quarter(m + "-01") for m in months})
show("count(leads) by quarter vs last year", quarters, leads_q, last_year)
mqls_m = Counter(month(r["mql_at"]) for r in rows if r["mql_at"])
print("funnel by month: leads, mqls (each in its own month), mqls/leads")
for m in all_months(min(months), max(max(mqls_m), max(months))):
    l, q = leads_m.get(m, 0), mqls_m.get(m, 0)
    print(f"  {m}: leads={l} mqls={q} rate={'—' if l == 0 else f'{100 * q / l:.1f}%'}")
mqls_q = Counter(quarter(r["mql_at"]) for r in rows if r["mql_at"])
print("funnel by quarter vs previous: leads, mqls, mqls/leads, and the quarter before")
qs = sorted({quarter(m + "-01") for m in all_months(min(months), max(max(mqls_m), max(months)))})  # empty quarters too
for q in qs:
    l, m = leads_q.get(q, 0), mqls_q.get(q, 0)
    p = prev_quarter(q)
    pl, pm = (leads_q.get(p, 0), mqls_q.get(p, 0)) if p in qs else (None, None)
    rate = None if l == 0 else m / l
    prate = None if not pl else pm / pl
    pts = None if rate is None or prate is None else f"{100 * (rate - prate):+.1f} pts"
    print(f"  {q}: leads={l} (before {pl}) mqls={m} (before {pm}) rate={rate and f'{100 * rate:.1f}%'} before={prate and f'{100 * prate:.1f}%'} change={pts}")
