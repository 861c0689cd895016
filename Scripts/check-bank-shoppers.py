#!/usr/bin/env python3
"""Independent check of examples/real/bank-marketing.funnel and online-shoppers.funnel with
Python's csv module (no funnel code). Usage: Scripts/check-bank-shoppers.py [folder of real data]"""
import collections, csv, sys

root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real"
bank = list(csv.DictReader(open(f"{root}/bank-marketing/bank-additional-full.csv", newline=""), delimiter=";"))
yes = [r for r in bank if r["y"] == "yes"]
print(f"bank: contacted {len(bank)}, subscribed {len(yes)}, {100 * len(yes) / len(bank):.1f}%")
for key in ("contact", "month"):
    total = collections.Counter(r[key] for r in bank)
    won = collections.Counter(r[key] for r in yes)
    print(f"bank by {key}: " + ", ".join(f"{k} {total[k]}/{won[k]} {100 * won[k] / total[k]:.1f}%" for k, _ in won.most_common()))
total = collections.Counter(int(r["campaign"]) for r in bank)
won = collections.Counter(int(r["campaign"]) for r in yes)
print("bank by campaign: " + ", ".join(f"{k}: {total[k]}/{won[k]} {100 * won[k] / total[k]:.1f}%" for k in sorted(total)[:6]))

shop = list(csv.DictReader(open(f"{root}/online-shoppers/online_shoppers_intention.csv", newline="")))
viewed = [r for r in shop if float(r["ProductRelated"]) > 0]
bought = [r for r in viewed if r["Revenue"] == "TRUE"]
print(f"shoppers: sessions {len(shop)}, product views {len(viewed)}, purchases after a product view {len(bought)} "
      f"(all purchases {sum(r['Revenue'] == 'TRUE' for r in shop)})")
for key in ("VisitorType", "Month"):
    s = collections.Counter(r[key] for r in shop)
    v = collections.Counter(r[key] for r in viewed)
    b = collections.Counter(r[key] for r in bought)
    print(f"shoppers by {key}: " + ", ".join(f"{k} {s[k]}/{v[k]}/{b[k]}" for k in sorted(s)))
s = collections.Counter(r["TrafficType"] for r in shop)
b = collections.Counter(r["TrafficType"] for r in bought)
print("shoppers by TrafficType (top 5): " + ", ".join(f"{k} {n}/{b[k]}" for k, n in s.most_common(5)))
