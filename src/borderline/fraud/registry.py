"""The model registry: versioned artifacts with model cards, champion/challenger, rollback.

A folder (``models_dir(data_dir)``, i.e. ``<data folder>/fraud/models``, unless configured)::

    registry.json              {"champion": v, "challenger": v, "history": [...]}
    <version>/model.txt        LightGBM text model
    <version>/model.json       calibration map, threshold, feature list
    <version>/card.json        the model card (data window, features, metrics, calibration,
                               threshold, drift reference, sha256 of model.txt)

Every load checks the model file against the card's SHA-256 and parses it; a corrupt or
tampered file is a ``DataFileError`` naming it, and promotion refuses it — the champion in
service stays where it was. Writes go to a temporary file and are renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderline.errors import Conflict, DataFileError, NotFound
from borderline.lazy import lazy
from borderline.refdata.recheck import changed

if TYPE_CHECKING:
    import lightgbm as lgb

    from borderline.fraud.training import FraudModel
else:
    lgb = lazy("lightgbm")


def models_dir(data_dir: str | Path) -> Path:
    """Where the registry lives in a data folder (the application's ``data_dir``)."""
    return Path(data_dir) / "fraud" / "models"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


class Registry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # --- state
    def _state(self) -> dict[str, Any]:
        p = self.root / "registry.json"
        if not p.is_file():
            return {"champion": None, "challenger": None, "history": []}
        try:
            state: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataFileError(f"registry state is not JSON: {exc.msg}", where=str(p)) from None
        return state

    def _save(self, state: dict[str, Any]) -> None:
        _write(self.root / "registry.json", json.dumps(state, indent=2))
        changed()  # assessors in this process look at the registry again on their next order

    def _event(self, state: dict[str, Any], action: str, version: str | None, actor: str) -> None:
        state["history"].append(
            {
                "at": datetime.now(UTC).isoformat(),
                "action": action,
                "version": version,
                "actor": actor,
            }
        )

    # --- artifacts
    def register(self, model: FraudModel, role: str = "challenger", actor: str = "cli") -> str:
        """Store a trained model; it becomes challenger (or champion if there is none)."""
        text = model.model_text()
        sha = hashlib.sha256(text.encode()).hexdigest()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        version = f"fraud-{stamp}-{sha[:8]}"
        n = 1
        while (self.root / version).exists():  # the same artifact registered twice a second
            n += 1
            version = f"fraud-{stamp}-{sha[:8]}-{n}"
        d = self.root / version
        card = {**model.card, "version": version, "sha256": sha}
        _write(d / "model.txt", text)
        _write(
            d / "model.json",
            json.dumps(
                {
                    "features": model.features,
                    "calib_x": model.calib_x,
                    "calib_y": model.calib_y,
                    "threshold": model.threshold,
                }
            ),
        )
        _write(d / "card.json", json.dumps(card, indent=2, default=str))
        model.card = card
        state = self._state()
        if state["champion"] is None or role == "champion":
            state["champion"] = version
            self._event(state, "register_champion", version, actor)
        else:
            state["challenger"] = version
            self._event(state, "register_challenger", version, actor)
        self._save(state)
        return version

    def card(self, version: str) -> dict[str, Any]:
        p = self.root / self.resolve(version) / "card.json"
        if not p.is_file():
            raise NotFound(f"no model {version!r}", where=str(self.root))
        try:
            card: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataFileError(f"model card is not JSON: {exc.msg}", where=str(p)) from None
        return card

    def resolve(self, version: str) -> str:
        if version in ("champion", "challenger"):
            v = self._state().get(version)
            if not v:
                raise NotFound(f"no {version} model registered", where=str(self.root))
            return str(v)
        return version

    def load(self, version: str = "champion") -> FraudModel:
        v = self.resolve(version)
        d = self.root / v
        card = self.card(v)
        mp = d / "model.txt"
        try:
            text = mp.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFileError(f"cannot read model file: {exc}", where=str(mp)) from None
        if hashlib.sha256(text.encode()).hexdigest() != card.get("sha256"):
            raise DataFileError(
                "model file does not match the SHA-256 in its card (corrupt or changed)",
                where=str(mp),
            )
        try:
            booster = lgb.Booster(model_str=text)
            meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
        except (lgb.basic.LightGBMError, json.JSONDecodeError, OSError) as exc:
            raise DataFileError(f"cannot load model: {exc}", where=str(d)) from None
        from borderline.fraud.training import FraudModel

        return FraudModel(
            booster=booster,
            features=list(meta["features"]),
            calib_x=list(meta["calib_x"]),
            calib_y=list(meta["calib_y"]),
            threshold=float(meta["threshold"]),
            card=card,
        )

    def list(self) -> dict[str, Any]:
        state = self._state()
        models = []
        if self.root.is_dir():
            for d in sorted(self.root.iterdir()):
                if (d / "card.json").is_file():
                    c = self.card(d.name)
                    models.append(
                        {
                            "version": d.name,
                            "created_at": c.get("created_at"),
                            "role": (
                                "champion"
                                if d.name == state["champion"]
                                else "challenger"
                                if d.name == state["challenger"]
                                else None
                            ),
                            "metrics": c.get("metrics", {}),
                            "threshold": c.get("threshold", {}).get("value"),
                        }
                    )
        return {
            "champion": state["champion"],
            "challenger": state["challenger"],
            "models": models,
            "history": state["history"],
        }

    def promote(self, version: str = "challenger", actor: str = "cli") -> str:
        """Make ``version`` champion after checking it loads; the old champion is kept for
        rollback. A corrupt model is refused and nothing changes."""
        v = self.resolve(version)
        self.load(v)  # raises on a corrupt file: the champion stays
        state = self._state()
        if state["champion"] == v:
            raise Conflict(f"{v} is already champion", where="version")
        state["previous"] = (
            [*state.get("previous", []), state["champion"]]
            if state["champion"]
            else state.get("previous", [])
        )
        state["champion"] = v
        if state.get("challenger") == v:
            state["challenger"] = None
        self._event(state, "promote", v, actor)
        self._save(state)
        return v

    def rollback(self, actor: str = "cli") -> str:
        """Put the previous champion back in service (checked to load first)."""
        state = self._state()
        previous = list(state.get("previous", []))
        if not previous:
            raise NotFound("no earlier champion to roll back to", where=str(self.root))
        back = previous.pop()
        self.load(back)
        state["challenger"] = state["champion"]
        state["champion"] = back
        state["previous"] = previous
        self._event(state, "rollback", back, actor)
        self._save(state)
        return str(back)
