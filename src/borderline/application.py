"""The application: builds the storage, the ledger, the engine and each concept's service, and
hands every one the narrow things it needs. No business logic lives here.

Adapters (API, CLI, web, batch) hold one :class:`Application` (also importable as
``borderline.service.Services``). Domains never import it: they receive a session factory and a
ledger appender (``borderline.store.ports``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from borderline import gctune
from borderline.auth import KeyCache
from borderline.decisions import (
    BacktestReport,
    BatchItem,
    DecisionRecorder,
    Labels,
    PolicyVersions,
    decision_record_by_id,
    label_record,
    policy_activate_record,
    policy_draft_record,
)
from borderline.engine import Engine
from borderline.ledger import Ledger, load_or_create_key
from borderline.ledger.tables import register_core_coverage
from borderline.lists import ListCache, ListEntries, list_add_record, list_remove_record
from borderline.model import Decision, Order
from borderline.policy import CompiledPolicy
from borderline.settings import Settings
from borderline.store import make_engine, migrate, session_factory
from borderline.store.models import PolicyRow

if TYPE_CHECKING:  # imported when first used: the register is not needed to decide orders
    from borderline.assessment import RegisterService


class Application:
    """One running Borderline: database, ledger, engine, and the services built on them."""

    LABEL_KINDS = Labels.LABEL_KINDS

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.db = make_engine(settings.url)
        self.sessions = session_factory(self.db)
        key_path = Path(settings.ledger_key_file or settings.data_dir / "ledger-key.pem")
        self.ledger = Ledger(
            settings.ledger_origin,
            load_or_create_key(key_path),
            checkpoint_every=settings.ledger_checkpoint_every,
            checkpoint_seconds=settings.ledger_checkpoint_seconds,
        )
        self.lists = ListCache(self.sessions)
        self.api_keys = KeyCache(settings.key_cache_seconds)
        self._configure_domains(settings)
        self._configured = engine is None  # built from the stored engine configuration
        self._config_extras: dict[str, Any] = {}
        if engine is None:
            engine = self._build_engine()
        self.policies = PolicyVersions(
            self.sessions, self.ledger, engine, self.lists, settings.policy_file or None
        )
        self.list_admin = ListEntries(self.sessions, self.ledger, self.lists)
        self.labels = Labels(
            self.sessions,
            self.ledger,
            [ep.load() for ep in entry_points(group="borderline.labelled")],
        )
        self.decisions = DecisionRecorder(
            self.sessions,
            self.ledger,
            self.lists,
            self.policies.engine_for,
            max_batch=settings.max_batch,
            # the seller's profile of the engine configuration, then the domains' helpers
            context_providers=[
                self._seller_profile,
                *(ep.load() for ep in entry_points(group="borderline.context")),
            ],
            recorded_hooks=[ep.load() for ep in entry_points(group="borderline.recorded")],
        )
        self.ledger.register_resolver("decision", decision_record_by_id)
        self.ledger.register_resolver("policy.draft", policy_draft_record)
        self.ledger.register_resolver("policy.activate", policy_activate_record)
        self.ledger.register_resolver("list.add", list_add_record)
        self.ledger.register_resolver("list.remove", list_remove_record)
        self.ledger.register_resolver("label", label_record)
        register_core_coverage(self.ledger)
        # Domains add resolvers for their own entry kinds through an entry-point group, so
        # `ledger verify` re-checks case dispositions, acceptances, whitelists… too.
        for ep in entry_points(group="borderline.ledger"):
            ep.load()(self.ledger)

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        engine: Engine | None = None,
        run_migrations: bool = True,
    ) -> Application:
        settings = settings or Settings()
        gctune.tune()  # a process that decides orders (``borderline.gctune``)
        if run_migrations:
            migrate(settings.url, state_dir=settings.data_dir)
        app = cls(settings, engine)
        app.policies.ensure_policy()
        if settings.assessor_config:
            from borderline import assessor_config

            assessor_config.ensure_config(app, settings.assessor_config)
            app.reload_engine()
        return app

    @staticmethod
    def _configure_domains(settings: Settings) -> None:
        """Hand the domains the settings they read: the trade domain's HS backend (which
        classifier, where its cache lives), screening's data dir (imported lists, the index)."""
        from borderline.screening import use_data_dir
        from borderline.trade import HSBackendConfig, configure

        configure(HSBackendConfig(settings.embedding_model, settings.embedding_cache_dir))
        use_data_dir(settings.data_dir)

    # -- the engine configuration (``borderline.assessor_config``) ---------------------------

    def _build_engine(self) -> Engine:
        """Assessors from the active engine configuration (``borderline config``)."""
        from borderline import assessor_config
        from borderline.engine_config import EngineConfig, build_assessors

        names = [n.strip() for n in self.settings.assessors.split(",") if n.strip()]
        try:
            version, config = assessor_config.active_config(self)
        except Exception:
            version, config = None, EngineConfig()
        engine = Engine(build_assessors(config, names or None, data_dir=self.settings.data_dir))
        engine.config_version = f"{assessor_config.CONFIG_NAME}@{version}" if version else None
        self._config_extras = config.extras() if version else {}
        return engine

    def reload_engine(self) -> None:
        """Rebuild the assessors after a configuration change (the next order uses them)."""
        if self._configured:
            self.policies.replace_engine(self._build_engine())

    def _seller_profile(self, _session: Session) -> dict[str, Any]:
        return dict(self._config_extras)

    def close(self) -> None:
        self.db.dispose()

    def register(self) -> RegisterService:
        """The risk register, with the rating matrices found in the data folder now."""
        from borderline.assessment import RegisterService, load_matrices

        book = load_matrices(self.settings.data_dir / "matrices")
        return RegisterService(self.sessions, self.ledger, book)

    # -- the operations adapters call, each handed to the service of its concept ---------------
    # Kept as methods so adapters (and branches written against the former ``Services``) call
    # ``services.assess(...)`` unchanged; each is one line of delegation.

    @property
    def signals(self) -> dict[str, str]:
        return self.policies.signals

    def ensure_policy(self) -> None:
        self.policies.ensure_policy()

    def active_policy(self, session: Session) -> PolicyRow:
        return self.policies.active_policy(session)

    def engine_for(self, session: Session) -> Engine:
        return self.policies.engine_for(session)

    def assess(self, payload: Mapping[str, Any] | Order) -> tuple[Decision, bool]:
        return self.decisions.assess(payload)

    def start_assess_many(
        self, orders: Sequence[Order]
    ) -> list[tuple[Decision, bool] | Future[tuple[Decision, bool]] | BaseException]:
        return self.decisions.start_many(orders)

    def assess_batch(self, payloads: Sequence[Any]) -> list[BatchItem]:
        return self.decisions.assess_batch(payloads)

    def reads_recorded(self) -> bool:
        """Whether a decision may read other customers' recorded orders (a fraud model in
        service reads shared cards and devices): what may run apart and what may not."""
        return self.decisions.reads_recorded()

    def get_decision(self, ident: str) -> Decision:
        return self.decisions.get_decision(ident)

    def get_order(self, order_id: str) -> dict[str, Any]:
        return self.decisions.get_order(order_id)

    def list_decisions(
        self, *, outcome: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        return self.decisions.list_decisions(outcome=outcome, limit=limit, offset=offset)

    def add_list_entry(
        self,
        *,
        list_name: str,
        kind: str,
        value: str,
        action: str,
        reason: str | None,
        actor: str,
        expires_at: datetime | None = None,
    ) -> dict[str, Any]:
        return self.list_admin.add(
            list_name=list_name,
            kind=kind,
            value=value,
            action=action,
            reason=reason,
            actor=actor,
            expires_at=expires_at,
        )

    def remove_list_entry(self, entry_id: int, actor: str) -> None:
        self.list_admin.remove(entry_id, actor)

    def list_entries(self, list_name: str | None = None) -> list[dict[str, Any]]:
        return self.list_admin.entries(list_name)

    def check_policy(self, source: str) -> CompiledPolicy:
        return self.policies.check(source)

    def create_policy(self, source: str, author: str, comment: str | None = None) -> dict[str, Any]:
        return self.policies.create(source, author, comment)

    def get_policy(self, version: int | None = None) -> dict[str, Any]:
        return self.policies.get(version)

    def list_policies(self) -> list[dict[str, Any]]:
        return self.policies.list()

    def backtest(
        self,
        version: int,
        *,
        limit: int = 100_000,
        sample_changes: int = 200,
        actor: str = "system",
    ) -> BacktestReport:
        return self.policies.backtest(
            version, limit=limit, sample_changes=sample_changes, actor=actor
        )

    def activate_policy(
        self, version: int, actor: str, *, acting_for: Sequence[str] = ()
    ) -> dict[str, Any]:
        return self.policies.activate(version, actor, acting_for=acting_for)

    def add_labels(
        self, labels: Iterable[Mapping[str, Any]], actor: str, session: Session | None = None
    ) -> list[dict[str, Any]]:
        return self.labels.add_labels(labels, actor, session)

    def add_labels_each(
        self, labels: Sequence[Mapping[str, Any]], actor: str
    ) -> list[dict[str, Any]]:
        return self.labels.add_each(labels, actor)
