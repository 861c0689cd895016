"""W2 with polars: runway, the funnel by month against the plan (visits from sessions)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import polars as pl
from polars_funnel import REACHED, STAGES, data_dir, emit, reach, scan

d = data_dir()
r = reach(d)
TIMES = ["created_at", "mql_at", "sql_at", "opp_at", "customer_at"]
# each stage counted in the month its own time falls in
parts = [r.filter(pl.col(flag)).group_by(pl.col(t).dt.truncate("1mo").cast(pl.Date).alias("m"))
         .agg(pl.len().cast(pl.Int64).alias("n")).with_columns(pl.lit(k + 1).alias("k"))
         for k, (flag, t) in enumerate(zip(REACHED, TIMES))]
visits = (scan(d, "sessions.csv").group_by(pl.col("date").dt.truncate("1mo").alias("m"))
          .agg(pl.col("sessions").sum().cast(pl.Int64).alias("n")).with_columns(pl.lit(0).alias("k")))
plan = scan(d, "plan.csv").with_columns(pl.col("month").cast(pl.Utf8).str.to_date("%Y-%m").alias("m"))
names = ["visits"] + STAGES
plan_long = (plan.group_by("m").agg([pl.col(s).sum().cast(pl.Int64) for s in names])
             .unpivot(index="m", on=names, variable_name="stage", value_name="plan")
             .with_columns(pl.col("stage").replace_strict(names, list(range(len(names))), return_dtype=pl.Int32).alias("k")))
stage_rows, visit_rows, plan_rows = pl.collect_all([pl.concat(parts), visits, plan_long])
lo, hi = stage_rows["m"].min(), stage_rows["m"].max()
actual = pl.concat([stage_rows.select("m", pl.col("k").cast(pl.Int32), "n"),
                    visit_rows.select("m", pl.col("k").cast(pl.Int32), "n")])
df = (plan_rows.join(actual, on=["k", "m"], how="left")
      .with_columns(pl.when(pl.col("m").is_between(lo, hi)).then(pl.col("n").fill_null(0)).otherwise(None).alias("actual"))
      .sort("k", "m")
      .with_columns((pl.col("actual").fill_null(0).cum_sum().over("k") / pl.col("plan").cum_sum().over("k")).alias("cum")))
df = df.select(
    pl.col("m").dt.strftime("%Y-%m").alias("month"), "stage", "actual", "plan",
    (pl.col("actual") - pl.col("plan")).alias("variance"),
    pl.when(pl.col("plan") != 0).then(pl.col("actual") / pl.col("plan")).otherwise(None).alias("% of plan"),
    pl.when(pl.col("actual").is_not_null()).then(pl.col("cum")).otherwise(None).alias("pace"))
emit(df)
