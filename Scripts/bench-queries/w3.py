"""W3 with polars: velocity (median, p90, mean days per step) and demand (CAC, ROMI) by
lower(trim(source))."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import polars as pl
from polars_funnel import KEY, STAGES, data_dir, days, emit, ratio, reach, scan, src, stage_counts

d = data_dir()
r = reach(d)
STEPS = [("r_mqls", "mql_at", "created_at", "leads→mqls"),
         ("r_sqls", "sql_at", "t_prev_sqls", "mqls→sqls"),
         ("r_opps", "opp_at", "sql_at", "sqls→opportunities"),
         ("r_customers", "customer_at", "opp_at", "opportunities→customers"),
         ("r_customers", "customer_at", "created_at", "leads→customers (end to end)")]
aggs = []
for i, (flag, to, frm, _) in enumerate(STEPS):
    x = days(to, frm).filter(pl.col(flag))
    aggs += [pl.col(flag).sum().cast(pl.Int64).alias(f"n{i}"),
             x.quantile(0.5, interpolation="linear").alias(f"m{i}"),
             x.quantile(0.9, interpolation="linear").alias(f"p{i}"),
             x.mean().alias(f"a{i}")]
velocity = r.group_by("src").agg(aggs)
spend = (scan(d, "spend.csv").group_by(src("channel").alias("src"))
         .agg(pl.col("amount").sum().alias("spend")))
demand = (r.group_by("src").agg(stage_counts() + [pl.col("revenue").sum().alias("revenue")])
          .join(spend, on="src", how="left"))
v, g = pl.collect_all([velocity, demand])
v = pl.concat([v.select(pl.col("src").alias(KEY), pl.lit(label).alias("step"), pl.col(f"n{i}").alias("rows"),
                        pl.col(f"m{i}").alias("median"), pl.col(f"p{i}").alias("p90"), pl.col(f"a{i}").alias("mean"),
                        pl.lit(i).alias("k"))
               for i, (_, _, _, label) in enumerate(STEPS)]).sort(KEY, "k").drop("k")
emit(v)
g = g.sort("src").with_columns(pl.col("revenue").fill_null(0.0))
emit(g.select(
    pl.col("src").alias(KEY), *STAGES, "spend",
    *[ratio(pl.col("spend"), pl.col(s)).alias(f"cost/{s}") for s in STAGES],
    ratio(pl.col("customers"), pl.col("leads")).alias("customers/leads"),
    "revenue",
    ratio(pl.col("revenue"), pl.col("customers")).alias("avg deal"),
    pl.when(pl.col("spend") > 0).then((pl.col("revenue") - pl.col("spend")) / pl.col("spend")).otherwise(None).alias("ROMI")))
