"""Shared by the polars twins of the benchmark's workloads (Scripts/bench-queries/w*.py).

The funnel as docs/metrics.md defines reach, over leads.csv read lazily (only the columns the
funnel needs are parsed):
  leads at created_at; mqls at mql_at where mql optional; sqls at sql_at; opportunities at
  opp_at; customers at customer_at; mql = score >= 60 and employees >= 50 and
  title ~ "vp|director|head|chief" (case-insensitive, anywhere).
Output: CSV on stdout with the same columns as `funnel --format csv` (nulls empty).
"""
import os
import sys

import polars as pl

KEY = "lower(trim(source))"
STAGES = ["leads", "mqls", "sqls", "opportunities", "customers"]
ARROWS = {2: "leads→mqls", 3: "mqls→sqls", 4: "sqls→opportunities", 5: "opportunities→customers"}


def data_dir():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {os.path.basename(sys.argv[0])} DATA_DIR")
    return sys.argv[1]


def scan(d, name):
    return pl.scan_csv(os.path.join(d, name), try_parse_dates=True, infer_schema_length=10000)


def src(col="source"):
    return pl.col(col).str.strip_chars().str.to_lowercase()


def reach(d, min_score=60):
    """One row per lead: src, times, revenue, r_* (reached), t_prev_sqls (velocity's from)."""
    leads = scan(d, "leads.csv").select(
        "source", "created_at", "mql_at", "sql_at", "opp_at", "customer_at", "revenue",
        "score", "employees", "title")
    mql = ((pl.col("score") >= min_score) & (pl.col("employees") >= 50)
           & pl.col("title").str.contains("(?i)vp|director|head|chief")).fill_null(False)
    r_leads = pl.col("created_at").is_not_null()
    r_mqls = r_leads & mql & pl.col("mql_at").is_not_null() & (pl.col("mql_at") >= pl.col("created_at"))
    lf = leads.with_columns(src().alias("src"), r_leads.alias("r_leads"))
    lf = lf.with_columns(r_mqls.fill_null(False).alias("r_mqls"))
    lf = lf.with_columns(pl.when(pl.col("r_mqls")).then(pl.col("mql_at"))
                         .otherwise(pl.col("created_at")).alias("t_prev_sqls"))
    # mqls is optional: a lead that reached leads may go on to sqls without it
    lf = lf.with_columns(((pl.col("r_mqls") | pl.col("r_leads")) & pl.col("sql_at").is_not_null()
                          & (pl.col("sql_at") >= pl.col("t_prev_sqls"))).fill_null(False).alias("r_sqls"))
    lf = lf.with_columns((pl.col("r_sqls") & pl.col("opp_at").is_not_null()
                          & (pl.col("opp_at") >= pl.col("sql_at"))).fill_null(False).alias("r_opps"))
    lf = lf.with_columns((pl.col("r_opps") & pl.col("customer_at").is_not_null()
                          & (pl.col("customer_at") >= pl.col("opp_at"))).fill_null(False).alias("r_customers"))
    return lf


REACHED = ["r_leads", "r_mqls", "r_sqls", "r_opps", "r_customers"]


def stage_counts():
    return [pl.col(r).sum().cast(pl.Int64).alias(s) for r, s in zip(REACHED, STAGES)]


# Steps from an optional stage (docs/metrics.md: step = both(k-1, k) / count(k-1)): mqls is
# optional, so some sqls never were mqls, and the step mqls→sqls counts the leads that reached
# both. THROUGH maps such a step's later stage to the column of that joint count.
THROUGH = {"sqls": "mqls&sqls"}


def joint_counts():
    return [(pl.col("r_mqls") & pl.col("r_sqls")).sum().cast(pl.Int64).alias(THROUGH["sqls"])]


def ratio(a, b):
    """a / b, null when b is 0 (or null)."""
    return pl.when(b != 0).then(a / b).otherwise(None)


def days(a, b):
    return (pl.col(a) - pl.col(b)).dt.total_microseconds().cast(pl.Float64) / 86_400e6


def emit(df):
    sys.stdout.write(df.write_csv(null_value=""))
