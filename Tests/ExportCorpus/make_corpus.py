#!/usr/bin/env python3
"""Writes the export corpus: CSV files shaped as marketing tools and agencies write them, and truth.json.

Run from anywhere: `python3 Tests/ExportCorpus/make_corpus.py`. The output is deterministic (fixed
seeds, no clock), so running it again rewrites the same bytes.

Every value is generated first as what it means (int, Decimal, date, datetime, text, bool), then
written in the tool's shape. truth.json is computed from the meanings (row counts, sums, first
values), never added by hand. As a check, each written file is read back here with an independent
parser (by the reading rules in README.md) and every cell must give back its meaning.
"""
import csv
import io
import json
import random
import re
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

HERE = Path(__file__).resolve().parent

NNBSP = "\u202f"  # narrow no-break space (French typography, UTF-8 only)
NBSP = "\u00a0"  # no-break space (French Excel; cp1252 byte 0xA0)

MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December"]
FR_MON = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
FR_MONTH = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
            "novembre", "décembre"]

# ---------------------------------------------------------------------------------------------
# Writing values in a tool's shape


def cents(rng, lo, hi):
    """A Decimal with two places between lo and hi (whole units)."""
    return D(rng.randint(int(lo * 100), int(hi * 100))) / 100


def q2(x):
    return D(x).quantize(D("0.01"))


def group(int_digits, sep):
    out = []
    while len(int_digits) > 3:
        out.insert(0, int_digits[-3:])
        int_digits = int_digits[:-3]
    out.insert(0, int_digits)
    return sep.join(out)


def number(d, places=2, thousands=",", point=".", prefix="", suffix="", parens=False, neg_before_prefix=True):
    d = D(d)
    neg = d < 0
    text = f"{abs(d):.{places}f}"
    whole, _, frac = text.partition(".")
    body = group(whole, thousands) + (point + frac if places else "")
    if neg and parens:
        return f"({prefix}{body}{suffix})"
    if neg:
        return f"-{prefix}{body}{suffix}" if neg_before_prefix else f"{prefix}-{body}{suffix}"
    return f"{prefix}{body}{suffix}"


def plain(places=2):
    return lambda d: f"{D(d):.{places}f}"


def us(places=2, prefix="", parens=False):
    return lambda d: number(d, places, ",", ".", prefix=prefix, parens=parens)


def fr_money(sep=" ", before_euro=" "):
    return lambda d: number(d, 2, sep, ",", suffix=before_euro + "€")


def fr_num(places=2, sep=" "):
    return lambda d: number(d, places, sep, ",")


def de_num(places=2, suffix=""):
    return lambda d: number(d, places, ".", ",", suffix=suffix)


def pct(places=2, point=".", space="", parens=False):
    """Meaning is the fraction (0.0345); written as a percent ("3.45%")."""
    def f(frac):
        p = D(frac) * 100
        text = number(abs(p), places, "", point) + space + "%"
        if p < 0:
            return f"({text})" if parens else "-" + text
        return text
    return f


def int_grouped(sep=","):
    return lambda n: group(str(n), sep) if n >= 0 else "-" + group(str(-n), sep)


def iso(d):
    return d.isoformat()


def hubspot_ts(t):
    return t.strftime("%Y-%m-%d %H:%M")


def us_date(d):
    return f"{d.month}/{d.day}/{d.year}"


def h12(t):
    h = t.hour % 12 or 12
    return h, ("AM" if t.hour < 12 else "PM")


def us_datetime(t):
    h, ap = h12(t)
    return f"{t.month}/{t.day}/{t.year} {h}:{t.minute:02d} {ap}"


def mailchimp_ts(t):
    h, ap = h12(t)
    return f"{MON[t.month - 1]} {t.day:02d}, {t.year} {h}:{t.minute:02d} {ap.lower()}"


def mon_d_y(d):
    return f"{MON[d.month - 1]} {d.day}, {d.year}"


def dmy(sep="/"):
    return lambda d: f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year}"


def fr_day(d):
    return f"{d.day} {FR_MON[d.month - 1]} {d.year}"


def month_iso(d):
    return f"{d.year}-{d.month:02d}"


def month_mon_yyyy(d):
    return f"{MON[d.month - 1]} {d.year}"


def month_full(d):
    return f"{MONTH[d.month - 1]} {d.year}"


def month_mon_yy(d):
    return f"{MON[d.month - 1]}-{d.year % 100:02d}"


def month_fr_abbr(d):
    return f"{FR_MON[d.month - 1]} {d.year}"


def month_fr_full(d):
    return f"{FR_MONTH[d.month - 1]} {d.year}"


def quarter(d):
    return (d.month - 1) // 3 + 1


def q_iso(d):
    return f"{d.year}-Q{quarter(d)}"


def q_first(d):
    return f"Q{quarter(d)} {d.year}"


def q_fr(d):
    return f"T{quarter(d)} {d.year}"


def boolean(b):
    return "true" if b else "false"


def month_starts(year, first=1, count=12):
    out = []
    y, m = year, first
    for _ in range(count):
        out.append(date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def quarter_starts(year, count):
    return [date(year + i // 4, 3 * (i % 4) + 1, 1) for i in range(count)]


# ---------------------------------------------------------------------------------------------
# Files


class Col:
    def __init__(self, name, type, values, fmt=str, header=None, order=None, also=None):
        self.name = name  # as read: trimmed
        self.header = header if header is not None else name  # as written
        self.type = type
        self.values = values  # meanings; None = empty cell
        self.fmt = fmt
        self.order = order  # 'mdy' or 'dmy' for slash dates (the check only)
        self.also = also  # another acceptable reading, said in truth

    def cell(self, i):
        v = self.values[i]
        return "" if v is None else self.fmt(v)


class File:
    def __init__(self, name, tool, cols, why, before=(), after=(), skipped=(), encoding="utf-8",
                 delimiter=",", newline="\n", quote="minimal", warning=False, decimal_comma=False,
                 shape=""):
        self.name, self.tool, self.cols, self.why = name, tool, cols, why
        self.before, self.after, self.skipped = list(before), list(after), list(skipped)
        self.encoding, self.delimiter, self.newline, self.quote = encoding, delimiter, newline, quote
        self.warning, self.decimal_comma, self.shape = warning, decimal_comma, shape
        n = {len(c.values) for c in cols}
        assert len(n) == 1, (name, [(c.name, len(c.values)) for c in cols])
        self.rows = n.pop()

    def field(self, s, force=None):
        quote_it = force if force is not None else (
            self.quote == "all" or any(ch in s for ch in (self.delimiter, '"', "\n", "\r")))
        return '"' + s.replace('"', '""') + '"' if quote_it else s

    def line(self, fields):
        return self.delimiter.join(self.field(s) for s in fields)

    def text(self):
        lines = list(self.before)
        lines.append(self.line([c.header for c in self.cols]))
        for i in range(self.rows):
            lines.append(self.line([c.cell(i) for c in self.cols]))
        lines += self.after
        body = self.newline.join(lines) + self.newline
        return body

    def bytes(self):
        return self.text().encode(self.encoding)

    def total_row(self, label, values=None, fill="", label_col=0):
        """A totals line written like the data: `values` maps column name -> written text."""
        values = values or {}
        fields = []
        for j, c in enumerate(self.cols):
            if j == label_col:
                fields.append(label)
            elif c.name in values:
                fields.append(values[c.name])
            else:
                fields.append(fill)
        return self.line(fields)

    def total(self, name):
        c = next(c for c in self.cols if c.name == name)
        s = sum(v for v in c.values if v is not None)
        return c.fmt(s)


FILES = []


def add(f):
    FILES.append(f)
    return f


NAMES_FIRST = ["Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Harper", "Rowan", "Emerson", "Sage",
               "Parker", "Reese", "Skyler", "Dakota", "Finley", "Hayden", "Kendall", "Logan", "Marlowe", "Noel",
               "Oakley", "Peyton", "Remy", "Tatum", "Blair", "Ellis", "Jules", "Lane"]
NAMES_LAST = ["Ashdown", "Brightwater", "Calloway", "Dunmore", "Everly", "Fairbank", "Greyson", "Hollins",
              "Ingram", "Jessup", "Kingsley", "Larkspur", "Merriweather", "Northcott", "Oakhurst", "Pembrook",
              "Quillon", "Redfern", "Stanwick", "Thornbury", "Underhill", "Vance", "Whitlock", "Yardley"]
COMPANIES = ["Northwind Trading", "Bluefin Labs", "Copperleaf Studio", "Driftwood Analytics", "Emberline Foods",
             "Foxglove Health", "Granite Peak Outdoors", "Harborlight Media", "Ironbark Logistics",
             "Juniper & Rye", "Kestrel Robotics", "Lumen Grove", "Marigold Travel", "Nimbus Cloudworks",
             "Orchard Lane Bakery", "Pinecrest Legal", "Quartzline Energy", "Riverstone Dental"]
OWNERS = ["Dana Whitfield", "Sam Okafor-Lind", "Priya Castellano", "Tom Brekke"]


def person(rng):
    return rng.choice(NAMES_FIRST), rng.choice(NAMES_LAST)


def stamps(rng, start, count, days_span, hours=(8, 19)):
    out = []
    for _ in range(count):
        d = start + timedelta(days=rng.randint(0, days_span))
        out.append(datetime(d.year, d.month, d.day, rng.randint(*hours), rng.randint(0, 59)))
    return out


def days_in(rng, start, count, span):
    return [start + timedelta(days=rng.randint(0, span)) for _ in range(count)]


# --- HubSpot -------------------------------------------------------------------------------------

def hubspot_contacts():
    rng = random.Random(101)
    n = 24
    people = [person(rng) for _ in range(n)]
    created = stamps(rng, date(2024, 1, 8), n, 80)
    created[0] = datetime(2024, 3, 5, 14, 22)
    activity = [None if i % 7 == 3 else t + timedelta(days=rng.randint(0, 30), minutes=rng.randint(5, 600))
                for i, t in enumerate(created)]
    stages = ["Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer"]
    zips = [rng.choice(["02139", "10001", "94105", "60614", "07030", "30309", "01852", "78701", "98101"])
            for _ in range(n)]
    zips[0] = "02139"
    cols = [
        Col("Record ID", "integer", [51200301 + 37 * i + rng.randint(0, 30) for i in range(n)]),
        Col("First Name", "text", [p[0] for p in people]),
        Col("Last Name", "text", [p[1] for p in people]),
        Col("Email", "text", [f"{p[0].lower()}.{p[1].lower()}{i}@example.com" for i, p in enumerate(people)]),
        Col("Phone Number", "text", [f"+1 ({rng.choice(['617', '212', '415', '312', '206'])}) 555-01{rng.randint(0, 99):02d}"
                                     for _ in range(n)]),
        Col("Lifecycle Stage", "text", [rng.choice(stages) for _ in range(n)]),
        Col("Lead Status", "text", [rng.choice(["New", "Open", "In Progress", "Connected", "Attempted to Contact",
                                                "Unqualified"]) for _ in range(n)]),
        Col("Create Date", "timestamp", created, hubspot_ts),
        Col("Last Activity Date", "timestamp", activity, hubspot_ts),
        Col("Contact owner", "text", [rng.choice(OWNERS) for _ in range(n)]),
        Col("Number of Pageviews", "integer", [rng.randint(1, 140) for _ in range(n)]),
        Col("Original Source", "text", [rng.choice(["Organic Search", "Paid Search", "Direct Traffic",
                                                    "Email Marketing", "Paid Social", "Referrals", "Offline Sources"])
                                        for _ in range(n)]),
        Col("Postal Code", "text", zips),
        Col("Unsubscribed from all email", "boolean", [rng.random() < 0.2 for _ in range(n)], boolean),
    ]
    add(File("hubspot_contacts.csv", "HubSpot", cols, quote="all", shape="contacts export, every field quoted",
             why="HubSpot contacts: 'Create Date' timestamps without seconds, postal codes with leading zeros stay "
                 "text, true/false column, empty activity dates are nulls"))


def hubspot_deals():
    rng = random.Random(102)
    n = 20
    stages = ["Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled", "Decision Maker Bought-In",
              "Contract Sent", "Closed Won", "Closed Lost"]
    created = stamps(rng, date(2024, 1, 2), n, 60)
    created[0] = datetime(2024, 1, 15, 9, 41)
    close = [t + timedelta(days=rng.randint(14, 90)) for t in created]
    close = [datetime(t.year, t.month, t.day, 17, 0) for t in close]
    amounts = [None if i in (6, 13) else cents(rng, 800, 48000) for i in range(n)]
    amounts[0] = D("1234.56")
    cols = [
        Col("Record ID", "integer", [14400981 + 53 * i for i in range(n)]),
        Col("Deal Name", "text", [f"{rng.choice(COMPANIES)} - {rng.choice(['New Business', 'Renewal', 'Upsell'])}"
                                  for _ in range(n)]),
        Col("Deal Stage", "text", [rng.choice(stages) for _ in range(n)]),
        Col("Amount", "decimal", amounts, plain(2)),
        Col("Close Date", "timestamp", close, hubspot_ts),
        Col("Create Date", "timestamp", created, hubspot_ts),
        Col("Deal owner", "text", [rng.choice(OWNERS) for _ in range(n)]),
        Col("Pipeline", "text", [rng.choice(["Sales Pipeline", "Partner Pipeline"]) for _ in range(n)]),
        Col("Deal Type", "text", [rng.choice(["New Business", "Existing Business"]) for _ in range(n)]),
        Col("Deal probability", "decimal", [D(rng.choice([10, 20, 40, 60, 80, 90, 100])) / 100 for _ in range(n)],
            plain(1)),
    ]
    add(File("hubspot_deals.csv", "HubSpot", cols, quote="all", shape="deals export",
             why="HubSpot deals: plain amounts '1234.56' with two empty amounts, close/create timestamps, "
                 "probability written as a fraction"))


def hubspot_contacts_bom():
    rng = random.Random(103)
    n = 12
    people = [person(rng) for _ in range(n)]
    created = stamps(rng, date(2024, 2, 1), n, 45)
    created[0] = datetime(2024, 2, 3, 8, 5)
    became = [None if i % 4 == 2 else t + timedelta(hours=rng.randint(1, 200)) for i, t in enumerate(created)]
    messages = ["Hi, we'd like a demo for 3 sites, ideally next week.",
                'Saw your "Funnel Health" webinar - can you send the slides?',
                "Pricing for 50 seats?\nAlso: do you invoice in EUR?",
                "Please call me back after 2pm, thanks",
                "",
                "Interested in the agency plan; currently on a competitor, contract ends in June.",
                "Quick question: does the API support webhooks?",
                "Looking for a partner in the Nordics - is that you?",
                "Need a quote, PO required",
                "\"Urgent\": our trial expired yesterday",
                "Just browsing.",
                "Can we move our onboarding call?\nNew time: Thursday 10:00"]
    cols = [
        Col("Record ID", "integer", [60110001 + 11 * i for i in range(n)]),
        Col("First Name", "text", [p[0] for p in people]),
        Col("Last Name", "text", [p[1] for p in people]),
        Col("Company Name", "text", [rng.choice(COMPANIES) + rng.choice(["", ", Inc.", " Ltd", " GmbH"])
                                     for _ in range(n)]),
        Col("Lifecycle Stage", "text", [rng.choice(["Lead", "Marketing Qualified Lead", "Sales Qualified Lead"])
                                        for _ in range(n)]),
        Col("Create Date", "timestamp", created, hubspot_ts),
        Col("Became a Lead Date", "timestamp", became, hubspot_ts),
        Col("Recent Conversion", "text", [rng.choice(["Contact us", "Demo request", "Webinar: Funnel Health",
                                                      "Ebook: 2024 Benchmarks"]) for _ in range(n)]),
        Col("Number of Form Submissions", "integer", [rng.randint(1, 6) for _ in range(n)]),
        Col("Message", "text", [m or None for m in messages]),
    ]
    add(File("hubspot_contacts_bom_crlf.csv", "HubSpot", cols, encoding="utf-8-sig", newline="\r\n",
             shape="contacts export saved with a BOM and CRLF; quoted commas, quotes and line breaks in a field",
             why="BOM and CRLF; a free-text field holds commas, doubled quotes and line breaks inside quotes "
                 "(12 records, 14 physical data lines)"))


def hubspot_companies():
    rng = random.Random(104)
    n = 15
    names = COMPANIES[:n]
    created = stamps(rng, date(2023, 9, 1), n, 200)
    created[0] = datetime(2023, 11, 20, 16, 3)
    cols = [
        Col("Record ID", "integer", [9800012 + 7 * i for i in range(n)]),
        Col("Company name", "text", names),
        Col("Company Domain Name", "text", [re.sub(r"[^a-z]", "", c.lower())[:14] + ".example" for c in names]),
        Col("Industry", "text", [rng.choice(["COMPUTER_SOFTWARE", "FOOD_BEVERAGES", "HOSPITAL_HEALTH_CARE",
                                             "LOGISTICS_AND_SUPPLY_CHAIN", "MARKETING_AND_ADVERTISING"])
                                 for _ in range(n)]),
        Col("Number of Employees", "integer", [rng.choice([8, 25, 60, 140, 320, 1200, 4500]) for _ in range(n)]),
        Col("Annual Revenue", "integer", [rng.choice([750000, 2500000, 12000000, 48000000, 150000000])
                                          for _ in range(n)]),
        Col("Total Revenue", "decimal", [D(rng.randint(0, 900000)) / 10 for _ in range(n)],
            lambda d: f"{d.normalize():f}"),
        Col("Create Date", "timestamp", created, hubspot_ts),
        Col("Lifecycle Stage", "text", [rng.choice(["Lead", "Opportunity", "Customer", "Evangelist"])
                                        for _ in range(n)]),
        Col("Company owner", "text", [rng.choice(OWNERS) for _ in range(n)]),
    ]
    # HubSpot does not pad decimals: 12345.5, 800, 4410.3
    cols[6].values[0] = D("12345.5")
    cols[6].values[3] = D("800")
    add(File("hubspot_companies.csv", "HubSpot", cols, quote="all", shape="companies export",
             why="decimals written without padding ('12345.5', '800') still make one decimal column; "
                 "enum-like industry codes stay text"))


# --- Salesforce ----------------------------------------------------------------------------------

SF_STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
             "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"]
SF_PROBABILITY = dict(zip(SF_STAGES, [10, 10, 20, 50, 60, 75, 90, 100, 0]))


def salesforce_opportunities():
    rng = random.Random(201)
    n = 18
    close = days_in(rng, date(2024, 3, 1), n, 100)
    close[0] = date(2024, 3, 5)
    close[1] = date(2024, 3, 28)
    amounts = [D(rng.randint(20, 900)) * 50 for _ in range(n)]
    amounts[0] = D("12345.00")
    stages = [rng.choice(SF_STAGES) for _ in range(n)]
    stages[0] = "Negotiation/Review"
    cols = [
        Col("Opportunity Name", "text", [f"{rng.choice(COMPANIES)} - {rng.choice(['Platform', 'Expansion', 'Pilot'])}"
                                         for _ in range(n)]),
        Col("Account Name", "text", [rng.choice(COMPANIES) for _ in range(n)]),
        Col("Stage", "text", stages),
        Col("Amount", "decimal", amounts, us(2, "$")),
        Col("Probability (%)", "decimal", [D(SF_PROBABILITY[st]) / 100 for st in stages], pct(0)),
        Col("Close Date", "date", close, us_date, order="mdy"),
        Col("Opportunity Owner", "text", [rng.choice(OWNERS) for _ in range(n)]),
        Col("Lead Source", "text", [rng.choice(["Web", "Partner Referral", "Trade Show", "Cold Call", "Advertisement"])
                                    for _ in range(n)]),
        Col("Type", "text", [rng.choice(["New Customer", "Existing Customer - Upgrade", "Existing Customer - Renewal"])
                             for _ in range(n)]),
    ]
    f = File("salesforce_opportunities.csv", "Salesforce", cols, quote="all", newline="\r\n",
             shape="opportunities report: title, 'Generated by' line, Grand Total row, blank trailing lines",
             skipped=["title", "total row", "blank lines"],
             why="report title and 'Generated by ... on ...' above the header, '$12,345.00' amounts, M/D/YYYY close "
                 "dates (a day above 12 decides the order), a Grand Total row and two blank lines at the end")
    f.before = ['"Opportunities Pipeline - Q2 2024"', '"Generated by Morgan Ellery on 4/2/2024 9:15 AM"', '']
    f.after = [f.total_row("Grand Total", {"Amount": f.total("Amount")}), "", ""]
    add(f)


def salesforce_opportunities_footer():
    rng = random.Random(202)
    n = 15
    created = stamps(rng, date(2024, 2, 1), n, 40, hours=(7, 20))
    created[0] = datetime(2024, 3, 5, 14, 30)
    created[1] = datetime(2024, 2, 19, 0, 15)
    created[2] = datetime(2024, 2, 21, 12, 5)
    close = [t.date() + timedelta(days=rng.randint(20, 120)) for t in created]
    cols = [
        Col("Opportunity ID", "text", [f"006Hs00001{rng.randint(0, 99999):05d}{rng.choice('ABCDEFGH')}{rng.choice('KLMNPQ')}A"
                                       for _ in range(n)]),
        Col("Opportunity Name", "text", [f"{rng.choice(COMPANIES)} {rng.choice(['FY24', 'Q2', 'Renewal'])}"
                                         for _ in range(n)]),
        Col("Stage", "text", [rng.choice(SF_STAGES) for _ in range(n)]),
        Col("Amount", "decimal", [cents(rng, 1500, 95000) for _ in range(n)], us(2, "$")),
        Col("Created Date", "timestamp", created, us_datetime, order="mdy"),
        Col("Close Date", "date", close, us_date, order="mdy"),
        Col("Fiscal Period", "date", [date(d.year, 3 * quarter(d) - 2, 1) for d in close],
            lambda d: f"Q{quarter(d)}-{d.year}", also="text (Salesforce's 'Q3-2024' is not one of the promised quarter forms)"),
    ]
    f = File("salesforce_opportunities_footer.csv", "Salesforce", cols, quote="all", newline="\r\n",
             shape="classic details-only export with the confidentiality footer after the table",
             skipped=["blank lines", "footer"],
             why="header on line 1, US date-times '3/5/2024 2:30 PM' (12:15 AM and 12:05 PM included), "
                 "then a blank line and Salesforce's footer (title, copyright, 'Generated By', company) - not data")
    f.after = ["", '"Opportunity Export"', '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."',
               '"Confidential Information - Do Not Distribute"', '"Generated By:  Morgan Ellery  4/2/2024 9:15 AM"',
               '"Northwind Trading"']
    add(f)


def salesforce_leads():
    rng = random.Random(203)
    n = 14
    people = [person(rng) for _ in range(n)]
    created = stamps(rng, date(2024, 3, 1), n, 30)
    created[0] = datetime(2024, 3, 5, 14, 30)
    created[3] = datetime(2024, 3, 18, 9, 2)
    cols = [
        Col("Lead Owner", "text", [rng.choice(OWNERS) for _ in range(n)]),
        Col("First Name", "text", [p[0] for p in people]),
        Col("Last Name", "text", [p[1] for p in people]),
        Col("Company / Account", "text", [rng.choice(COMPANIES) for _ in range(n)]),
        Col("Lead Source", "text", [rng.choice(["Web", "Webinar", "Paid Search", "LinkedIn", "Event"]) for _ in range(n)]),
        Col("Lead Status", "text", [rng.choice(["Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                                                "Closed - Not Converted"]) for _ in range(n)]),
        Col("Created Date", "timestamp", created, us_datetime, order="mdy"),
        Col("Annual Revenue", "decimal", [D(rng.choice([500, 2500, 12000, 48000, 250000])) * 1000 for _ in range(n)],
            us(2, "$")),
        Col("No. of Employees", "integer", [rng.choice([12, 85, 240, 1200, 5600, 18000]) for _ in range(n)],
            int_grouped()),
    ]
    f = File("salesforce_leads.csv", "Salesforce", cols, quote="all", newline="\r\n",
             shape="leads report: title, 'Generated by', 'Grand Total (14 records)' row, blank lines",
             skipped=["title", "total row", "blank lines"],
             why="US date-times with AM/PM, '$2,500,000.00', quoted counts '\"1,200\"', a 'Grand Total (N records)' "
                 "row that is not a lead")
    f.before = ['"New Leads - March 2024"', '"Generated by Priya Castellano on 4/1/2024 8:02 AM"', '']
    f.after = [f.total_row(f"Grand Total ({n} records)", {"Annual Revenue": f.total("Annual Revenue"),
                                                            "No. of Employees": f.total("No. of Employees")}), "", ""]
    add(f)


def salesforce_multicurrency():
    rng = random.Random(204)
    n = 12
    close = days_in(rng, date(2024, 3, 1), n, 90)
    close[0] = date(2024, 3, 5)
    close[5] = date(2024, 4, 22)
    eur = [D(rng.randint(40, 600)) * 25 for _ in range(n)]
    eur[0] = D("12345.00")
    usd = [q2(e * D("1.0857")) for e in eur]
    cols = [
        Col("Opportunity Name", "text", [f"{rng.choice(COMPANIES)} EU {rng.choice(['Rollout', 'Pilot', 'Renewal'])}"
                                         for _ in range(n)]),
        Col("Stage", "text", [rng.choice(SF_STAGES) for _ in range(n)]),
        Col("Close Date", "date", close, us_date, order="mdy"),
        Col("Amount", "decimal", eur, us(2, "EUR ")),
        Col("Amount (converted)", "decimal", usd, us(2, "USD ")),
        Col("Opportunity Owner", "text", [rng.choice(OWNERS) for _ in range(n)]),
    ]
    f = File("salesforce_opportunities_multicurrency.csv", "Salesforce", cols, quote="all", newline="\r\n",
             shape="multi-currency org: ISO code before amounts, Total row",
             skipped=["title", "total row", "blank lines"],
             why="currency codes before the amount 'EUR 12,345.00' and 'USD 13,402.11' read as decimals; "
                 "a plain 'Total' row at the end")
    f.before = ['"EMEA Opportunities (multi-currency)"', '"Generated by Tom Brekke on 4/3/2024 4:47 PM"']
    f.after = [f.total_row("Total", {"Amount (converted)": f.total("Amount (converted)")}), ""]
    add(f)


# --- Google Ads ----------------------------------------------------------------------------------

def ads_metrics(rng, n, impr_range=(800, 180000), ctr_range=(80, 900)):
    impr = [rng.randint(*impr_range) for _ in range(n)]
    clicks = [max(1, i * rng.randint(*ctr_range) // 10000 // 1) for i in impr]
    cost = [q2(c * cents(rng, 0.35, 3.2)) for c in clicks]
    return impr, clicks, cost


def google_ads_campaigns():
    rng = random.Random(301)
    n = 10
    names = ["Brand - Search", "Generic - Running Shoes", "Competitor - Search", "Remarketing - Display",
             "Performance Max - All Products", "Spring Sale - Search", "Trail Collection - Search",
             "YouTube - Awareness", "Demand Gen - Lookalike", "DSA - Catch-all"]
    types = ["Search", "Search", "Search", "Display", "Performance Max", "Search", "Search", "Video", "Demand Gen",
             "Search"]
    impr, clicks, cost = ads_metrics(rng, n)
    impr[0], clicks[0], cost[0] = 12345, 426, D("1234.56")
    conv = [D(rng.randint(0, clicks[i] // 8 + 1)) for i in range(n)]
    ctr = [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)]
    cols = [
        Col("Campaign status", "text", [rng.choice(["Enabled", "Enabled", "Paused"]) for _ in range(n)]),
        Col("Campaign", "text", names),
        Col("Budget", "decimal", [D(rng.choice([20, 35, 50, 75, 120, 250])) for _ in range(n)], plain(2)),
        Col("Budget type", "text", ["Daily"] * n),
        Col("Campaign type", "text", types),
        Col("Impr.", "integer", impr, int_grouped()),
        Col("Clicks", "integer", clicks, int_grouped()),
        Col("CTR", "decimal", ctr, pct(2)),
        Col("Currency code", "text", ["EUR"] * n),
        Col("Avg. CPC", "decimal", [q2(c / k) for c, k in zip(cost, clicks)], plain(2)),
        Col("Cost", "decimal", cost, us(2)),
        Col("Conversions", "decimal", conv, us(2)),
        Col("Cost / conv.", "decimal", [q2(c / v) if v else D(0) for c, v in zip(cost, conv)], us(2)),
    ]
    f = File("google_ads_campaigns.csv", "Google Ads", cols,
             shape="campaign report: title, quoted date range, header, 'Total: Account' row",
             skipped=["title", "date range", "total row"],
             why="'Campaign report' and '\"March 1, 2024 - March 31, 2024\"' above the header, '\"1,234.56\"' costs, "
                 "'3.45%' CTR, and a 'Total: Account' row with '--' cells")
    ti, tc = sum(impr), sum(clicks)
    f.before = ["Campaign report", '"March 1, 2024 - March 31, 2024"']
    f.after = [f.total_row("Total: Account", {
        "Impr.": f.total("Impr."), "Clicks": f.total("Clicks"), "CTR": pct(2)(q2(D(tc) * 100 / ti) / 100),
        "Currency code": "EUR", "Avg. CPC": plain(2)(q2(sum(cost) / tc)), "Cost": f.total("Cost"),
        "Conversions": f.total("Conversions"), "Budget": plain(2)(sum(cols[2].values))}, fill="--")]
    # Google groups every number of 1,000 or more, conversions included
    add(f)


def google_ads_multi_totals():
    rng = random.Random(302)
    names = ["Brand | Exact", "Brand | Phrase", "Non-brand | Accounting Software", "Non-brand | Invoicing App",
             "Display | Remarketing 30d", "Display | In-market", "PMax | Free Trial", "Video | Explainer 30s"]
    types = ["Search", "Search", "Search", "Search", "Display", "Display", "Performance Max", "Video"]
    n = len(names)
    impr, clicks, cost = ads_metrics(rng, n)
    conv = [q2(D(rng.randint(0, clicks[i] * 10)) / 100) for i in range(n)]
    ctr = [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)]
    crate = [q2(v * 100 / c) / 100 for v, c in zip(conv, clicks)]
    cols = [
        Col("Campaign", "text", names),
        Col("Campaign type", "text", types),
        Col("Impr.", "integer", impr, int_grouped()),
        Col("Clicks", "integer", clicks, int_grouped()),
        Col("CTR", "decimal", ctr, pct(2)),
        Col("Cost", "decimal", cost, us(2)),
        Col("Conversions", "decimal", conv, us(2)),
        Col("Conv. rate", "decimal", crate, pct(2)),
    ]
    f = File("google_ads_campaigns_multi_totals.csv", "Google Ads", cols,
             shape="campaign report with an unquoted date range and one totals row per campaign type",
             skipped=["title", "date range", "total row"],
             why="the date range line is unquoted (its commas split it into three fields); six 'Total: ...' rows "
                 "(Account, Campaigns, Search, Display, Performance Max, Video) at the bottom are not data")
    f.before = ["Campaign report", "March 1, 2024 - March 31, 2024"]
    totals = []
    for label, keep in [("Total: Account", types), ("Total: Campaigns", types), ("Total: Search", ["Search"]),
                        ("Total: Display", ["Display"]), ("Total: Performance Max", ["Performance Max"]),
                        ("Total: Video", ["Video"])]:
        idx = [i for i in range(n) if types[i] in keep]
        ti, tc = sum(impr[i] for i in idx), sum(clicks[i] for i in idx)
        tv, tk = sum(conv[i] for i in idx), sum(cost[i] for i in idx)
        totals.append(f.total_row(label, {"Impr.": int_grouped()(ti), "Clicks": int_grouped()(tc),
                                          "CTR": pct(2)(q2(D(tc) * 100 / ti) / 100), "Cost": us(2)(tk),
                                          "Conversions": us(2)(tv), "Conv. rate": pct(2)(q2(tv * 100 / tc) / 100)},
                                  fill="--"))
    f.after = totals
    add(f)


def google_ads_daily():
    rng = random.Random(303)
    days = [date(2024, 3, 1) + timedelta(days=i) for i in range(31)]
    n = len(days)
    impr, clicks, cost = ads_metrics(rng, n, (2000, 9000), (200, 700))
    cols = [
        Col("Day", "date", days, iso),
        Col("Campaign", "text", ["Generic - Running Shoes"] * n),
        Col("Impr.", "integer", impr, int_grouped()),
        Col("Clicks", "integer", clicks, int_grouped()),
        Col("Cost", "decimal", cost, us(2)),
        Col("CTR", "decimal", [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)], pct(2)),
        Col("Conversions", "decimal", [q2(D(rng.randint(0, 1500)) / 100) for _ in range(n)], plain(2)),
    ]
    f = File("google_ads_daily.csv", "Google Ads", cols,
             shape="campaign report segmented by day (ISO days), Total: Account row",
             skipped=["title", "date range", "total row"],
             why="31 ISO days, grouped integers only quoted when they need it; the total row sums the month")
    f.before = ["Campaign report by day", '"March 1, 2024 - March 31, 2024"']
    f.after = [f.total_row("Total: Account", {"Impr.": f.total("Impr."), "Clicks": f.total("Clicks"),
                                              "Cost": f.total("Cost"), "Conversions": f.total("Conversions")},
                           fill="--")]
    add(f)


def google_ads_keywords():
    rng = random.Random(304)
    kws = [("[running shoes]", "Exact match"), ('"trail running shoes"', "Phrase match"),
           ("+women +running +shoes", "Broad match"), ("[running shoes sale]", "Exact match"),
           ('"marathon shoes"', "Phrase match"), ("best shoes for flat feet", "Broad match"),
           ("[waterproof trail shoes]", "Exact match"), ('"running shoes, wide fit"', "Phrase match"),
           ("[brand x pegasus]", "Exact match"), ("cushioned running shoes", "Broad match"),
           ('"kids running shoes"', "Phrase match"), ("[running socks]", "Exact match"),
           ("lightweight racing flats", "Broad match"), ('"barefoot shoes"', "Phrase match"),
           ("[gore-tex running shoes]", "Exact match"), ("running shoes 50% off", "Broad match")]
    n = len(kws)
    impr, clicks, cost = ads_metrics(rng, n, (300, 40000), (150, 1200))
    cols = [
        Col("Keyword status", "text", [rng.choice(["Enabled", "Enabled", "Paused"]) for _ in range(n)]),
        Col("Search keyword", "text", [k for k, _ in kws]),
        Col("Match type", "text", [m for _, m in kws]),
        Col("Campaign", "text", [rng.choice(["Generic - Running Shoes", "Trail Collection - Search"]) for _ in range(n)]),
        Col("Ad group", "text", [rng.choice(["Road", "Trail", "Sale", "Accessories"]) for _ in range(n)]),
        Col("Max. CPC", "decimal", [cents(rng, 0.4, 2.5) for _ in range(n)], plain(2)),
        Col("Impr.", "integer", impr, int_grouped()),
        Col("Clicks", "integer", clicks, int_grouped()),
        Col("CTR", "decimal", [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)], pct(2)),
        Col("Cost", "decimal", cost, us(2)),
        Col("Quality Score", "integer", [rng.randint(3, 10) for _ in range(n)]),
    ]
    f = File("google_ads_keywords.csv", "Google Ads", cols,
             shape="search keyword report: bracketed, quoted and +modified keywords",
             skipped=["title", "date range", "total row"],
             why="phrase-match keywords are written with doubled quotes ('\"\"\"trail running shoes\"\"\"'), one "
                 "keyword holds a comma, one holds '50%' (the column stays text)")
    f.before = ["Search keyword report", '"March 1, 2024 - March 31, 2024"']
    f.after = [f.total_row("Total: Account", {"Impr.": f.total("Impr."), "Clicks": f.total("Clicks"),
                                              "Cost": f.total("Cost")}, fill="--")]
    add(f)


# --- Meta Ads ------------------------------------------------------------------------------------

def meta_campaigns():
    rng = random.Random(401)
    names = ["Spring Drop - Prospecting", "Spring Drop - Retargeting", "Always-on | Catalog Sales",
             "Lead Gen - Free Guide", "Brand Awareness Q1", "Video Views - Founder Story", "Store Traffic - Berlin",
             "Messenger - Promo", "App Installs - iOS"]
    n = len(names)
    indicators = ["actions:offsite_conversion.fb_pixel_purchase", "actions:offsite_conversion.fb_pixel_purchase",
                  "actions:offsite_conversion.fb_pixel_purchase", "actions:lead", "reach", "video_thruplay_watched_actions",
                  "actions:link_click", "actions:onsite_conversion.messaging_conversation_started_7d",
                  "actions:mobile_app_install"]
    spent = [cents(rng, 40, 4200) for _ in range(n)]
    spent[0] = D("1234.56")
    results = [rng.randint(3, 900) for _ in range(n)]
    results[4] = None  # reach objective, Ads Manager leaves it empty here
    results[7] = None
    reach = [rng.randint(2000, 250000) for _ in range(n)]
    cpr = [None if r is None else (s / r).quantize(D("0.000001")) for s, r in zip(spent, results)]
    ends = ["Ongoing", date(2024, 3, 31), "Ongoing", date(2024, 4, 15), date(2024, 3, 31), "Ongoing",
            date(2024, 3, 24), "Ongoing", "Ongoing"]
    cols = [
        Col("Reporting starts", "date", [date(2024, 3, 1)] * n, iso),
        Col("Reporting ends", "date", [date(2024, 3, 31)] * n, iso),
        Col("Campaign name", "text", names),
        Col("Campaign delivery", "text", [rng.choice(["active", "inactive", "completed"]) for _ in range(n)]),
        Col("Results", "integer", results),
        Col("Result indicator", "text", indicators),
        Col("Reach", "integer", reach),
        Col("Impressions", "integer", [r * rng.randint(110, 260) // 100 for r in reach]),
        Col("Cost per result", "decimal", cpr, lambda d: f"{d:.6f}"),
        Col("Amount spent (EUR)", "decimal", spent, plain(2)),
        Col("Ends", "text", [e if isinstance(e, str) else iso(e) for e in ends]),
    ]
    add(File("meta_ads_campaigns.csv", "Meta Ads", cols,
             shape="Ads Manager campaign export",
             why="'Reporting starts'/'Reporting ends' ISO dates, 'Amount spent (EUR)', empty Results and Cost per result "
                 "are nulls, 'Ends' mixes dates with 'Ongoing' so it stays text"))


def meta_adsets_daily():
    rng = random.Random(402)
    days = [date(2024, 3, 11) + timedelta(days=i) for i in range(7)]
    sets = ["US | 25-44 | Advantage+ audience", "US | Lookalike 1% purchasers"]
    rows = [(d, s) for d in days for s in sets]
    n = len(rows)
    impr = [rng.randint(4000, 30000) for _ in range(n)]
    links = [i * rng.randint(60, 220) // 10000 for i in impr]
    spent = [cents(rng, 35, 260) for _ in range(n)]
    purchases = [rng.randint(0, 12) for _ in range(n)]
    cols = [
        Col("Day", "date", [d for d, _ in rows], iso),
        Col("Ad set name", "text", [s for _, s in rows]),
        Col("Reporting starts", "date", [d for d, _ in rows], iso),
        Col("Reporting ends", "date", [d for d, _ in rows], iso),
        Col("Impressions", "integer", impr),
        Col("Link clicks", "integer", links),
        Col("CTR (link click-through rate)", "decimal",
            [(D(l) * 100 / i).quantize(D("0.000001")) for l, i in zip(links, impr)], lambda d: f"{d:.6f}"),
        Col("Amount spent (USD)", "decimal", spent, plain(2)),
        Col("Purchases", "integer", purchases),
        Col("Purchase ROAS (return on ad spend)", "decimal",
            [q2(D(p) * cents(rng, 30, 90) / s) for p, s in zip(purchases, spent)], plain(2)),
    ]
    add(File("meta_ads_adsets_daily.csv", "Meta Ads", cols,
             shape="ad set export broken down by day",
             why="per-day rows where Reporting starts = ends = Day; Meta writes CTR as a percent number without "
                 "'%' ('1.234567' means 1.23%), so it is read as written"))


def meta_ads_emoji():
    rng = random.Random(403)
    names = ["🌸 Spring drop – carousel", "🌸 Spring drop – reel 9:16", "Founder story (UGC) 🎥",
             "\"Last chance\" – 20% off", "Bestsellers, restocked ✨", "Carte cadeau 🎁 – FR", "Größentabelle – DE",
             "Static – blue hoodie", "Static – green hoodie", "Testimonial – Jordan, 5★"]
    n = len(names)
    spent = [cents(rng, 12, 640) for _ in range(n)]
    results = [rng.randint(1, 60) for _ in range(n)]
    cols = [
        Col("Reporting starts", "date", [date(2024, 3, 1)] * n, iso),
        Col("Reporting ends", "date", [date(2024, 3, 31)] * n, iso),
        Col("Ad name", "text", names),
        Col("Ad delivery", "text", [rng.choice(["active", "not_delivering", "inactive"]) for _ in range(n)]),
        Col("Results", "integer", results),
        Col("Result indicator", "text", ["actions:offsite_conversion.fb_pixel_purchase"] * n),
        Col("Amount spent (GBP)", "decimal", spent, plain(2)),
        Col("Cost per result", "decimal", [(s / r).quantize(D("0.000001")) for s, r in zip(spent, results)],
            lambda d: f"{d:.6f}"),
        Col("Impressions", "integer", [rng.randint(3000, 90000) for _ in range(n)]),
        Col("Frequency", "decimal", [cents(rng, 1, 3.4) for _ in range(n)], plain(2)),
    ]
    add(File("meta_ads_ads_emoji.csv", "Meta Ads", cols, encoding="utf-8-sig",
             shape="ad-level export with a BOM; emoji, en dashes, umlauts and quotes in ad names",
             why="UTF-8 with BOM, multi-byte names (emoji, '–', 'ß'), a name with doubled quotes and one with a comma"))


# --- GA4 -----------------------------------------------------------------------------------------

GA4_HEAD = ["# ----------------------------------------", "{title}", "# Account: Demo Outdoor Shop, Inc.",
            "# Property: Demo Outdoor Shop - GA4", "# ----------------------------------------", "#",
            "# Start date: 20240301", "# End date: 20240331"]


def ga4_head(title):
    return [line.format(title=title) for line in GA4_HEAD]


def ga4_traffic():
    rng = random.Random(501)
    channels = ["Organic Search", "Direct", "Paid Search", "Organic Social", "Email", "Referral", "Paid Social",
                "Cross-network", "Unassigned", "Display"]
    n = len(channels)
    sessions = sorted([rng.randint(80, 24000) for _ in range(n)], reverse=True)
    engaged = [s * rng.randint(35, 80) // 100 for s in sessions]
    cols = [
        Col("Session primary channel group (Default Channel Group)", "text", channels),
        Col("Sessions", "integer", sessions),
        Col("Engaged sessions", "integer", engaged),
        Col("Engagement rate", "decimal", [(D(e) / s).quantize(D("0.000001")) for e, s in zip(engaged, sessions)],
            lambda d: f"{d:.6f}".rstrip("0")),
        Col("Average engagement time per session", "decimal", [D(rng.randint(5000, 180000)) / 1000 for _ in range(n)],
            lambda d: f"{d:.3f}"),
        Col("Events per session", "decimal", [D(rng.randint(200, 900)) / 100 for _ in range(n)], plain(2)),
        Col("Event count", "integer", [s * rng.randint(2, 9) for s in sessions]),
        Col("Key events", "integer", [rng.randint(0, 400) for _ in range(n)]),
        Col("Total revenue", "decimal", [cents(rng, 0, 38000) for _ in range(n)], plain(2)),
    ]
    f = File("ga4_traffic_acquisition.csv", "Google Analytics 4", cols,
             shape="traffic acquisition report: '#' comment block with start/end date, then the table",
             skipped=["comment"],
             why="eight lines starting with '#' (one holds a comma) precede the header; engagement rate is already a "
                 "fraction in GA4's export")
    f.before = ga4_head("# Traffic acquisition: Session primary channel group (Default Channel Group)")
    add(f)


def ga4_daily():
    rng = random.Random(502)
    days = [date(2024, 3, 1) + timedelta(days=i) for i in range(31)]
    n = len(days)
    sessions = [rng.randint(900, 4200) for _ in range(n)]
    users = [s * rng.randint(70, 90) // 100 for s in sessions]
    cols = [
        Col("Date", "date", days, mon_d_y),
        Col("Sessions", "integer", sessions),
        Col("Total users", "integer", users),
        Col("New users", "integer", [u * rng.randint(40, 75) // 100 for u in users]),
        Col("Key events", "integer", [rng.randint(5, 90) for _ in range(n)]),
        Col("Total revenue", "decimal", [cents(rng, 200, 6800) for _ in range(n)], plain(2)),
    ]
    f = File("ga4_daily_sessions.csv", "Google Analytics 4", cols,
             shape="daily report, dates written 'Mar 1, 2024' (quoted: they hold a comma)",
             skipped=["comment"],
             why="'#' comment block, then dates 'Mar 1, 2024' in quotes that are dates, not two fields")
    f.before = ga4_head("# Reports snapshot: Users by Date")
    add(f)


def ga4_pages():
    rng = random.Random(503)
    pages = ["/", "/shop/running-shoes", "/shop/trail", "/blog/how-to-choose-trail-shoes", "/checkout",
             "/cart", "/shop/running-shoes?color=blue&size=42", "/about-us", "/contact", "/blog/marathon-training-plan",
             "/shop/sale", "/account/login", "/search?q=waterproof+jacket", "/shipping-returns", "/404"]
    n = len(pages)
    views = sorted([rng.randint(40, 60000) for _ in range(n)], reverse=True)
    users = [max(1, v * rng.randint(30, 80) // 100) for v in views]
    cols = [
        Col("Page path and screen class", "text", pages),
        Col("Views", "integer", views),
        Col("Users", "integer", users),
        Col("Views per user", "decimal", [(D(v) / u).quantize(D("0.0001")) for v, u in zip(views, users)],
            lambda d: f"{d:.4f}"),
        Col("Average engagement time", "decimal", [D(rng.randint(3000, 240000)) / 1000 for _ in range(n)],
            lambda d: f"{d:.3f}"),
        Col("Event count", "integer", [v * rng.randint(3, 7) for v in views]),
        Col("Key events", "integer", [rng.randint(0, 300) for _ in range(n)]),
    ]
    f = File("ga4_pages.csv", "Google Analytics 4", cols,
             shape="pages and screens report with a '#' comment block",
             skipped=["comment"],
             why="comment block, page paths with '?', '&' and '+' stay text; '/' is a page, not a date")
    f.before = ga4_head("# Pages and screens: Page path and screen class")
    add(f)


# --- Mailchimp -----------------------------------------------------------------------------------

def mailchimp():
    rng = random.Random(601)
    titles = ["Spring arrivals", "March picks", "Last chance 20%", "The Long Run #12", "Trail checklist",
              "Win-back 10%", "Waterproof launch", "Berlin 10k invite", "Members early access", "Order FAQ",
              "Webinar shoe fit", "April newsletter", "Flash sale 24h", "10k subscribers thank you"]
    subjects = ["Spring is here 🌷 - new arrivals", "Your March picks, inside", "Last chance: 20% off ends tonight",
                "\"The Long Run\" newsletter #12", "Trail season checklist", "We miss you (here's 10% off)",
                "New: waterproof collection", "Event invite: Sunday 10k, Berlin", "Members only - early access",
                "Your order questions, answered", "Webinar: choosing the right shoe", "April newsletter",
                "Flash sale, 24 hours", "Thank you for 10,000 subscribers!"]
    n = len(subjects)
    sent = [datetime(2024, 3, 5, 10, 30)]
    t = sent[0]
    for _ in range(n - 1):
        t = t + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
        sent.append(t)
    sent[3] = sent[3].replace(hour=12, minute=5)
    sent[6] = sent[6].replace(hour=0, minute=30)
    sent[9] = sent[9].replace(hour=18, minute=45)
    recipients = [rng.randint(4000, 12000) for _ in range(n)]
    soft = [rng.randint(0, 40) for _ in range(n)]
    hard = [rng.randint(0, 15) for _ in range(n)]
    delivered = [r - s - h for r, s, h in zip(recipients, soft, hard)]
    uopens = [d * rng.randint(150, 450) // 1000 for d in delivered]
    uclicks = [o * rng.randint(40, 220) // 1000 for o in uopens]
    letters = "abcdf"
    cols = [
        Col("Title", "text", [f"{t} ({s:%Y-%m-%d})" for t, s in zip(titles, sent)]),
        Col("Subject", "text", subjects),
        Col("List", "text", ["Newsletter (EN)"] * (n - 3) + ["Members"] * 3),
        Col("Send Date", "timestamp", sent, mailchimp_ts),
        Col("Send Weekday", "text", [t.strftime("%A") for t in sent]),
        Col("Total Recipients", "integer", recipients),
        Col("Successful Deliveries", "integer", delivered),
        Col("Soft Bounces", "integer", soft),
        Col("Hard Bounces", "integer", hard),
        Col("Total Bounces", "integer", [s + h for s, h in zip(soft, hard)]),
        Col("Unique Opens", "integer", uopens),
        Col("Open Rate", "decimal", [(D(o) * 100 / d).quantize(D("0.01")) / 100 for o, d in zip(uopens, delivered)],
            pct(2)),
        Col("Unique Clicks", "integer", uclicks),
        Col("Click Rate", "decimal", [(D(c) * 100 / d).quantize(D("0.01")) / 100 for c, d in zip(uclicks, delivered)],
            pct(2)),
        Col("Unsubscribes", "integer", [rng.randint(0, 30) for _ in range(n)]),
        Col("Unique Id", "text", [rng.choice(letters) + "".join(rng.choice("0123456789abcdef") for _ in range(9))
                                  for _ in range(n)]),
    ]
    add(File("mailchimp_campaigns.csv", "Mailchimp", cols,
             shape="campaign performance export",
             why="'Send Date' like 'Mar 05, 2024 10:30 am' (12:05 pm and 12:30 am included), open/click rates "
                 "'23.45%' are fractions, hex ids stay text"))


# --- LinkedIn Ads --------------------------------------------------------------------------------

def linkedin_campaigns():
    rng = random.Random(701)
    names = ["Lead Gen | IT Decision Makers | EMEA", "Lead Gen | Finance Leaders | US", "Website Visits | Retargeting",
             "Brand Awareness | Video 15s", "Document Ad | 2024 Benchmark Report", "Conversation Ad | Demo Invite",
             "Event | Funnel Summit Berlin", "Website Conversions | Free Trial", "Lead Gen | Agencies | UK & IE",
             "Thought Leadership | Founder Posts"]
    n = len(names)
    start = days_in(rng, date(2024, 1, 8), n, 70)
    start[0] = date(2024, 3, 5)
    start[1] = date(2024, 2, 19)
    impr = [rng.randint(5000, 160000) for _ in range(n)]
    clicks = [max(3, i * rng.randint(25, 90) // 10000) for i in impr]
    spent = [cents(rng, 300, 9500) for _ in range(n)]
    spent[0] = D("1234.56")
    cols = [
        Col("Start Date (in UTC)", "date", start, us_date, order="mdy"),
        Col("Account Name", "text", ["Bluefin Labs Ltd."] * n),
        Col("Campaign Group Name", "text", [rng.choice(["FY24 Demand Gen", "Always On", "Events 2024"])
                                            for _ in range(n)]),
        Col("Campaign Name", "text", names),
        Col("Campaign ID", "integer", [312040000 + rng.randint(100, 9999) for _ in range(n)]),
        Col("Campaign Type", "text", [rng.choice(["Sponsored Content", "Sponsored Messaging", "Text Ads"])
                                      for _ in range(n)]),
        Col("Total Spent", "decimal", spent, us(2, "$")),
        Col("Impressions", "integer", impr, int_grouped()),
        Col("Clicks", "integer", clicks, int_grouped()),
        Col("Click Through Rate", "decimal", [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)], pct(2)),
        Col("Average CPC", "decimal", [q2(s / c) for s, c in zip(spent, clicks)], us(2, "$")),
        Col("Leads", "integer", [rng.randint(0, 120) for _ in range(n)]),
    ]
    f = File("linkedin_ads_campaigns.csv", "LinkedIn Ads", cols, quote="all",
             shape="campaign performance report with LinkedIn's report header block",
             skipped=["title", "date range"],
             why="six 'Key: value' lines above the header (report name, start, end, generated, account name, account "
                 "id), M/D/YYYY start dates, '$1,234.56', CTR '0.45%'")
    f.before = ['"Campaign Performance Report (in UTC)"', '"Report Start: 3/1/2024, 12:00 AM"',
                '"Report End: 3/31/2024, 11:59 PM"', '"Date Generated: 4/1/2024, 9:41 AM"',
                '"Account Name: Bluefin Labs Ltd."', '"Account ID: 508123456"']
    add(f)


def linkedin_daily():
    rng = random.Random(702)
    days = [date(2024, 3, 1) + timedelta(days=i) for i in range(21)]
    n = len(days)
    impr = [rng.randint(1500, 9000) for _ in range(n)]
    clicks = [max(1, i * rng.randint(25, 80) // 10000) for i in impr]
    cols = [
        Col("Start Date (in UTC)", "date", days, us_date, order="mdy"),
        Col("Campaign Name", "text", ["Lead Gen | IT Decision Makers | EMEA"] * n),
        Col("Total Spent", "decimal", [cents(rng, 40, 420) for _ in range(n)], us(2, "$")),
        Col("Impressions", "integer", impr, int_grouped(), header="Impressions "),
        Col("Clicks", "integer", clicks),
        Col("CTR", "decimal", [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)], pct(2)),
        Col("Leads", "integer", [rng.randint(0, 9) for _ in range(n)]),
        Col("Cost per Lead", "text", ["N/A"] * n),
    ]
    # a cost per lead where there are leads; LinkedIn writes N/A where there are none
    cpl = []
    for s, l in zip(cols[2].values, cols[6].values):
        cpl.append(us(2, "$")(q2(s / l)) if l else "N/A")
    cols[7].values = cpl
    add(File("linkedin_ads_daily.csv", "LinkedIn Ads", cols,
             shape="daily campaign export without a report header",
             why="M/D/YYYY days 3/1..3/21 (days above 12 decide the order), header 'Impressions ' with a trailing "
                 "space is trimmed, 'Cost per Lead' mixes '$45.12' and 'N/A' so it stays text"))


# --- Plans ---------------------------------------------------------------------------------------

def plan_iso():
    rng = random.Random(801)
    months = month_starts(2024)
    n = len(months)
    budget = [rng.choice([18000, 20000, 22000, 25000, 30000]) for _ in range(n)]
    leads = [b // rng.choice([40, 45, 50]) for b in budget]
    mqls = [l * 35 // 100 for l in leads]
    sqls = [m * 40 // 100 for m in mqls]
    won = [max(1, s * 25 // 100) for s in sqls]
    notes = ["Kick-off; brand refresh"] + [None] * (n - 1)
    notes[2], notes[5], notes[9], notes[11] = "Trade show", "Summer sale", "Black Friday prep", "Holiday freeze"
    cols = [
        Col("Month", "date", months, month_iso),
        Col("Budget", "integer", budget),
        Col("Target Leads", "integer", leads),
        Col("Target MQLs", "integer", mqls),
        Col("Target SQLs", "integer", sqls),
        Col("Target Won Deals", "integer", won),
        Col("Target Revenue", "integer", [w * 12500 for w in won]),
        Col("Notes", "text", notes),
    ]
    add(File("plan_2024_monthly_iso.csv", "Planner spreadsheet", cols,
             shape="annual plan, months '2024-01' .. '2024-12'",
             why="months written 'YYYY-MM' are dates on the first of the month; whole-number budgets are integers"))


def plan_mon_yyyy():
    rng = random.Random(802)
    months = month_starts(2024, 1, 6)
    channels = ["Paid Search", "Paid Social", "Events"]
    rows = [(m, c) for m in months for c in channels]
    n = len(rows)
    cols = [
        Col("Month", "date", [m for m, _ in rows], month_mon_yyyy),
        Col("Channel", "text", [c for _, c in rows]),
        Col("Budget", "integer", [rng.choice([4000, 5000, 7500, 10000, 12500]) for _ in range(n)], us(0, "$")),
        Col("Target Leads", "integer", [rng.randint(40, 260) for _ in range(n)]),
        Col("Target CPL", "decimal", [cents(rng, 25, 120) for _ in range(n)], us(2, "$")),
    ]
    add(File("plan_2024_h1_mon_yyyy.csv", "Planner spreadsheet", cols, quote="all",
             shape="H1 plan by channel, months 'Jan 2024'",
             why="'Jan 2024' months are dates; '$12,500' without cents is a whole number, '$112.18' a decimal"))


def plan_full_month():
    rng = random.Random(803)
    months = month_starts(2024)
    n = len(months)
    spend = [cents(rng, 9000, 26000) for _ in range(n)]
    leads = [rng.randint(180, 620) for _ in range(n)]
    cols = [
        Col("Month", "date", months, month_full),
        Col("Planned Spend", "decimal", spend, us(2)),
        Col("Planned Leads", "integer", leads),
        Col("CPL", "decimal", [q2(s / l) for s, l in zip(spend, leads)], plain(2)),
        Col("Planned Pipeline", "decimal", [q2(s * cents(rng, 3, 6)) for s in spend], us(2)),
    ]
    add(File("plan_2024_monthly_full_names.csv", "Planner spreadsheet", cols,
             shape="plan with months 'January 2024' .. 'December 2024'",
             why="full English month names with year are dates on the first of the month; '\"11,289.46\"' amounts"))


def plan_quarters_iso():
    rng = random.Random(804)
    qs = quarter_starts(2024, 8)
    n = len(qs)
    cols = [
        Col("Quarter", "date", qs, q_iso),
        Col("Budget", "decimal", [D(rng.randint(50, 120)) * 1000 for _ in range(n)], plain(2)),
        Col("Pipeline Target", "decimal", [D(rng.randint(300, 900)) * 1000 for _ in range(n)], plain(2)),
        Col("Bookings Target", "decimal", [D(rng.randint(90, 300)) * 1000 for _ in range(n)], plain(2)),
        Col("Headcount", "integer", [rng.randint(4, 9) for _ in range(n)]),
    ]
    add(File("plan_quarterly_iso.csv", "Planner spreadsheet", cols,
             shape="two-year plan by quarter '2024-Q1' .. '2025-Q4'",
             why="'2024-Q1' quarters are dates on the first day of the quarter"))


def plan_quarters_q_first():
    rng = random.Random(805)
    qs = quarter_starts(2024, 4)
    regions = ["North America", "EMEA"]
    rows = [(q, r) for q in qs for r in regions]
    n = len(rows)
    cols = [
        Col("Quarter", "date", [q for q, _ in rows], q_first),
        Col("Region", "text", [r for _, r in rows]),
        Col("Marketing Budget", "decimal", [cents(rng, 40000, 140000) for _ in range(n)], us(2, "$")),
        Col("MQL Target", "integer", [rng.randint(300, 1400) for _ in range(n)], int_grouped()),
        Col("Win Rate", "decimal", [D(rng.randint(150, 320)) / 1000 for _ in range(n)], pct(1)),
    ]
    add(File("plan_quarterly_q_first.csv", "Planner spreadsheet", cols,
             shape="regional plan by quarter 'Q1 2024'",
             why="'Q1 2024' quarters are dates; '22.5%' win rates are fractions; grouped MQL targets are integers"))


def plan_mon_yy():
    rng = random.Random(806)
    months = month_starts(2024)
    n = len(months)
    cols = [
        Col("Month", "date", months, month_mon_yy),
        Col("Paid Search", "integer", [rng.randint(6, 14) * 500 for _ in range(n)]),
        Col("Paid Social", "integer", [rng.randint(4, 12) * 500 for _ in range(n)]),
        Col("Content", "integer", [rng.randint(2, 6) * 500 for _ in range(n)]),
        Col("Events", "integer", [rng.choice([0, 0, 2500, 8000]) for _ in range(n)]),
    ]
    f = File("plan_2024_monthly_mon_yy.csv", "Planner spreadsheet (Excel)", cols, newline="\r\n",
             shape="Excel 'Save as CSV' of a budget grid, months 'Jan-24', trailing empty rows ',,,,'",
             skipped=["blank lines"],
             why="'Jan-24' is January 2024 (not the 24th of January); Excel's rows of bare commas after the table "
                 "are blank lines")
    f.after = [",,,,"] * 4
    add(f)


# --- French agency -------------------------------------------------------------------------------

def fr_monthly():
    rng = random.Random(901)
    months = month_starts(2024)
    n = len(months)
    budget = [D(rng.choice([800, 1200, 1500, 2000, 2500])) for _ in range(n)]
    spent = [cents(rng, 600, 2700) for _ in range(n)]
    spent[0] = D("1234.56")
    impr = [rng.randint(20000, 480000) for _ in range(n)]
    clicks = [i * rng.randint(80, 400) // 10000 for i in impr]
    cols = [
        Col("Mois", "date", months, month_fr_abbr),
        Col("Budget", "decimal", budget, fr_money()),
        Col("Dépenses", "decimal", spent, fr_money()),
        Col("Impressions", "integer", impr, int_grouped(" ")),
        Col("Clics", "integer", clicks, int_grouped(" ")),
        Col("CPC moyen", "decimal", [q2(s / c) for s, c in zip(spent, clicks)], fr_money()),
        Col("Taux de clic", "decimal", [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)],
            pct(2, ",", " ")),
    ]
    f = File("fr_agence_bilan_mensuel.csv", "Agence française (Excel FR)", cols, encoding="cp1252", delimiter=";",
             newline="\r\n", decimal_comma=True,
             shape="Windows-1252, ';', months 'janv. 2024', '1 234,56 €', 'Totaux' row",
             skipped=["total row"],
             why="cp1252 bytes (é, û, €), French abbreviated months 'janv.' 'févr.' 'août' 'déc.', amounts "
                 "'1 234,56 €' with a plain space, counts '392 475', '2,32 %', and a 'Totaux' row")
    f.after = [f.total_row("Totaux", {"Budget": f.total("Budget"), "Dépenses": f.total("Dépenses"),
                                      "Impressions": f.total("Impressions"), "Clics": f.total("Clics")})]
    add(f)


def fr_annual_full():
    rng = random.Random(902)
    months = month_starts(2024)
    n = len(months)
    planned = [D(rng.choice([9000, 10500, 12000, 12500, 15000])) for _ in range(n)]
    actual = [p + cents(rng, -2500, 1800) for p in planned]
    comments = ["Lancement", None, "Salon « Marketing Day »", None, "Soldes d'été; hausse SEA", None, None,
                "Août : activité réduite", "Rentrée", None, None, "Fêtes de fin d'année"]
    cols = [
        Col("Mois", "date", months, month_fr_full),
        Col("Budget prévu", "decimal", planned, fr_money(NBSP, NBSP)),
        Col("Budget réalisé", "decimal", actual, fr_money(NBSP, NBSP)),
        Col("Écart", "decimal", [a - p for a, p in zip(actual, planned)], fr_money(NBSP, NBSP)),
        Col("Leads prévus", "integer", [rng.randint(120, 480) for _ in range(n)]),
        Col("Commentaire", "text", comments),
    ]
    add(File("fr_agence_plan_annuel.csv", "Agence française (Excel FR)", cols, encoding="cp1252", delimiter=";",
             newline="\r\n", decimal_comma=True,
             shape="Windows-1252, ';', months 'février 2024', no-break spaces (0xA0) in '12 500,00 €', negatives",
             why="full French month names with accents, Excel's no-break space as thousands separator and before '€', "
                 "negative differences '-1 234,56 €', a comment with a ';' inside quotes"))


def fr_campaigns_nnbsp():
    rng = random.Random(903)
    n = 12
    start = days_in(rng, date(2024, 3, 1), n, 60)
    start[0] = date(2024, 3, 5)
    start[1] = date(2024, 3, 21)
    spent = [cents(rng, 250, 14000) for _ in range(n)]
    spent[0] = D("1234.56")
    conv = [rng.randint(4, 240) for _ in range(n)]
    clicks = [c * rng.randint(15, 60) for c in conv]
    cols = [
        Col("Date de début", "date", start, dmy("/"), order="dmy"),
        Col("Campagne", "text", [f"{rng.choice(['Printemps', 'Fête des mères', 'Rentrée', 'Notoriété'])} – "
                                 f"{rng.choice(['Search', 'Social', 'Display', 'Vidéo'])}" for _ in range(n)]),
        Col("Levier", "text", [rng.choice(["Google Ads", "Meta", "TikTok", "Microsoft Ads"]) for _ in range(n)]),
        Col("Dépenses", "decimal", spent, fr_money(NNBSP, NNBSP)),
        Col("Clics", "integer", clicks, int_grouped(NNBSP)),
        Col("Conversions", "integer", conv),
        Col("Coût par conversion", "decimal", [q2(s / c) for s, c in zip(spent, conv)], fr_money(NNBSP, NNBSP)),
        Col("Taux de conversion", "decimal", [q2(D(v) * 100 / c) / 100 for v, c in zip(conv, clicks)],
            pct(2, ",", NNBSP)),
    ]
    f = File("fr_agence_campagnes_nnbsp.csv", "Agence française (tableur, UTF-8)", cols, encoding="utf-8-sig",
             delimiter=";", decimal_comma=True,
             shape="UTF-8 with BOM, ';', narrow no-break spaces U+202F, dates '05/03/2024' day first, 'Total' row",
             skipped=["total row"],
             why="'1\u202f234,56\u202f€' with U+202F, '3,45\u202f%', DD/MM/YYYY dates (a day above 12 decides), and "
                 "a 'Total' row")
    f.after = [f.total_row("Total", {"Dépenses": f.total("Dépenses"), "Clics": f.total("Clics"),
                                     "Conversions": f.total("Conversions")})]
    add(f)


def fr_quarters():
    rng = random.Random(904)
    qs = quarter_starts(2024, 8)
    n = len(qs)
    budget = [cents(rng, 30000, 90000) for _ in range(n)]
    ca = [q2(b * D(rng.randint(20000, 50000)) / 10000) for b in budget]
    # ROI written with one decimal place as a French percent
    roi = [((c - b) * 1000 / b).quantize(D("1")) / 1000 for c, b in zip(ca, budget)]
    cols = [
        Col("Trimestre", "date", qs, q_fr),
        Col("Budget média", "decimal", budget, fr_money()),
        Col("Chiffre d'affaires attribué", "decimal", ca, fr_money()),
        Col("ROI", "decimal", roi, pct(1, ",", " ")),
        Col("Objectif atteint", "boolean", [rng.random() < 0.6 for _ in range(n)], lambda b: "oui" if b else "non",
            also="text ('oui'/'non' are French yes/no; only true/false and yes/no are promised)"),
    ]
    add(File("fr_agence_trimestres.csv", "Agence française (Excel FR)", cols, encoding="cp1252", delimiter=";",
             newline="\r\n", decimal_comma=True,
             shape="Windows-1252, ';', quarters 'T1 2024' .. 'T4 2025', 'oui'/'non'",
             why="'T1 2024' (trimestre) quarters are dates, ROI '233,8 %' is a fraction above 1 (2.338), "
                 "'oui'/'non' is French yes/no"))


def fr_journal():
    rng = random.Random(905)
    n = 15
    days = sorted(days_in(rng, date(2024, 1, 3), n, 340))
    days[0] = date(2024, 1, 5)
    days[1] = max(days[1], date(2024, 2, 1))
    days = sorted(days)
    days[4] = date(2024, 8, 12)
    days[-1] = date(2024, 12, 3)
    days = sorted(days)
    ht = [cents(rng, 180, 9800) for _ in range(n)]
    supports = ["Le Quotidien du Commerce", "Radio Côte Ouest", "Affichage gare Lyon Part-Dieu", "Magazine Énergies",
                "Podcast « Croissance »", "Newsletter B2B Hebdo"]
    cols = [
        Col("Date de parution", "date", days, fr_day),
        Col("Support", "text", [rng.choice(supports) for _ in range(n)]),
        Col("Format", "text", [rng.choice(["1/2 page", "Spot 30s", "4x3 m", "Bannière 300x250", "Encart"])
                               for _ in range(n)]),
        Col("Insertions", "integer", [rng.randint(1, 12) for _ in range(n)]),
        Col("Coût HT", "decimal", ht, fr_money()),
        Col("Coût TTC", "decimal", [q2(h * D("1.2")) for h in ht], fr_money()),
        Col("Date de facturation", "date", [d + timedelta(days=30) for d in days], dmy("/"), order="dmy"),
    ]
    f = File("fr_agence_journal_diffusion.csv", "Agence française (Excel FR)", cols, encoding="cp1252",
             delimiter=";", newline="\r\n", decimal_comma=True,
             shape="Windows-1252, ';', media log with dates '5 janv. 2024', 'Totaux' row, blank line after",
             skipped=["total row", "blank lines"],
             why="dates 'D mmm. YYYY' in French ('5 janv. 2024', '12 août 2024', '3 déc. 2024') and DD/MM/YYYY "
                 "invoice dates ('04/02/2024' is 4 February), '1/2 page' and "
                 "'4x3 m' stay text, 'Totaux' row then a blank line")
    f.after = [f.total_row("Totaux", {"Insertions": f.total("Insertions"), "Coût HT": f.total("Coût HT"),
                                      "Coût TTC": f.total("Coût TTC")}), ""]
    add(f)


# --- German agency -------------------------------------------------------------------------------

def de_campaigns():
    rng = random.Random(1001)
    n = 16
    days = days_in(rng, date(2024, 3, 1), n, 45)
    days[0] = date(2024, 3, 5)
    days[2] = date(2024, 3, 19)
    impr = [rng.randint(400, 600000) for _ in range(n)]
    impr[0], impr[1], impr[2] = 12345, 1234567, 987
    clicks = [max(2, i * rng.randint(40, 300) // 10000) for i in impr]
    cost = [q2(c * cents(rng, 0.3, 2.1)) for c in clicks]
    cols = [
        Col("Datum", "date", days, dmy("."), order="dmy"),
        Col("Kampagne", "text", [f"{rng.choice(['Frühjahr', 'Markenkampagne', 'Sommerschlussverkauf', 'Retargeting'])} "
                                 f"– {rng.choice(['Suche', 'Display', 'Social'])}" for _ in range(n)]),
        Col("Kanal", "text", [rng.choice(["Google Ads", "Meta", "LinkedIn", "Microsoft Ads"]) for _ in range(n)]),
        Col("Impressionen", "integer", impr, int_grouped(".")),
        Col("Klicks", "integer", clicks, int_grouped(".")),
        Col("CTR", "decimal", [q2(D(c) * 100 / i) / 100 for c, i in zip(clicks, impr)], pct(2, ",", " ")),
        Col("Kosten", "decimal", cost, de_num(2)),
        Col("CPC", "decimal", [q2(c / k) for c, k in zip(cost, clicks)], de_num(2)),
    ]
    add(File("de_agentur_kampagnen.csv", "Deutsche Agentur (Excel DE)", cols, delimiter=";", decimal_comma=True,
             shape="';', dates '05.03.2024', '1.234,56', grouped counts '12.345'",
             why="German numbers: '1.234,56' amounts and '12.345' / '1.234.567' counts (dot = thousands in this "
                 "decimal-comma file), '3,45 %', DD.MM.YYYY dates"))


def de_invoices():
    rng = random.Random(1002)
    n = 10
    issued = days_in(rng, date(2024, 1, 8), n, 120)
    issued[0] = date(2024, 1, 5)
    issued[1] = date(2024, 1, 31)
    issued.sort()
    net = [cents(rng, 450, 18500) for _ in range(n)]
    net[0] = D("1234.56")
    vat = [q2(x * D("0.19")) for x in net]
    clients = ["Müller & Söhne GmbH", "Bäckerei Weiß KG", "Grünwald Reisen AG", "Straßenbahn-Café Köln",
               "Fahrradwerk Nord GmbH", "Zahnarztpraxis Dr. Özdemir"]
    cols = [
        Col("Rechnungsnr.", "text", [f"RE-2024-{41 + i:04d}" for i in range(n)]),
        Col("Rechnungsdatum", "date", issued, dmy("."), order="dmy"),
        Col("Kunde", "text", [rng.choice(clients) for _ in range(n)]),
        Col("Leistung", "text", [rng.choice(["Suchmaschinenwerbung (SEA)", "Social-Media-Betreuung",
                                             "Landingpage-Gestaltung", "Reporting & Beratung"]) for _ in range(n)]),
        Col("Netto", "decimal", net, de_num(2, " EUR")),
        Col("MwSt. 19 %", "decimal", vat, de_num(2, " EUR")),
        Col("Brutto", "decimal", [a + b for a, b in zip(net, vat)], de_num(2, " EUR")),
        Col("Fällig am", "date", [d + timedelta(days=14) for d in issued], dmy("."), order="dmy"),
        Col("Bezahlt", "boolean", [rng.random() < 0.7 for _ in range(n)], lambda b: "ja" if b else "nein",
            also="text ('ja'/'nein' are German yes/no; only true/false and yes/no are promised)"),
    ]
    cols[8].values[0] = True
    add(File("de_agentur_abrechnung.csv", "Deutsche Agentur (Excel DE)", cols, encoding="cp1252", delimiter=";",
             newline="\r\n", decimal_comma=True,
             shape="Windows-1252, ';', amounts '1.234,56 EUR', dotted dates, 'ja'/'nein'",
             why="cp1252 umlauts and ß, 'EUR' code after amounts, dotted dates; invoice numbers stay text; 'ja'/'nein' "
                 "is German yes/no"))


# --- Accounting shapes ---------------------------------------------------------------------------

def budget_variance():
    rng = random.Random(1101)
    channels = ["Paid Search", "Paid Social", "Display", "Video", "Events", "Content", "Email", "Affiliates", "PR"]
    n = len(channels)
    budget = [D(rng.choice([5000, 8000, 12000, 15000, 20000, 30000])) for _ in range(n)]
    actual = [b + D(rng.randint(-40, 25)) * 50 for b in budget]
    actual[0] = budget[0] - D("1234.00")
    var = [a - b for a, b in zip(actual, budget)]
    cols = [
        Col("Channel", "text", channels),
        Col("Budget", "decimal", budget, us(2, "$")),
        Col("Actual", "decimal", actual, us(2, "$")),
        Col("Variance", "decimal", var, us(2, parens=True)),
        Col("Variance %", "decimal", [(v * 1000 / b).quantize(D("1")) / 1000 for v, b in zip(var, budget)],
            pct(1, parens=True)),
    ]
    f = File("agency_budget_variance.csv", "Agency finance sheet", cols, quote="all",
             shape="budget vs actual with accounting negatives '(1,234.00)' and a Grand Total row",
             skipped=["title", "total row"],
             why="accounting negatives '(1,234.00)' and '(12.5%)' are negative numbers; 'Grand Total' is not a channel")
    f.before = ['"Q1 2024 Media Budget vs Actual"']
    tb, ta = sum(budget), sum(actual)
    f.after = [f.total_row("Grand Total", {"Budget": us(2, "$")(tb), "Actual": us(2, "$")(ta),
                                           "Variance": us(2, parens=True)(ta - tb),
                                           "Variance %": pct(1, parens=True)(((ta - tb) * 1000 / tb).quantize(D("1"))
                                                                             / 1000)})]
    add(f)


def affiliate_codes():
    rng = random.Random(1102)
    partners = ["RunnersWorld Deals", "TrailBlog DE", "CouponCorner", "FitFam Creators", "ShoeFinder", "Marathon Hub",
                "CashBackly", "GearList", "StrideReview", "OutdoorVoucher"]
    n = len(partners)
    sales = [rng.randint(2, 140) for _ in range(n)]
    bonus = [D(rng.choice([0, 5, 10, 25])) for _ in range(n)]
    bonus[0], bonus[2], bonus[5] = D(5), D("12.50"), D("7.25")
    cols = [
        Col("Partner", "text", partners),
        Col("Network", "text", [rng.choice(["Awin", "Impact", "CJ", "Direct"]) for _ in range(n)]),
        Col("Period", "date", [date(2024, 3, 1)] * n, month_mon_yyyy),
        Col("Clicks", "integer", [s * rng.randint(20, 80) for s in sales], int_grouped()),
        Col("Sales", "integer", sales),
        Col("Commission", "decimal", [q2(s * cents(rng, 4, 11)) for s in sales], us(2, "EUR ")),
        Col("Bonus", "decimal", bonus, lambda d: "USD " + (f"{d:.2f}" if d != d.to_integral() else str(int(d)))),
    ]
    cols[5].values[0] = D("12.50")
    add(File("affiliate_payouts_currency_codes.csv", "Affiliate network payout export", cols,
             shape="payouts with ISO codes before amounts: 'EUR 12.50', 'USD 5'",
             why="a currency code before the number ('EUR 12.50', 'USD 5', 'USD 12.50') is a decimal; the Period "
                 "'Mar 2024' is a month"))


def uk_gbp():
    rng = random.Random(1103)
    weeks = [date(2024, 3, 4) + timedelta(weeks=i // 2) for i in range(10)]
    chans = ["Paid Search", "Paid Social"] * 5
    spend = [cents(rng, 400, 3800) for _ in range(10)]
    spend[0] = D("1234.56")
    impr = [rng.randint(20000, 400000) for _ in range(10)]
    clicks = [i * rng.randint(50, 300) // 10000 for i in impr]
    leads = [rng.randint(5, 80) for _ in range(10)]
    weeks.append(date(2024, 3, 18))
    chans.append("Credit note (Feb overbilling)")
    spend.append(D("-150.00"))
    impr.append(0)
    clicks.append(0)
    leads.append(0)
    cols = [
        Col("Week commencing", "date", weeks, dmy("/"), order="dmy"),
        Col("Channel", "text", chans),
        Col("Spend", "decimal", spend, lambda d: number(d, 2, ",", ".", prefix="£")),
        Col("Impressions", "integer", impr, int_grouped()),
        Col("Clicks", "integer", clicks, int_grouped()),
        Col("Leads", "integer", leads),
        Col("CPL", "decimal", [q2(s / l) if l else None for s, l in zip(spend, leads)],
            lambda d: number(d, 2, ",", ".", prefix="£")),
    ]
    f = File("uk_agency_weekly_gbp.csv", "UK agency weekly report", cols, quote="all",
             shape="'£1,234.56', '-£150.00', quoted counts '\"123,456\"', UK dates, Total row",
             skipped=["total row"],
             why="pound amounts with grouping and a negative '-£150.00' credit, DD/MM/YYYY week dates "
                 "(18/03 decides), an empty CPL, and a 'Total' row")
    f.after = [f.total_row("Total", {"Spend": f.total("Spend"), "Impressions": f.total("Impressions"),
                                     "Clicks": f.total("Clicks"), "Leads": f.total("Leads")})]
    add(f)


def weekly_kpis():
    rng = random.Random(1104)
    weeks = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(12)]
    n = len(weeks)
    sessions = [rng.randint(8000, 26000) for _ in range(n)]
    cols = [
        Col("Week", "date", weeks, iso),
        Col("Sessions", "integer", sessions, int_grouped()),
        Col("Users", "integer", [s * rng.randint(70, 88) // 100 for s in sessions], int_grouped()),
        Col("Leads", "integer", [rng.randint(60, 340) for _ in range(n)]),
        Col("Revenue", "decimal", [cents(rng, 4000, 48000) for _ in range(n)], us(2, "$")),
        Col("Conversion Rate", "decimal", [D(rng.randint(80, 400)) / 10000 for _ in range(n)], pct(2)),
        Col("On Target", "boolean", [rng.random() < 0.5 for _ in range(n)], lambda b: "Yes" if b else "No"),
    ]
    add(File("agency_weekly_kpis.csv", "Google Sheets KPI tracker", cols,
             shape="weekly KPI sheet: quoted grouped counts, '$' revenue, Yes/No",
             why="counts written '\"12,345\"' are integers, '$12,345.67' decimals, 'Yes'/'No' booleans, ISO week starts"))


# --- Safety cases --------------------------------------------------------------------------------

def ambiguous_dates():
    rng = random.Random(1201)
    dates = ["01/02/2024", "03/04/2024", "01/02/2024", "03/04/2024", "03/04/2024", "01/02/2024"]
    n = len(dates)
    cols = [
        Col("Date", "text", dates, also="date with a warning (day-first or month-first undecidable)"),
        Col("Campaign", "text", [rng.choice(["Brand", "Generic", "Retargeting"]) for _ in range(n)]),
        Col("Spend", "decimal", [cents(rng, 20, 400) for _ in range(n)], plain(2)),
        Col("Clicks", "integer", [rng.randint(10, 300) for _ in range(n)]),
    ]
    add(File("ambiguous_dates.csv", "Unknown spreadsheet", cols, warning=True,
             shape="a date column holding only '01/02/2024' and '03/04/2024'",
             why="nothing decides day-first or month-first: the column must stay text, or be read as dates only "
                 "with a warning naming it"))


def amount_na():
    rng = random.Random(1202)
    n = 8
    amounts = [plain(2)(cents(rng, 100, 5000)) for _ in range(n)]
    amounts[4] = "n/a"
    cols = [
        Col("Campaign", "text", ["Brand", "Generic", "Retargeting", "Video", "Influencer pilot", "Display", "Email",
                                 "Affiliates"]),
        Col("Launch Date", "date", [date(2024, 3, 4) + timedelta(days=3 * i) for i in range(n)], iso),
        Col("Amount", "text", amounts),
        Col("Clicks", "integer", [rng.randint(50, 4000) for _ in range(n)]),
    ]
    add(File("amount_with_na.csv", "Unknown spreadsheet", cols,
             shape="an amount column where one value is 'n/a'",
             why="'n/a' is not a number and not empty: the Amount column stays text (values kept as written)"))


# ---------------------------------------------------------------------------------------------
# Truth


def json_number(x):
    if isinstance(x, bool):
        raise TypeError
    if isinstance(x, int):
        return x
    f = float(x)
    assert D(repr(f)) == D(x), (x, f)  # the JSON text is the exact decimal
    return f


def first_value(c):
    v = c.values[0]
    if v is None:
        return None
    if c.type == "date":
        return v.isoformat()
    if c.type == "timestamp":
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if c.type == "boolean":
        return bool(v)
    if c.type in ("integer", "decimal"):
        return json_number(v)
    return v


def column_sum(c):
    if c.type not in ("integer", "decimal"):
        return None
    s = sum(v for v in c.values if v is not None)
    return json_number(s) if c.type == "decimal" else int(s)


def truth(f):
    cols = []
    for c in f.cols:
        entry = {"name": c.name, "type": c.type, "sum": column_sum(c), "first": first_value(c)}
        nulls = sum(v is None for v in c.values)
        if nulls:
            entry["nulls"] = nulls
        if c.also:
            entry["also_accepted"] = c.also
        cols.append(entry)
    enc = {"utf-8": "utf-8", "utf-8-sig": "utf-8 with BOM", "cp1252": "windows-1252"}[f.encoding]
    return {"tool": f.tool, "rows": f.rows, "columns": cols, "skipped": f.skipped, "warning_expected": f.warning,
            "why": f.why, "encoding": enc, "delimiter": f.delimiter,
            "header_line": len(f.before) + 1}


# ---------------------------------------------------------------------------------------------
# Check: read each written file back with an independent parser and compare with the meanings

FR_ABBR = {m.rstrip("."): i + 1 for i, m in enumerate(FR_MON)}
FR_FULL = {m: i + 1 for i, m in enumerate(FR_MONTH)}
EN_ABBR = {m.lower(): i + 1 for i, m in enumerate(MON)}
EN_FULL = {m.lower(): i + 1 for i, m in enumerate(MONTH)}


def read_number(s, decimal_comma):
    t = s.strip()
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg, t = True, t[1:-1]
    percent = t.endswith("%")
    t = t.rstrip("%")
    t = re.sub(r"^(EUR|USD|GBP)\s+|\s+(EUR|USD|GBP)$", "", t.strip())
    t = t.replace("€", "").replace("$", "").replace("£", "")
    t = re.sub(r"[\s\u00a0\u202f]", "", t)
    if t.startswith("-"):
        neg, t = True, t[1:]
    if decimal_comma:
        t = t.replace(".", "").replace(",", ".")
    else:
        t = t.replace(",", "")
    assert re.fullmatch(r"\d+(\.\d+)?", t), (s, t)
    v = D(t)
    if percent:
        v = v / 100
    return -v if neg else v


def read_date(s, order):
    t = s.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", t)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})-(\d{2})", t)
    if m:
        return date(int(m[1]), int(m[2]), 1)
    m = re.fullmatch(r"(\d{4})-Q([1-4])|Q([1-4])[ -](\d{4})|T([1-4]) (\d{4})", t)
    if m:
        y, q = (m[1], m[2]) if m[1] else ((m[4], m[3]) if m[3] else (m[6], m[5]))
        return date(int(y), 3 * int(q) - 2, 1)
    m = re.fullmatch(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})", t)
    if m:
        a, b = int(m[1]), int(m[3])
        assert order in ("mdy", "dmy"), (s, order)
        return date(int(m[4]), a, b) if order == "mdy" else date(int(m[4]), b, a)
    m = re.fullmatch(r"([A-Za-z]{3}) (\d{1,2}), (\d{4})", t)
    if m:
        return date(int(m[3]), EN_ABBR[m[1].lower()], int(m[2]))
    m = re.fullmatch(r"([A-Za-z]{3})-(\d{2})", t)
    if m:
        return date(2000 + int(m[2]), EN_ABBR[m[1].lower()], 1)
    m = re.fullmatch(r"(\d{1,2}) (\S+) (\d{4})", t)
    if m:
        return date(int(m[3]), FR_ABBR[m[2].rstrip(".")], int(m[1]))
    m = re.fullmatch(r"(\S+) (\d{4})", t)
    if m:
        w = m[1]
        month = EN_ABBR.get(w.lower()) or EN_FULL.get(w.lower()) or FR_ABBR.get(w.rstrip(".")) or FR_FULL.get(w)
        assert month, s
        return date(int(m[2]), month, 1)
    raise AssertionError(f"not a date: {s!r}")


def read_timestamp(s, order):
    t = s.strip()
    for fmt in ("%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M %p", "%b %d, %Y %I:%M %p"):
        try:
            return datetime.strptime(t, fmt)
        except ValueError:
            pass
    raise AssertionError(f"not a timestamp: {s!r}")


def read_cell(s, c, f):
    if s.strip() == "":
        return None
    if c.type in ("integer", "decimal"):
        v = read_number(s, f.decimal_comma)
        if c.type == "integer":
            assert v == v.to_integral(), (s, c.name)
            return int(v)
        return v
    if c.type == "date":
        return read_date(s, c.order)
    if c.type == "timestamp":
        return read_timestamp(s, c.order)
    if c.type == "boolean":
        return {"true": True, "false": False, "yes": True, "no": False, "oui": True, "non": False, "ja": True,
                "nein": False}[s.strip().lower()]
    return s


def check(f, data):
    for c in f.cols:
        assert c.values[0] is not None, (f.name, c.name, "the first value should be written")
    text = data.decode("utf-8-sig" if f.encoding.startswith("utf-8") else f.encoding)
    if f.encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=f.delimiter))
    head = len(f.before)
    header = records[head]
    assert [h.strip() for h in header] == [c.name for c in f.cols], (f.name, header)
    body = records[head + 1: head + 1 + f.rows]
    assert len(body) == f.rows
    for r, rec in enumerate(body):
        assert len(rec) == len(f.cols), (f.name, r, rec)
        for c, s in zip(f.cols, rec):
            got = read_cell(s, c, f)
            want = c.values[r]
            assert got == want, (f.name, r, c.name, s, got, want)
    rest = records[head + 1 + f.rows:]
    assert len(rest) == len(f.after), (f.name, rest)
    for c in f.cols:
        if c.order and c.type == "date":
            days = [v.day for v in c.values if v is not None]
            assert any(d > 12 for d in days), (f.name, c.name, "no value decides the day/month order")
    assert 5 <= f.rows <= 40, (f.name, f.rows)


def main():
    for make in [hubspot_contacts, hubspot_deals, hubspot_contacts_bom, hubspot_companies,
                 salesforce_opportunities, salesforce_opportunities_footer, salesforce_leads, salesforce_multicurrency,
                 google_ads_campaigns, google_ads_multi_totals, google_ads_daily, google_ads_keywords,
                 meta_campaigns, meta_adsets_daily, meta_ads_emoji,
                 ga4_traffic, ga4_daily, ga4_pages,
                 mailchimp, linkedin_campaigns, linkedin_daily,
                 plan_iso, plan_mon_yyyy, plan_full_month, plan_quarters_iso, plan_quarters_q_first, plan_mon_yy,
                 fr_monthly, fr_annual_full, fr_campaigns_nnbsp, fr_quarters, fr_journal,
                 de_campaigns, de_invoices,
                 budget_variance, affiliate_codes, uk_gbp, weekly_kpis,
                 ambiguous_dates, amount_na]:
        make()
    names = [f.name for f in FILES]
    assert len(names) == len(set(names))
    out = {}
    for f in FILES:
        data = f.bytes()
        check(f, data)
        (HERE / f.name).write_bytes(data)
        out[f.name] = truth(f)
    (HERE / "truth.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if "--list" in sys.argv:
        for f in FILES:
            print(f"{f.name:45} {f.tool:38} rows={f.rows:3} {f.shape}")
    print(f"{len(FILES)} files and truth.json written to {HERE}")


if __name__ == "__main__":
    main()
