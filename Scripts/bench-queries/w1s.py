"""W1s with polars (the first W1): leads per source (cleaned) with the agreed MQL rule,
customers and revenue."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import polars as pl
from polars_funnel import KEY, data_dir, emit, scan, src

d = data_dir()
mql = ((pl.col("score") >= 60) & (pl.col("employees") >= 50)
       & pl.col("title").str.contains("(?i)vp|director|head|chief")).fill_null(False)
df = (scan(d, "leads.csv").group_by(src().alias(KEY))
      .agg(pl.len().cast(pl.Int64).alias("leads"), mql.sum().cast(pl.Int64).alias("mqls"),
           pl.col("customer_at").count().cast(pl.Int64).alias("customers"),
           pl.col("revenue").sum().alias("revenue"))
      .sort(KEY).collect())
emit(df)
