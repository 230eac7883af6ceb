"""Borderline on Apache Spark: the same engine over DataFrames (the optional ``spark`` extra).

- ``assess(orders_df, ...) -> decisions_df``: one decision row per order, history and fraud
  features computed point in time with window functions;
- ``backtest(decisions_df, policy_source)``: the change summary ``policy backtest`` gives;
- ``rescreen(parties_df, lists, previous=...)``: every party against a list version, with the
  hits that are new and those that disappeared.

``session()`` makes a local SparkSession; on a cluster or Databricks pass the DataFrames of
the session you have. Importing this package needs PySpark (``pip install borderline[spark]``).
"""

from borderline.spark.jobs import (
    Rescreen,
    assess,
    backtest,
    decisions_summary,
    read_labels,
    read_orders,
    read_parties,
    rescreen,
    session,
)

__all__ = [
    "Rescreen",
    "assess",
    "backtest",
    "decisions_summary",
    "read_labels",
    "read_orders",
    "read_parties",
    "rescreen",
    "session",
]
