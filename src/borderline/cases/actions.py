"""Analyst actions taken from a case or a decision, each one function in one transaction.

The action and the case notes that record it land together or not at all; the web and the API
only call these. (Dispositions, which also become labels, are
:func:`borderline.cases.service.disposition`.)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select

from borderline.cases.service import CaseBackend, add_note_in
from borderline.cases.store import CaseDecisionRow, CaseRow
from borderline.errors import InvalidInput, NotFound
from borderline.lists import add_entry, validate_entry
from borderline.model import Order
from borderline.store import transaction
from borderline.store.models import DecisionRow, OrderRow

CLEARED_LIST = "screening-cleared"


def allow_party(
    services: CaseBackend,
    case_id: str,
    *,
    kind: str,
    value: str,
    reason: str,
    actor: str,
    expires_at: datetime | None = None,
    list_name: str = CLEARED_LIST,
) -> dict[str, Any]:
    """Put a party of the case on an allow list and note it on the case, in one transaction."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why this party is cleared", where="reason")
    list_name = list_name or CLEARED_LIST
    value = validate_entry(list_name, kind, value, "allow", expires_at)
    with transaction(services.sessions) as s:
        entry = add_entry(
            s,
            services.ledger,
            list_name=list_name,
            kind=kind,
            value=value,
            action="allow",
            reason=f"{reason} (case {case_id})",
            actor=actor,
            expires_at=expires_at,
        )
        add_note_in(
            services,
            s,
            case_id,
            f"Allow-listed {entry['kind']} {entry['value']} on {entry['list']}"
            + (f" until {expires_at.date().isoformat()}" if expires_at else "")
            + f": {reason}",
            actor,
        )
    services.lists.invalidate()
    return entry


def clear_hit(
    services: CaseBackend,
    decision_ident: str,
    *,
    party: str,
    list_name: str,
    source_id: str,
    reason: str,
    actor: str,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """Record that a party of a decision's order is not the listed entity (a screening
    whitelist decision), noted on every open case of the decision, in one transaction.

    ``party`` names the party as the hit does (``parties[1](seller)``). Raises ``NotFound`` when
    screening is not installed.
    """
    try:
        from borderline.screening import add_whitelist_in, party_key, refresh_whitelist
    except ImportError:
        raise NotFound("screening whitelists are not available in this installation") from None
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why this match is a false positive", where="reason")
    with transaction(services.sessions) as s:
        row = (
            s.get(DecisionRow, decision_ident)
            or s.scalars(select(DecisionRow).where(DecisionRow.order_id == decision_ident)).first()
        )
        if row is None:
            raise NotFound(f"no decision or order {decision_ident!r}")
        order_row = s.get(OrderRow, row.order_id)
        if order_row is None:
            raise NotFound(f"no order {row.order_id!r}")
        order = Order.model_validate(order_row.payload)
        m = re.match(r"parties\[(\d+)\]", party)
        if m is None or int(m.group(1)) >= len(order.parties):
            raise InvalidInput("the hit does not name a party of this order", where="party")
        who = order.parties[int(m.group(1))]
        if not who.customer_id and who.date_of_birth is None:
            # A decision keyed by a name alone would clear every party of that name.
            raise InvalidInput(
                f"{who.name} has no customer id and no date of birth on this order: "
                f"whitelisting would clear every party named {who.name}. Send customer_id with "
                "orders, or close this case as a false positive for this order only",
                where="party",
            )
        dob = who.date_of_birth.isoformat() if who.date_of_birth else None
        entry = add_whitelist_in(
            s,
            services.ledger,
            party_key=party_key(who.name, customer_id=who.customer_id, dob=dob),
            list_name=list_name,
            source_id=source_id,
            reason=reason,
            actor=actor,
            expires_at=expires_at,
        )
        open_cases = s.scalars(
            select(CaseRow.id)
            .join(CaseDecisionRow, CaseDecisionRow.case_id == CaseRow.id)
            .where(CaseDecisionRow.decision_id == row.id, CaseRow.status == "open")
        ).all()
        for case_id in open_cases:
            add_note_in(
                services,
                s,
                case_id,
                f"Whitelisted {who.name} against {list_name} {source_id}"
                + (f" until {expires_at.date().isoformat()}" if expires_at else "")
                + f": {reason} (decision {entry.get('id', '')})",
                actor,
            )
    refresh_whitelist(services)
    return entry
