"""Load Handbook-schema transactions from a file or a folder of daily CSV or Parquet files.

Bad input is refused with the file (and row, where there is one) named: missing or null
columns, timestamps that go backwards, duplicate transaction ids, labels other than 0/1,
negative amounts. Nothing is silently dropped or filled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from borderline.errors import DataFileError, InvalidInput

# TX_FRAUD_SCENARIO is optional: it is the simulator's ground truth and never a feature.
REQUIRED = [
    "TRANSACTION_ID",
    "TX_DATETIME",
    "CUSTOMER_ID",
    "TERMINAL_ID",
    "TX_AMOUNT",
    "TX_TIME_SECONDS",
    "TX_TIME_DAYS",
    "TX_FRAUD",
]
SUFFIXES = (".csv", ".parquet", ".pq")


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
        if not files:
            raise InvalidInput("folder holds no .csv or .parquet files", where=str(path))
        return files
    raise InvalidInput("no such file or folder", where=str(path))


def _read_one(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except Exception as exc:  # pandas/pyarrow raise many types; all mean "unreadable"
        raise DataFileError(f"cannot read: {exc}", where=str(path)) from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataFileError(f"missing column(s) {', '.join(missing)}", where=str(path))
    for col in REQUIRED:
        nulls = df[col].isna().to_numpy()
        if nulls.any():
            row = int(np.argmax(nulls))
            # CSV line = header line + 1-based row
            where = f"{path}:{row + 2}" if path.suffix.lower() == ".csv" else f"{path}[{row}]"
            raise DataFileError(f"null value in column {col}", where=where)
    try:
        df["TX_DATETIME"] = pd.to_datetime(df["TX_DATETIME"])
    except (ValueError, TypeError) as exc:
        raise DataFileError(f"TX_DATETIME is not a timestamp: {exc}", where=str(path)) from None
    for col in ("TRANSACTION_ID", "CUSTOMER_ID", "TERMINAL_ID", "TX_TIME_SECONDS", "TX_TIME_DAYS"):
        if not pd.api.types.is_integer_dtype(df[col]):
            raise DataFileError(f"column {col} must hold integers", where=str(path))
    df["_file"] = str(path)
    df["_row"] = np.arange(len(df))
    return df


def _where(df: pd.DataFrame, i: int) -> str:
    f, r = str(df["_file"].iat[i]), int(df["_row"].iat[i])
    return f"{f}:{r + 2}" if f.lower().endswith(".csv") else f"{f}[{r}]"


def load_transactions(path: str | Path) -> pd.DataFrame:
    """All transactions in time order with the Handbook columns (plus the scenario if given)."""
    files = _files(Path(path))
    df = pd.concat([_read_one(f) for f in files], ignore_index=True)
    if df.empty:
        raise InvalidInput("no transactions", where=str(path))
    ts = df["TX_DATETIME"].to_numpy()
    back = np.flatnonzero(ts[1:] < ts[:-1])
    if len(back):
        i = int(back[0]) + 1
        raise DataFileError(
            f"TX_DATETIME goes backwards ({df['TX_DATETIME'].iat[i]} after "
            f"{df['TX_DATETIME'].iat[i - 1]}); files must be in time order",
            where=_where(df, i),
        )
    dup = df["TRANSACTION_ID"].duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise DataFileError(
            f"duplicate TRANSACTION_ID {df['TRANSACTION_ID'].iat[i]}", where=_where(df, i)
        )
    bad = ~df["TX_FRAUD"].isin([0, 1]).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(
            f"TX_FRAUD must be 0 or 1, got {df['TX_FRAUD'].iat[i]!r}", where=_where(df, i)
        )
    amounts = pd.to_numeric(df["TX_AMOUNT"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(amounts) | (amounts < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(
            f"TX_AMOUNT must be a non-negative number, got {df['TX_AMOUNT'].iat[i]!r}",
            where=_where(df, i),
        )
    df["TX_AMOUNT"] = amounts
    df["TX_FRAUD"] = df["TX_FRAUD"].astype(np.int64)
    return df.drop(columns=["_file", "_row"]).reset_index(drop=True)
