"""The store: one database (SQLite file or PostgreSQL) plus one evidence folder, schema-checked on open."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import Session, create_engine

from compliance.core.errors import SchemaVersionError, StoreMissingError, ValidationError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The migration chain, oldest first. Every command checks the store's revision against it, so it is
# kept here rather than parsed from the migration scripts at each start (Alembic is imported only by
# `init`); tests/db/test_store.py proves it equals the scripts' chain.
REVISIONS = ("0001_incident_register", "0002_evidence_custody", "0003_notifications", "0006_verdicts",
             "0008_postmortem_input", "0009_regimes", "0010_ledger", "0011_settings_ledger")


def alembic_config():
    """Returns an Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def get_head_revision() -> str:
    """Returns the newest schema revision this code knows."""
    return REVISIONS[-1]


def get_known_revisions() -> set[str]:
    """Returns every schema revision this code knows."""
    return set(REVISIONS)


@dataclass
class Store:
    """An opened store: the engine, the evidence folder, and sessions on them."""

    url: str
    engine: Engine
    evidence_dir: Path
    settings_cache: dict = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        """Returns 'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """Returns the URL with any password hidden."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def blobs_dir(self) -> Path:
        """Returns the folder holding content-addressed evidence blobs."""
        return self.evidence_dir / "blobs"

    @contextlib.contextmanager
    def session(self, *, immediate: bool = False) -> Iterator[Session]:
        """Yields a session that commits on success and rolls back on error.

        immediate=True is for writes: it takes the write lock before the first read (SQLite BEGIN
        IMMEDIATE, retried within a bounded time while busy, see db.retry), so no write ever fails
        upgrading a read snapshot; on PostgreSQL writers lock the rows they change (FOR UPDATE) or
        serialise with `serialize()`.
        """
        engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if immediate else self.engine
        with Session(engine, expire_on_commit=False) as session:
            try:
                if immediate and self.dialect == "sqlite":
                    _begin_write(session)
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        """Releases the connection pool."""
        self.engine.dispose()


def _begin_write(session: Session) -> None:
    """Starts the session's write transaction now, retrying a busy store within the retry budget."""
    from compliance.db.retry import RETRY_ATTEMPTS, RETRY_BUDGET_SECONDS, backoff, is_busy

    deadline = time.monotonic() + RETRY_BUDGET_SECONDS
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            session.connection()
            return
        except OperationalError as exc:
            session.rollback()
            if attempt == RETRY_ATTEMPTS or not is_busy(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(backoff(attempt))


def serialize(session: Session, name: str) -> None:
    """Serialises writers on `name` for the rest of the transaction (advisory lock on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def _parse_url(url: str):
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise ValidationError("is not a SQLAlchemy database URL (e.g. sqlite:///compliance.db or "
                              "postgresql://user@host/db)", field="--db") from None


def _sqlite_path(url: str) -> Path | None:
    parsed = _parse_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise ValidationError("in-memory SQLite cannot hold a store; give a file path", field="--db")
    return Path(parsed.database)


def _make_engine(url: str) -> Engine:
    parsed = _parse_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.drivername.startswith("sqlite"):
            engine = create_engine(parsed, connect_args={"timeout": 30})
            _configure_sqlite(engine)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError, ArgumentError, ValueError, TypeError) as exc:
        raise ValidationError(f"unsupported database URL {parsed.drivername!r} ({exc})", field="--db") from None
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised through every test
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised through every test
        mode = conn.get_execution_options().get("sqlite_begin")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def _display(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparsable URL>"


def _current_revision(engine: Engine) -> str | None:
    """Returns the store's schema revision in one query (the catalogue is asked only when that query fails)."""
    with engine.connect() as conn:
        try:
            rows = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
        except DBAPIError:
            conn.rollback()
            if inspect(conn).has_table("alembic_version"):
                raise
            return None
    if len(rows) > 1:
        raise SchemaVersionError(f"store has several schema heads ({', '.join(sorted(rows))}); it was not made by compliance")
    return rows[0] if rows else None


EVIDENCE_DIR_KEY = "store.evidence_dir"


def _recorded_evidence_dir(engine: Engine) -> str | None:
    """The evidence folder `init` recorded for this store (None for a store made before it was recorded)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT value FROM setting WHERE key = :key"), {"key": EVIDENCE_DIR_KEY}).first()
    if row is None:
        return None
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return value.get("path") if isinstance(value, dict) else None


def _record_evidence_dir(engine: Engine, path: Path) -> None:
    from compliance.db.settings import set_setting

    with Session(engine) as session:
        set_setting(session=session, key=EVIDENCE_DIR_KEY, value={"path": str(path)})
        session.commit()


def _check_evidence_dir(engine: Engine, url: str, path: Path) -> None:
    recorded = _recorded_evidence_dir(engine)
    if recorded is not None and Path(recorded) != path:
        raise ValidationError(
            f"{path} is not the evidence folder of the store at {_display(url)} (it is {recorded}); give that folder, "
            f"or run 'compliance init --evidence-dir {path}' to move the store's evidence there", field="--evidence-dir")


def _prepare_evidence_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    blobs = path / "blobs"
    blobs.mkdir(mode=0o700, exist_ok=True)
    os.chmod(blobs, 0o700)


def _prepare_sqlite_file(path: Path) -> None:
    if path.parent and not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def init_store(*, url: str, evidence_dir: str | os.PathLike) -> tuple[Store, str | None, str]:
    """Creates or upgrades the store to the newest schema; returns (store, old revision, new revision)."""
    from alembic import command

    sqlite_path = _sqlite_path(url)
    engine = _make_engine(url)
    old = _current_revision(engine) if sqlite_path is None or sqlite_path.exists() else None
    if old is not None and old not in get_known_revisions():
        engine.dispose()
        raise SchemaVersionError(
            f"store at {_display(url)} has schema {old}, newer than this version of compliance "
            f"understands (newest known: {get_head_revision()}): upgrade compliance"
        )
    if sqlite_path is not None:
        _prepare_sqlite_file(sqlite_path)
    _prepare_evidence_dir(Path(evidence_dir))
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    if sqlite_path is not None:
        for suffix in ("-wal", "-shm"):
            side = Path(f"{sqlite_path}{suffix}")
            if side.exists():
                os.chmod(side, 0o600)
    _record_evidence_dir(engine, Path(evidence_dir).resolve())
    store = Store(url=url, engine=engine, evidence_dir=Path(evidence_dir))
    return store, old, get_head_revision()


def open_store(*, url: str, evidence_dir: str | os.PathLike) -> Store:
    """Opens an existing store, refusing a missing one or one whose schema does not match the code."""
    sqlite_path = _sqlite_path(url)
    if sqlite_path is not None and not sqlite_path.exists():
        raise StoreMissingError(f"no store at {_display(url)}: run 'compliance init'")
    engine = _make_engine(url)
    try:
        current = _current_revision(engine)
    except Exception:
        engine.dispose()
        raise
    head = get_head_revision()
    if current is None:
        engine.dispose()
        raise StoreMissingError(f"no store at {_display(url)}: run 'compliance init'")
    if current not in get_known_revisions():
        engine.dispose()
        raise SchemaVersionError(
            f"store at {_display(url)} has schema {current}, newer than this version of compliance "
            f"understands (newest known: {head}): upgrade compliance"
        )
    if current != head:
        engine.dispose()
        raise SchemaVersionError(
            f"store at {_display(url)} has schema {current}, this version needs {head}: run 'compliance init' to upgrade"
        )
    try:
        _check_evidence_dir(engine, url, Path(evidence_dir).resolve())
    except Exception:
        engine.dispose()
        raise
    return Store(url=url, engine=engine, evidence_dir=Path(evidence_dir))
