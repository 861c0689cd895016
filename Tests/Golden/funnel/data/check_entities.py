#!/usr/bin/env python3
"""Independent check of funnel/entities.funnel from touches.csv alone. A contact reaches visit,
signup, purchase when some of its rows have those events in that order (found by trying every
combination, not the earliest-first walk funnel uses); with `constant account` the three rows
share one account. The earliest-first walk is then only used where the language defines it by
the chosen rows: the attribution (first touch: the earliest visit; last touch: the row of the
furthest stage; at signup: the earliest signup after that visit) and the exclusion (an
unsubscribe at or after the signup and before the purchase). Compare with entities.out."""
import csv, os, itertools
from collections import defaultdict, Counter

rows = list(csv.DictReader(open(os.path.join(os.path.dirname(__file__), "touches.csv"))))
for i, r in enumerate(rows): r["i"] = i
events = ["visit", "signup", "purchase"]
by_contact = defaultdict(list)
for r in rows:
    if r["contact_id"]: by_contact[r["contact_id"]].append(r)
print(f"{len(by_contact)} contacts, {sum(1 for r in rows if not r['contact_id'])} rows without one")

def reach_exists(rs):
    """How many stages some in-order combination of rows reaches (brute force)."""
    of = [[r for r in rs if r["event"] == e] for e in events]
    best = 0
    for k in range(1, 4):
        if any(all(a["time"] <= b["time"] for a, b in zip(chain, chain[1:])) for chain in itertools.product(*of[:k])):
            best = k
    return best

def counts(reached):
    c = [sum(1 for x in reached if x > k) for k in range(3)]
    return c, [f"{c[k] / c[k - 1]:.1%}" if c[k - 1] else "—" for k in (1, 2)]

plain = [reach_exists(rs) for rs in by_contact.values()]
print("contacts:", *counts(plain))
same = []
for rs in by_contact.values():
    accounts = {r["account"] for r in rs}
    same.append(max(reach_exists([r for r in rs if r["account"] == a]) for a in accounts))
print("same_account:", *counts(same))

def walk(rs):
    """The rows of the earliest in-order chain: (row per stage reached)."""
    chain, previous = [], None
    for e in events:
        candidates = [r for r in rs if r["event"] == e and (previous is None or r["time"] >= previous)]
        if not candidates: break
        pick = min(candidates, key=lambda r: (r["time"], r["i"]))
        chain.append(pick); previous = pick["time"]
    return chain

kept, excluded = [], 0
for rs in by_contact.values():
    chain = walk(rs)
    assert len(chain) == reach_exists(rs)
    if len(chain) >= 2:
        start, end = chain[1]["time"], chain[2]["time"] if len(chain) == 3 else "9999"
        if any(r["event"] == "unsubscribe" and start <= r["time"] < end for r in rs):
            excluded += 1
            continue
    kept.append(len(chain))
print(f"subscribed: {excluded} excluded;", *counts(kept))

for name, pick in [("first touch", lambda c: c[0]), ("last touch", lambda c: c[-1]), ("at signup", lambda c: c[1] if len(c) > 1 else None)]:
    groups = defaultdict(list)
    left = 0
    for rs in by_contact.values():
        chain = walk(rs)
        if not chain: continue
        row = pick(chain)
        if row is None: left += 1; continue
        groups[row["channel"]].append(len(chain))
    print(f"by channel, {name}" + (f" ({left} contacts left out)" if left else "") + ":")
    for channel in sorted(groups):
        print("  ", channel, *counts(groups[channel]))
