"""What changed between two versions of a list: added, removed and changed entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from borderline.screening.model import Entity


def _facts(e: Entity) -> dict[str, Any]:
    return {
        "kind": e.kind.value,
        "names": sorted({n.full for n in e.names}),
        "dobs": sorted(str(d) for d in e.dobs),
        "countries": sorted(e.countries),
        "identifiers": sorted(f"{i.kind}:{i.key}" for i in e.identifiers),
        "programs": sorted(e.programs),
    }


@dataclass(slots=True)
class ListDiff:
    added: list[Entity] = field(default_factory=list)
    removed: list[Entity] = field(default_factory=list)
    changed: list[tuple[Entity, Entity, list[str]]] = field(default_factory=list)

    @property
    def touched(self) -> list[Entity]:
        """Entities a party should be re-screened against: added and changed (new side)."""
        return self.added + [new for _, new, _ in self.changed]

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        def ent(e: Entity) -> dict[str, Any]:
            return {"list": e.list, "source_id": e.source_id, "name": e.caption}

        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "entries": {
                "added": [ent(e) for e in self.added[:limit]],
                "removed": [ent(e) for e in self.removed[:limit]],
                "changed": [
                    {**ent(new), "fields": fields} for _, new, fields in self.changed[:limit]
                ],
            },
        }


def diff_entities(
    old: tuple[Entity, ...] | list[Entity], new: tuple[Entity, ...] | list[Entity]
) -> ListDiff:
    """Compare by the list's own identifier; "changed" names the fields that differ."""
    before = {e.source_id: e for e in old}
    after = {e.source_id: e for e in new}
    out = ListDiff()
    for sid, e in after.items():
        prev = before.get(sid)
        if prev is None:
            out.added.append(e)
            continue
        fa, fb = _facts(prev), _facts(e)
        fields = [k for k in fa if fa[k] != fb[k]]
        if fields:
            out.changed.append((prev, e, fields))
    out.removed = [e for sid, e in before.items() if sid not in after]
    return out
