#!/usr/bin/env python3
"""Independent check of examples/real/olist.funnel with Python's csv module (no funnel code).
Prints MQLs and won deals by origin and by month of first contact, the overall rate, and the
median days from first contact to won. Usage: Scripts/check-olist.py [folder of the Olist CSVs]"""
import collections, csv, datetime, statistics, sys

folder = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real/olist-marketing-funnel"
mqls = list(csv.DictReader(open(f"{folder}/olist_marketing_qualified_leads_dataset.csv", newline="")))
deals = list(csv.DictReader(open(f"{folder}/olist_closed_deals_dataset.csv", newline="")))
won = {d["mql_id"] for d in deals}
origin = collections.Counter(m["origin"] for m in mqls)
origin_won = collections.Counter(m["origin"] for m in mqls if m["mql_id"] in won)
print("origin, mqls, won, won_rate")
for k, v in origin.most_common():
    print(f"{k or '(empty)'}, {v}, {origin_won[k]}, {100 * origin_won[k] / v:.1f}%")
month = collections.Counter(m["first_contact_date"][:7] for m in mqls)
month_won = collections.Counter(m["first_contact_date"][:7] for m in mqls if m["mql_id"] in won)
print("month, mqls, won, won_rate")
for k in sorted(month):
    print(f"{k}, {month[k]}, {month_won[k]}, {100 * month_won[k] / month[k]:.1f}%")
print(f"won_rate = {100 * sum(1 for m in mqls if m['mql_id'] in won) / len(mqls):.1f}%")
first = {m["mql_id"]: m["first_contact_date"] for m in mqls}
days = [(datetime.datetime.fromisoformat(d["won_date"]) - datetime.datetime.fromisoformat(first[d["mql_id"]])).total_seconds() / 86400
        for d in deals if d["won_date"]]
print(f"median days first contact -> won = {statistics.median(days):.4f} ({len(days)} deals)")
# The funnel `closing` counts a deal only when it was won on or after the first contact (strict order).
ordered = sorted(d for d in days if d >= 0)
p90_position = 0.9 * (len(ordered) - 1)
lower = int(p90_position)
p90 = ordered[lower] + (ordered[min(lower + 1, len(ordered) - 1)] - ordered[lower]) * (p90_position - lower)
print(f"closing funnel (won on or after first contact): {len(ordered)} won; velocity median {statistics.median(ordered):.1f}, "
      f"p90 {p90:.1f}, mean {sum(ordered) / len(ordered):.1f} days")
