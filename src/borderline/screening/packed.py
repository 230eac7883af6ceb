"""A list whose items are pickled one by one and unpickled on first use."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class Packed(Sequence[T], Generic[T]):
    """A list whose items are pickled one by one and unpickled on first use.

    A persisted index holds tens of thousands of entities and prepared names; unpickling them
    all is most of a cold start, while a search touches a few dozen. Only the blobs are
    pickled, so loading the index creates one ``bytes`` object per item and nothing more.
    """

    __slots__ = ("_blobs", "_items")

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._items: list[T | None] = list(items)
        self._blobs = [pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL) for x in self._items]

    def __len__(self) -> int:
        return len(self._blobs)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        item = self._items[i]
        if item is None:
            item = self._items[i] = pickle.loads(self._blobs[i])
        return item

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self._blobs)):
            yield self[i]

    def __getstate__(self) -> list[bytes]:
        return self._blobs

    def __setstate__(self, state: list[bytes]) -> None:
        self._blobs = state
        self._items = [None] * len(state)
