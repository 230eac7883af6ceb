"""Point-in-time history and fraud-feature inputs, computed with Spark window functions.

Input: one row per valid order with its flat columns (``fraud.flat.flatten``) and ``seq``, its
position in the input. Orders are taken in ``(t, seq)`` order — time, then input order for
orders in the same second — which is the order the in-process engine records them in when
they arrive in time order. For every order the window functions count what the in-process
stores would hold *before* it:

- per entity of ``fraud.features.SPEC`` (customer, card, device, IP, e-mail, shipping address,
  corridor, merchant): orders in each velocity window, the entity's earlier orders and first
  time, distinct linked values, and orders and frauds in the label window;
- per (entity, currency): earlier orders, amount sums and sums of squares in that currency,
  and amount sums inside the velocity windows (amount aggregates never mix currencies);
- per customer: the running aggregates ``DbHistory`` reads (orders, amount sum and sum of
  squares over every currency, first and last order time, shipping countries).

Counts come from differences of cumulative range frames (``rangeBetween(unboundedPreceding,
-x)``), which Spark evaluates in one pass per partition, so a 90-day label window over a busy
corridor costs no more than a one-hour one. The executor then hands these numbers to
``fraud.features.online_features`` through ``_context.RowView``: the feature arithmetic is the
in-process code's own.

Entity values that are empty (an order without a device) get a key unique to the order, so
they never form one giant partition; their features are not read (``online_features`` gives
0 for an absent entity).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window, WindowSpec
from pyspark.sql import functions as F

from borderline.errors import InvalidInput
from borderline.fraud import (
    DAY,
    DEFAULT_LABEL_DELAY_DAYS,
    LABEL_WINDOW_DAYS,
    SPEC,
    Spec,
)

_UNBOUNDED = Window.unboundedPreceding


def _key(entity: str) -> Column:
    # An empty value is "no such entity": a key of its own per order keeps partitions small.
    return F.when(F.col(entity) == "", F.concat(F.lit("\u0000#"), F.col("seq").cast("string")))


def entity_key(entity: str) -> Column:
    return _key(entity).otherwise(F.col(entity))


def point_in_time(
    flat: DataFrame, *, label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS, spec: Spec = SPEC
) -> DataFrame:
    """Add the history columns ``_context.RowView`` and ``history_from_row`` read.

    ``flat`` needs ``seq``, ``t`` (epoch seconds), ``created_us`` (epoch microseconds),
    ``amount``, ``currency``, ``ship_country``, ``fraud`` (0/1, the order's latest label) and
    the entity columns of ``spec``; rows must be valid, distinct orders.
    """
    if label_delay_days < 0:
        raise InvalidInput("must be zero or more", where="label_delay_days")
    entities = sorted(
        {e for e, _w, _a in spec.velocity}
        | set(spec.age)
        | set(spec.history)
        | {e for e, _o in spec.distinct}
        | set(spec.label)
    )
    df = flat
    for e in entities:
        df = df.withColumn(f"_k_{e}", entity_key(e))
    currency = {e for e, _w, agg in spec.velocity if agg == "sum"} | set(spec.history)
    for e in entities:
        # One shuffle per entity: rows partitioned by the entity hold every (entity, other
        # value) pair and every (entity, currency) together, so the distinct-link windows
        # before the entity's own and the currency windows after it only sort the rows
        # again where they are (each window spec of its own would shuffle every row).
        pairs = [o for ent, o in spec.distinct if ent == e]
        if pairs:
            df = df.repartition(f"_k_{e}")
        for o in pairs:
            pair = Window.partitionBy(f"_k_{e}", o).orderBy("t", "seq")
            new = ((F.row_number().over(pair) == 1) & (F.col(o) != "")).cast("int")
            df = df.withColumn(f"{e}__new_{o}", new)
        cols = _entity_columns(e, spec, label_delay_days)
        if e == "customer":
            cols += _customer_columns()
        df = df.select("*", *cols)
        if e in currency:
            df = df.select("*", *_currency_columns(e, spec))
    return df.drop(*(f"_k_{e}" for e in entities))


def _before_at_most(part: list[str], offset: int) -> WindowSpec:
    """Rows of the partition with t' <= t - offset (a cumulative range frame)."""
    return Window.partitionBy(*part).orderBy("t").rangeBetween(_UNBOUNDED, -offset)


def _entity_columns(e: str, spec: Spec, delay_days: int) -> list[Column]:
    part = [f"_k_{e}"]
    ordered = Window.partitionBy(*part).orderBy("t", "seq")
    before = F.row_number().over(ordered) - 1  # orders recorded before this one
    upto = ordered.rowsBetween(_UNBOUNDED, 0)
    cols: list[Column] = [
        F.sum(f"{e}__new_{o}").over(upto).alias(f"{e}__dist_{o}")
        for ent, o in spec.distinct
        if ent == e
    ]
    velocity = sorted({w for ent, w, _agg in spec.velocity if ent == e})
    for w in velocity:
        # recorded orders with t - w < t' (<= t): all earlier ones minus those at or before t - w
        at_most = F.count(F.lit(1)).over(_before_at_most(part, w))
        cols.append((before - at_most).alias(f"{e}__n_{w}"))
    if e in spec.age or e in spec.history:
        cols.append(before.alias(f"{e}__prior_n"))
        # The first order's time (rows are in time order): read as the rows stream past, in
        # the same sorted pass as the counts, where a minimum over the whole entity needed
        # a window of its own that holds every row of the entity.
        first = F.first("t").over(upto)
        cols.append(first.alias(f"{e}__first_t"))
    if e in spec.label:
        delay = delay_days * DAY
        span = LABEL_WINDOW_DAYS * DAY
        far = _before_at_most(part, delay + span)
        if delay > 0:
            near = _before_at_most(part, delay)
            known = F.count(F.lit(1)).over(near) - F.count(F.lit(1)).over(far)
            frauds = F.coalesce(F.sum("fraud").over(near), F.lit(0)) - F.coalesce(
                F.sum("fraud").over(far), F.lit(0)
            )
        else:  # the window reaches the order's own second: only orders recorded before it
            rows_before = ordered.rowsBetween(_UNBOUNDED, -1)
            known = before - F.count(F.lit(1)).over(far)
            frauds = F.coalesce(F.sum("fraud").over(rows_before), F.lit(0)) - F.coalesce(
                F.sum("fraud").over(far), F.lit(0)
            )
        cols += [known.alias(f"{e}__known"), frauds.alias(f"{e}__frauds")]
    return cols


def _currency_columns(e: str, spec: Spec) -> list[Column]:
    part = [f"_k_{e}", "currency"]
    ordered = Window.partitionBy(*part).orderBy("t", "seq")
    rows_before = ordered.rowsBetween(_UNBOUNDED, -1)
    before = F.row_number().over(ordered) - 1
    cum = F.coalesce(F.sum("amount").over(rows_before), F.lit(0.0))
    cols: list[Column] = []
    if e in spec.history:
        cols += [
            before.alias(f"{e}__prior_nc"),
            cum.alias(f"{e}__prior_sum"),
            F.coalesce(
                F.sum(F.col("amount") * F.col("amount")).over(rows_before), F.lit(0.0)
            ).alias(f"{e}__prior_sumsq"),
        ]
    sums = sorted({w for ent, w, agg in spec.velocity if ent == e and agg == "sum"})
    if sums:
        # Orders of the same second recorded earlier: cumulative rows minus cumulative seconds.
        strictly_earlier = _before_at_most(part, 1)
        same_second = before - F.count(F.lit(1)).over(strictly_earlier)
        same_second_sum = F.when(same_second == 0, F.lit(0.0)).otherwise(
            cum - F.coalesce(F.sum("amount").over(strictly_earlier), F.lit(0.0))
        )
        for w in sums:
            frame = Window.partitionBy(*part).orderBy("t").rangeBetween(-(w - 1), -1)
            earlier = F.coalesce(F.sum("amount").over(frame), F.lit(0.0))
            cols.append((earlier + same_second_sum).alias(f"{e}__s_{w}"))
    return cols


def _customer_columns() -> list[Column]:
    """What ``DbHistory`` holds for the customer before this order (amounts in any currency)."""
    ordered = Window.partitionBy("_k_customer").orderBy("t", "seq")
    rows_before = ordered.rowsBetween(_UNBOUNDED, -1)
    return [
        (F.row_number().over(ordered) - 1).alias("hist_orders"),
        F.coalesce(F.sum("amount").over(rows_before), F.lit(0.0)).alias("hist_sum"),
        F.coalesce(F.sum(F.col("amount") * F.col("amount")).over(rows_before), F.lit(0.0)).alias(
            "hist_sumsq"
        ),
        F.first("created_us").over(rows_before).alias("hist_first_us"),
        F.max("created_us").over(rows_before).alias("hist_last_us"),
        F.collect_set("ship_country").over(rows_before).alias("hist_countries"),
    ]


FEATURE_INPUT_COLUMNS: tuple[str, ...] = (
    "seq",
    "t",
    "created_us",
    "amount",
    "currency",
    "ship_country",
    "customer",
    "card",
    "device",
    "ip",
    "email",
    "ship_addr",
    "corridor",
    "merchant",
)


def history_columns(df: DataFrame) -> list[str]:
    """The columns ``point_in_time`` added (everything the executor's view reads)."""
    return [c for c in df.columns if "__" in c or c.startswith("hist_")]
