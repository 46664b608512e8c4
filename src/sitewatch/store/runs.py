"""What monitoring runs keep in the store: chips and pairs done (or failed, with their
tries), per-site imagery subscriptions, webhooks and alert deliveries, and named locks.

:class:`RunRecords` is mixed into :class:`sitewatch.store.db.Store`; each method is one
transaction, so a run killed at any point leaves either the whole of a chip (its row and
its per-date observations) or none of it, and the same for a pair.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Delete, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sitewatch.activity.alerts import Alert
from sitewatch.activity.figures import Observation
from sitewatch.errors import (
    SiteNotFoundError,
    StoreError,
    SubscriptionNotFoundError,
    WebhookNotFoundError,
)
from sitewatch.store.models import (
    AlertRow,
    ChangeObjectRow,
    ChipRow,
    DeliveryRow,
    DetectionRow,
    LockRow,
    ObservationRow,
    PairRow,
    SiteRow,
    SubscriptionRow,
    WebhookRow,
)
from sitewatch.times import iso_utc

OK = "ok"
FAILED = "failed"
PENDING = "pending"
DELIVERED = "delivered"


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ChipRecord:
    """A chip done (``ok``: its COG path relative to the workspace, its detections) or
    failed (the reason and how many tries so far)."""

    site_id: str
    scene_id: str
    status: str
    path: str = ""
    reason: str = ""
    tries: int = 0
    detections: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Outline:
    """A detection (``kind`` its class, with its ``score`` and ``vehicle_kind``) or a
    change object (``kind`` its change type, with its area and pixel count), outlined on
    the ground: WKT in lon/lat."""

    kind: str
    wkt: str
    score: float = 0.0
    area_m2: float | None = None
    pixels: int = 0
    vehicle_kind: str = ""


@dataclass(frozen=True)
class PairRecord:
    """Change between two consecutive chips: the mask COG path and what made it."""

    site_id: str
    before_id: str
    after_id: str
    status: str
    mask_path: str = ""
    reason: str = ""
    tries: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Subscription:
    """An imagery source watched for a site."""

    id: int
    site_id: str
    source: str
    collection: str = ""
    band_names: tuple[str, ...] = ()
    max_cloud: float | None = None
    checked_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "source": self.source,
            "collection": self.collection or None,
            "band_names": list(self.band_names) or None,
            "max_cloud": self.max_cloud,
            "checked_at": iso_utc(self.checked_at) if self.checked_at else None,
        }


@dataclass(frozen=True)
class Delivery:
    """A pending delivery of one alert to one webhook."""

    id: int
    alert: Alert
    url: str
    tries: int


#: How long a process that took a delivery to send keeps others off it (if it dies
#: before recording the answer, another sends it after this).
DELIVERY_LEASE = timedelta(minutes=5)


def serialize(s: Session, name: str) -> None:
    """Hold a lock named ``name`` until session ``s``'s transaction ends: on PostgreSQL a
    transaction-level advisory lock (another transaction asking for it waits); SQLite's
    transactions already take the database's write lock when they begin."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def upsert_observations(s: Session, observations: Iterable[Observation]) -> int:
    """Insert or replace observations (keyed by site, zone, figure, scene, reference
    scene) in session ``s``."""
    n = 0
    for ob in observations:
        existing = s.scalars(
            select(ObservationRow).where(
                ObservationRow.site_id == ob.site_id,
                ObservationRow.zone == ob.zone,
                ObservationRow.figure == ob.figure,
                ObservationRow.scene_id == ob.scene_id,
                ObservationRow.ref_scene_id == ob.ref_scene_id,
            )
        ).one_or_none()
        row = existing or ObservationRow(
            site_id=ob.site_id,
            zone=ob.zone,
            figure=ob.figure,
            scene_id=ob.scene_id,
            ref_scene_id=ob.ref_scene_id,
        )
        row.value = ob.value
        row.unit = ob.unit
        row.time = ob.time
        row.method = ob.method
        row.evidence = ob.evidence
        row.created_at = now_utc()
        s.add(row)
        n += 1
    try:
        s.flush()
    except IntegrityError as exc:
        raise StoreError(
            f"observation refers to an unknown site or scene ({exc.orig}); ingest first"
        ) from None
    return n


def row_to_alert(r: AlertRow) -> Alert:
    return Alert(
        id=r.id,
        site_id=r.site_id,
        zone=r.zone,
        figure=r.figure,
        severity=r.severity,
        start=r.start_time,
        end=r.end_time,
        message=r.message,
        evidence=dict(r.evidence or {}),
        acknowledged=r.acknowledged,
        acknowledged_at=r.acknowledged_at,
    )


def _pair_objects(statement: Delete, site_id: str, before_id: str, after_id: str) -> Delete:
    """``statement`` limited to the change objects of one pair."""
    return statement.where(
        ChangeObjectRow.site_id == site_id,
        ChangeObjectRow.before_id == before_id,
        ChangeObjectRow.after_id == after_id,
    )


def _find_pair(s: Session, site_id: str, before_id: str, after_id: str) -> PairRow | None:
    return s.scalars(
        select(PairRow).where(
            PairRow.site_id == site_id,
            PairRow.before_id == before_id,
            PairRow.after_id == after_id,
        )
    ).one_or_none()


def _chip(r: ChipRow) -> ChipRecord:
    return ChipRecord(r.site_id, r.scene_id, r.status, r.path, r.reason, r.tries, r.detections)


def _pair(r: PairRow) -> PairRecord:
    return PairRecord(
        r.site_id, r.before_id, r.after_id, r.status, r.mask_path, r.reason, r.tries, r.meta
    )


def _subscription(r: SubscriptionRow) -> Subscription:
    return Subscription(
        r.id, r.site_id, r.source, r.collection, tuple(r.band_names), r.max_cloud, r.checked_at
    )


class RunRecords:
    """Store methods for monitoring runs (see the module docstring)."""

    def transaction(self) -> contextlib.AbstractContextManager[Session]:
        raise NotImplementedError  # provided by Store

    # -- chips ---------------------------------------------------------------------------

    def chips(self, site_id: str) -> dict[str, ChipRecord]:
        """The site's chips by scene id."""
        with self.transaction() as s:
            rows = s.scalars(select(ChipRow).where(ChipRow.site_id == site_id))
            return {r.scene_id: _chip(r) for r in rows}

    def record_chip(
        self,
        site_id: str,
        scene_id: str,
        path: str,
        detections: list[dict[str, Any]] | None,
        observations: Sequence[Observation],
        outlines: Sequence[Outline] = (),
    ) -> None:
        """A chip done, with its per-date observations and its detections' ``outlines``
        on the ground, in one transaction."""
        with self.transaction() as s:
            row = self._chip_row(s, site_id, scene_id)
            row.status, row.path, row.reason = OK, path, ""
            row.tries += 1
            row.detections = detections
            row.updated_at = now_utc()
            upsert_observations(s, observations)
            s.execute(
                delete(DetectionRow).where(
                    DetectionRow.site_id == site_id, DetectionRow.scene_id == scene_id
                )
            )
            s.add_all(
                DetectionRow(site_id=site_id, scene_id=scene_id, cls=o.kind, score=o.score,
                             kind=o.vehicle_kind, geom=o.wkt)
                for o in outlines
            )  # fmt: skip

    def record_chip_failure(self, site_id: str, scene_id: str, reason: str) -> int:
        """A chip that could not be made; returns its tries so far."""
        with self.transaction() as s:
            row = self._chip_row(s, site_id, scene_id)
            row.status, row.path, row.reason = FAILED, "", reason
            row.tries += 1
            row.updated_at = now_utc()
            return row.tries

    @staticmethod
    def _chip_row(s: Session, site_id: str, scene_id: str) -> ChipRow:
        row = s.scalars(
            select(ChipRow).where(ChipRow.site_id == site_id, ChipRow.scene_id == scene_id)
        ).one_or_none()
        if row is None:
            row = ChipRow(site_id=site_id, scene_id=scene_id, tries=0, path="", reason="")
            s.add(row)
        return row

    # -- pairs ---------------------------------------------------------------------------

    def pairs(self, site_id: str) -> dict[tuple[str, str], PairRecord]:
        """The site's pairs by (before scene id, after scene id)."""
        with self.transaction() as s:
            rows = s.scalars(select(PairRow).where(PairRow.site_id == site_id))
            return {(r.before_id, r.after_id): _pair(r) for r in rows}

    def record_pair(
        self,
        site_id: str,
        before_id: str,
        after_id: str,
        mask_path: str,
        meta: dict[str, Any],
        observations: Sequence[Observation],
        outlines: Sequence[Outline] = (),
    ) -> None:
        """A pair done, with its observations and its change objects' ``outlines``, in
        one transaction."""
        with self.transaction() as s:
            row = self._pair_row(s, site_id, before_id, after_id)
            row.status, row.mask_path, row.reason, row.meta = OK, mask_path, "", meta
            row.tries += 1
            row.updated_at = now_utc()
            upsert_observations(s, observations)
            s.execute(_pair_objects(delete(ChangeObjectRow), site_id, before_id, after_id))
            s.add_all(
                ChangeObjectRow(site_id=site_id, before_id=before_id, after_id=after_id,
                                change_type=o.kind, area_m2=o.area_m2, pixels=o.pixels,
                                geom=o.wkt)
                for o in outlines
            )  # fmt: skip

    def record_pair_failure(self, site_id: str, before_id: str, after_id: str, reason: str) -> int:
        with self.transaction() as s:
            row = self._pair_row(s, site_id, before_id, after_id)
            row.status, row.mask_path, row.reason = FAILED, "", reason
            row.tries += 1
            row.updated_at = now_utc()
            return row.tries

    def drop_pairs(self, site_id: str, keys: Iterable[tuple[str, str]]) -> int:
        """Forget pairs that are no longer consecutive (a scene arrived between them), with
        their observations."""
        n = 0
        with self.transaction() as s:
            for before_id, after_id in keys:
                s.execute(
                    delete(ObservationRow).where(
                        ObservationRow.site_id == site_id,
                        ObservationRow.scene_id == after_id,
                        ObservationRow.ref_scene_id == before_id,
                    )
                )
                s.execute(_pair_objects(delete(ChangeObjectRow), site_id, before_id, after_id))
                row = _find_pair(s, site_id, before_id, after_id)
                if row is not None:
                    s.delete(row)
                    n += 1
        return n

    @staticmethod
    def _pair_row(s: Session, site_id: str, before_id: str, after_id: str) -> PairRow:
        row = _find_pair(s, site_id, before_id, after_id)
        if row is None:
            row = PairRow(
                site_id=site_id,
                before_id=before_id,
                after_id=after_id,
                tries=0,
                mask_path="",
                reason="",
                meta={},
            )
            s.add(row)
        return row

    # -- subscriptions -------------------------------------------------------------------

    def add_subscription(
        self,
        site_id: str,
        source: str,
        *,
        collection: str = "",
        band_names: Sequence[str] = (),
        max_cloud: float | None = None,
    ) -> Subscription:
        """Watch ``source`` for ``site_id`` (the same source and filters twice is one)."""
        with self.transaction() as s:
            if s.get(SiteRow, site_id) is None:
                raise SiteNotFoundError(f"no site {site_id!r} in the watchlist")
            for row in s.scalars(select(SubscriptionRow).where(SubscriptionRow.site_id == site_id)):
                same = (row.source, row.collection, list(row.band_names), row.max_cloud)
                if same == (source, collection, list(band_names), max_cloud):
                    return _subscription(row)
            row = SubscriptionRow(
                site_id=site_id,
                source=source,
                collection=collection,
                band_names=list(band_names),
                max_cloud=max_cloud,
                created_at=now_utc(),
            )
            s.add(row)
            s.flush()
            return _subscription(row)

    def list_subscriptions(self, site_id: str | None = None) -> list[Subscription]:
        with self.transaction() as s:
            query = select(SubscriptionRow).order_by(SubscriptionRow.id)
            if site_id is not None:
                query = query.where(SubscriptionRow.site_id == site_id)
            return [_subscription(r) for r in s.scalars(query)]

    def remove_subscription(self, subscription_id: int) -> None:
        with self.transaction() as s:
            row = s.get(SubscriptionRow, subscription_id)
            if row is None:
                raise SubscriptionNotFoundError(
                    f"no subscription {subscription_id}; see `sitewatch sources list`"
                )
            s.delete(row)

    def mark_checked(self, subscription_id: int) -> None:
        with self.transaction() as s:
            row = s.get(SubscriptionRow, subscription_id)
            if row is not None:
                row.checked_at = now_utc()

    # -- webhooks and deliveries ---------------------------------------------------------

    def add_webhook(self, url: str) -> None:
        """Deliver alerts raised from now on to ``url`` (adding it twice is one)."""
        with self.transaction() as s:
            if s.scalars(select(WebhookRow).where(WebhookRow.url == url)).first() is None:
                s.add(WebhookRow(url=url, created_at=now_utc()))

    def list_webhooks(self) -> list[str]:
        with self.transaction() as s:
            return [r.url for r in s.scalars(select(WebhookRow).order_by(WebhookRow.id))]

    def remove_webhook(self, url: str) -> None:
        with self.transaction() as s:
            row = s.scalars(select(WebhookRow).where(WebhookRow.url == url)).first()
            if row is None:
                raise WebhookNotFoundError(f"no webhook {url}; see `sitewatch webhooks list`")
            s.delete(row)

    def queue_deliveries(self, at: datetime | None = None) -> int:
        """A pending delivery (first due ``at``, default now) for every alert raised since
        a webhook was added that has none for it yet; returns how many were queued."""
        n = 0
        due = at or now_utc()
        with self.transaction() as s:
            serialize(s, "queue_deliveries")  # two processes never queue the same one
            hooks = list(s.scalars(select(WebhookRow)))
            for hook in hooks:
                done = select(DeliveryRow.alert_id).where(DeliveryRow.webhook_id == hook.id)
                alerts = s.scalars(
                    select(AlertRow).where(
                        and_(AlertRow.created_at >= hook.created_at, AlertRow.id.not_in(done))
                    )
                )
                for alert in alerts:
                    s.add(
                        DeliveryRow(
                            alert_id=alert.id,
                            webhook_id=hook.id,
                            status=PENDING,
                            tries=0,
                            last_error="",
                            next_attempt=due,
                        )
                    )
                    n += 1
        return n

    def due_deliveries(self, at: datetime | None = None) -> list[Delivery]:
        """Pending deliveries whose next attempt is due at ``at`` (default now), taken for
        this caller to send: each is pushed :data:`DELIVERY_LEASE` into the future in the
        same transaction, so another process asking at the same time gets the others
        (the conditional UPDATE waits for a concurrent one and then finds it not due)."""
        when = at or now_utc()
        with self.transaction() as s:
            rows = s.execute(
                select(DeliveryRow, AlertRow, WebhookRow)
                .join(AlertRow, DeliveryRow.alert_id == AlertRow.id)
                .join(WebhookRow, DeliveryRow.webhook_id == WebhookRow.id)
                .where(DeliveryRow.status == PENDING, DeliveryRow.next_attempt <= when)
                .order_by(DeliveryRow.id)
            ).all()
            taken = []
            for d, a, w in rows:
                claim = s.execute(
                    update(DeliveryRow)
                    .where(
                        DeliveryRow.id == d.id,
                        DeliveryRow.status == PENDING,
                        DeliveryRow.next_attempt <= when,
                    )
                    .values(next_attempt=when + DELIVERY_LEASE)
                    .execution_options(synchronize_session=False)
                )
                if claim.rowcount == 1:  # type: ignore[attr-defined]
                    taken.append(Delivery(d.id, row_to_alert(a), w.url, d.tries))
            return taken

    def next_delivery_due(self) -> datetime | None:
        """When the earliest pending delivery is next due (None: nothing pending)."""
        with self.transaction() as s:
            row = s.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.status == PENDING)
                .order_by(DeliveryRow.next_attempt)
            ).first()
            return None if row is None else row.next_attempt

    def mark_delivered(self, delivery_id: int) -> None:
        with self.transaction() as s:
            row = s.get(DeliveryRow, delivery_id)
            if row is not None:
                row.status, row.delivered_at, row.last_error = DELIVERED, now_utc(), ""
                row.tries += 1

    def mark_delivery_failed(self, delivery_id: int, error: str, retry_at: datetime | None) -> None:
        """One failed attempt: retried at ``retry_at``, or given up when None."""
        with self.transaction() as s:
            row = s.get(DeliveryRow, delivery_id)
            if row is not None:
                row.tries += 1
                row.last_error = error
                if retry_at is None:
                    row.status = FAILED
                else:
                    row.next_attempt = retry_at

    def delivery_counts(self) -> dict[str, int]:
        with self.transaction() as s:
            counts = {PENDING: 0, DELIVERED: 0, FAILED: 0}
            for row in s.scalars(select(DeliveryRow)):
                counts[row.status] = counts.get(row.status, 0) + 1
            return counts

    # -- locks ---------------------------------------------------------------------------

    def acquire_lock(
        self,
        name: str,
        holder: str,
        ttl: timedelta,
        is_gone: Callable[[str], bool] | None = None,
    ) -> bool:
        """Take the lease ``name`` for ``holder`` unless another holder has it unexpired
        (a holder that ``is_gone`` says no longer exists, such as a killed process, loses
        it at once)."""
        try:
            with self.transaction() as s:
                row = s.get(LockRow, name, with_for_update=True)  # a taker waits here
                now = now_utc()
                if row is None:
                    s.add(LockRow(name=name, holder=holder, expires_at=now + ttl))
                elif (
                    row.holder == holder
                    or row.expires_at <= now
                    or (is_gone is not None and is_gone(row.holder))
                ):
                    row.holder, row.expires_at = holder, now + ttl
                else:
                    return False
        except (StoreError, IntegrityError):
            return False  # another process took it first
        return True

    def release_lock(self, name: str, holder: str) -> None:
        with self.transaction() as s:
            s.execute(delete(LockRow).where(LockRow.name == name, LockRow.holder == holder))

    @contextlib.contextmanager
    def lock(
        self,
        name: str,
        holder: str,
        ttl: timedelta,
        is_gone: Callable[[str], bool] | None = None,
    ) -> Iterator[bool]:
        """``with store.lock(...) as held:`` run only when ``held``; released after."""
        held = self.acquire_lock(name, holder, ttl, is_gone)
        try:
            yield held
        finally:
            if held:
                self.release_lock(name, holder)
