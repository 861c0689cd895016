"""W1 with polars: the funnel by lower(trim(source)) with step rates and the worst step."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import polars as pl
from polars_funnel import KEY, STAGES, THROUGH, data_dir, emit, joint_counts, ratio, reach, scan, src, stage_counts

d = data_dir()
visits = scan(d, "sessions.csv").select(src().alias("src"), "sessions")
counts = reach(d).group_by("src").agg(stage_counts() + joint_counts())
v = visits.group_by("src").agg(pl.col("sessions").sum().alias("visits"))
df, total_visits = pl.collect_all([
    counts.join(v, on="src", how="left").with_columns(pl.col("visits").fill_null(0)).sort("src"),
    visits.select(pl.col("sessions").sum())])
names = ["visits"] + STAGES
# step k: the rows of stage k that went through stage k-1 (both, after the optional mqls) / count(k-1)
through = [THROUGH.get(n, n) for n in names]
total = {c: (total_visits.item() if c == "visits" else df[c].sum()) for c in names + through}
steps = [f"{names[k]}/{names[k - 1]}" for k in range(1, len(names))]
df = df.with_columns([ratio(pl.col(through[k]), pl.col(names[k - 1])).alias(steps[k - 1])
                      for k in range(1, len(names))])
# worst step: the lowest rate relative to the whole funnel's same step; the first on a tie
base = [total[through[k]] / total[names[k - 1]] for k in range(1, len(names))]
qs = [pl.col(steps[i]) / base[i] if base[i] > 0 else pl.lit(None, pl.Float64) for i in range(len(steps))]
worst = pl.min_horizontal(qs)
label = pl.lit(None, pl.String)
for i in reversed(range(len(steps))):
    label = pl.when(qs[i] == worst).then(pl.lit(f"{names[i]}→{names[i + 1]}")).otherwise(label)
df = df.with_columns(label.alias("worst step"))
emit(df.select(pl.col("src").alias(KEY), *names, *steps, "worst step"))
