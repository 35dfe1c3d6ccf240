"""The one redaction policy of every public output (post-mortem export, public audit pack, later exports).

The written rule (README "Public outputs" says the same):

PUBLIC-1  A restricted incident is refused in any public output unless the caller passes an explicit
          `include_restricted` (the CLI's `--include-restricted`); the refusal is one line naming the incident.
PUBLIC-2  In every free text (titles, summaries, timeline text, action descriptions, custody notes, root cause,
          lessons, findings…) the names of the store's people, @handles, e-mail addresses and phone numbers
          (international and national formats) become the person's role where the store knows it, else
          "[redacted]". An e-mail address or handle is replaced whole, never in part.
PUBLIC-3  Person fields (actor, owner, collected_by, reviewer, custody holders, recorded_by, decided_by…) show
          the role carried beside them (`<field>_role`), else the role the store knows, else "[redacted]".
          A value that is itself a role or an organisation ("on-call SRE", "Forensics Ltd") is kept.
PUBLIC-4  Root cause and lessons are kept, as text after redaction: the why-chain and the lessons are the
          substance of an incident report and are written blameless. Cancelled actions are omitted.
          Diagnostics, contributing-factor lists, the analyses, the reviewer and review findings stay internal
          in the post-mortem export (the pack shows findings and reviewer after redaction, as an auditor needs).
PUBLIC-5  Text placed in Markdown or HTML is HTML-escaped (`escape_html`).

Who counts as a person: every value of a person column in the store (`get_known_people`) that does not look
like a role or an organisation (`looks_like_role`). Full names and logins are matched case-insensitively and
with their ASCII-folded spelling ("Zoe Angstrom"), login spellings ("dana.ruiz", "dana_ruiz") and the spaced
spelling of a login; single name parts ("Dana") are matched when capitalised. Phone numbers need a leading +,
an area code in brackets, or 10–13 digits in separated groups, so dates, times, versions, IP addresses and
counts ("4,100", "203.0.113.7", "v2.31.0", "2026-03-01 10:45") are left alone.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import column, select, table, union
from sqlalchemy.orm import Session

from compliance.core.errors import ValidationError

REDACTED = "[redacted]"
ROLES_SETTING = "redaction.roles"

# Columns of the store that hold people (table, column); read without importing the domain models.
PERSON_COLUMNS = (
    ("timeline_entry", "actor"), ("action_item", "owner"), ("evidence", "collected_by"),
    ("custody_event", "actor"), ("custody_event", "from_holder"), ("custody_event", "to_holder"),
    ("custody_event", "db_role"), ("postmortem", "reviewer"), ("notification", "recorded_by"),
    ("notification_waiver", "decided_by"), ("incident_change", "changed_by"), ("action_item", "verified_by"),
    ("incident_declaration", "decided_by"), ("breach_assessment", "decided_by"), ("dora_classification", "decided_by"),
    ("programme_evidence", "approved_by"), ("programme_evidence", "recorded_by"),
)
# Keys of documents and fields of the pack model that name a person.
PERSON_FIELDS = frozenset(column_name for _, column_name in PERSON_COLUMNS) | {"holder"}
# Keys whose string values are identifiers, hashes, enumerations or instants: never rewritten.
KEEP_FIELDS = frozenset({
    "ref", "incident", "incident_ref", "evidence_ref", "sha256", "entry_hash", "event_hash", "prev_hash", "head_hash",
    "chain_head", "status", "kind", "action", "severity", "priority", "regime", "stage", "code", "category", "number",
    "seq", "at", "due", "currency", "framework_id", "requirement_id", "id", "signer", "original_time",
})
ACTION_LIST_FIELDS = frozenset({"actions", "action_items"})

# A value containing one of these words is a role, a system or an organisation, not a person.
ROLE_WORDS = frozenset("""
    team lead leads commander on-call oncall officer board counsel engineer engineers analyst sre dpo ciso cto ceo
    cfo coo manager responder support legal security operations ops firm ltd llc inc gmbh ag plc sa bv vendor
    provider customer customers regulator authority owner reviewer administrator developer contractor auditor
    forensics desk service platform department group committee director head system tooling pipeline job bot
    monitoring scanner attacker alerting automation ci deploy privacy communications comms incident duty rotation
    dfir soc noc helpdesk staff users user partner unit office agency police cert csirt
""".split())
# Store values that are never names of people, whatever their shape.
NOT_NAMES = frozenset({"root", "admin", "postgres", "import", "unknown", "demo", "test", "nobody", "none", "null",
                       "n/a", "system", "compliance", "sqlite", "anonymous", "unassigned"})

_EMAIL = r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_HANDLE = r"(?<![\w@])@\w(?:[\w-]*\w)?(?:\.\w(?:[\w-]*\w)?)*"
_PHONE = (r"(?<![\w.+/:-])(?:"
          r"\+\d{1,3}(?:[ .\-\u00a0]?(?:\(\d{1,4}\)|\d{1,5})){1,6}"        # +44 20 7946 0958, +1-555-123-4567
          r"|\(\d{2,5}\)[ .\-\u00a0]?\d{2,5}(?:[ .\-\u00a0]?\d{2,5}){1,2}"  # (555) 123-4567
          r"|\d{2,5}(?:[ .\-\u00a0]\d{2,5}){1,4}"                          # 555-123-4567, 020 7946 0958
          r")(?![\w(]|[.:/-]\d)")
_PHONE_TAIL = re.compile(r"[\w(]|[.:/-]\d")
_LAST_GROUP = re.compile(r"[ .\-\u00a0]?(?:\(\d+\)|\d+)$")
_PHONE_RE = re.compile(_PHONE)
_EMAIL_RE = re.compile(_EMAIL)
_NAME_SPLIT = re.compile(r"[\s._-]+")
_ISO_DATE = re.compile(r"(?<!\d)\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d)")


def _fold(text: str) -> str:
    """ASCII-folds and case-folds: 'Zoë Ångström' → 'zoe angstrom'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _key(text: str) -> str:
    return " ".join(_NAME_SPLIT.split(_fold(text).strip(" @")))


def looks_like_role(value: str) -> bool:
    """Whether a person-column value is a role, a system or an organisation rather than a person."""
    words = {w for w in re.split(r"[^\w-]+|(?<=\w)-(?=\w)", _fold(value)) if w}
    hyphenated = set(re.findall(r"\w+-\w+", _fold(value)))
    return bool((words | hyphenated) & ROLE_WORDS)


def _is_phone(match: str) -> bool:
    digits = sum(c.isdigit() for c in match)
    if _ISO_DATE.search(match):
        return False  # a calendar date among the groups: "10 2026-03-01" is a count and a date
    if match.startswith("+"):
        return 8 <= digits <= 15
    if match.startswith("("):
        return 9 <= digits <= 15
    if "." in match and not re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", match):
        return False  # versions and IP addresses; only 555.123.4567 is a dotted phone number
    return 10 <= digits <= 13


def _phone_at(text: str, match: re.Match) -> int | None:
    """Returns the end of the longest phone number the match starts with (dropping trailing groups), or None."""
    candidate = match.group(0)
    while candidate:
        end = match.start() + len(candidate)
        if _is_phone(candidate) and not _PHONE_TAIL.match(text, end):
            return end
        shorter = _LAST_GROUP.sub("", candidate)
        if shorter == candidate:
            return None
        candidate = shorter
    return None


def _redact_phones(text: str) -> str:
    out, pos = [], 0
    while (match := _PHONE_RE.search(text, pos)) is not None:
        end = _phone_at(text, match)
        if end is not None:
            out.append(text[pos:match.start()] + REDACTED)
            pos = end
        else:  # a date or a version: look again from the next character (a phone may start inside it)
            out.append(text[pos:match.start() + 1])
            pos = match.start() + 1
    out.append(text[pos:])
    return "".join(out)


class RedactionPolicy:
    """Replaces people, handles, e-mail addresses and phone numbers with roles or "[redacted]" (see PUBLIC-1..5)."""

    def __init__(self, people: Iterable[str] = (), roles: Mapping[str, str] | None = None) -> None:
        roles = {_key(name): role for name, role in (roles or {}).items() if role}
        self.persons = sorted({p.strip() for p in people if self.is_person(p)})
        self._role_of: dict[str, str | None] = {}
        parts: dict[str, set[str | None]] = {}
        full_forms: set[str] = set()
        part_forms: set[str] = set()
        for person in self.persons:
            role = roles.get(_key(person))
            tokens = [t for t in _NAME_SPLIT.split(person.strip(" @")) if t]
            spellings = {person.strip(" @"), " ".join(tokens), ".".join(tokens), "_".join(tokens), "-".join(tokens)}
            if len(tokens) > 1:
                spellings.add("".join(tokens))
            for spelling in spellings | {_fold(s) for s in spellings}:
                if len(spelling) >= 2:
                    full_forms.add(spelling)
                    self._role_of[_key(spelling)] = role
            for token in tokens if len(tokens) > 1 else []:
                if len(token) >= 3 and token.isalpha() and token.casefold() not in ROLE_WORDS | NOT_NAMES:
                    for form in {token[0].upper() + token[1:], _fold(token).capitalize()}:
                        part_forms.add(form)
                        parts.setdefault(form, set()).add(role)
        self._part_role = {form: (next(iter(r)) if len(r) == 1 else None) for form, r in parts.items()}
        names = sorted(full_forms, key=len, reverse=True)
        alternatives = [rf"(?P<handle>{_HANDLE})"]
        if names:
            body = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in names)
            alternatives.append(rf"(?P<name>(?<!\w)(?i:{body})(?!\w))")
        if part_forms:
            body = "|".join(map(re.escape, sorted(part_forms, key=len, reverse=True)))
            alternatives.append(rf"(?P<part>(?<!\w)(?:{body})(?!\w))")
        self._pattern = re.compile("|".join(alternatives))

    @staticmethod
    def is_person(value: str | None) -> bool:
        """Whether a stored value names a person (not empty, not a role or organisation, not a system login)."""
        if not value or not value.strip(" @") or len(value.strip(" @")) < 2:
            return False
        return _fold(value.strip(" @")) not in NOT_NAMES and not looks_like_role(value)

    def _role(self, text: str) -> str | None:
        return self._role_of.get(_key(text))

    def _replace(self, match: re.Match) -> str:
        kind = match.lastgroup
        found = match.group(0)
        if kind == "handle":
            return self._role(found[1:]) or REDACTED
        if kind == "part":
            return self._part_role.get(found) or REDACTED
        return self._role(found) or REDACTED

    def text(self, value: str | None) -> str | None:
        """Returns free text with people, handles, e-mail addresses and phone numbers replaced (PUBLIC-2)."""
        if not value:
            return value
        value = _EMAIL_RE.sub(lambda m: self._role(m.group(0).split("@", 1)[0]) or REDACTED, value)
        return self._pattern.sub(self._replace, _redact_phones(value))

    def person(self, value: str | None, role: str | None = None) -> str | None:
        """Returns what a person field shows publicly: its role, a kept role-like value, or "[redacted]" (PUBLIC-3)."""
        if role:
            return self.text(role)
        if not value:
            return value
        if looks_like_role(value) or _fold(value.strip()) in NOT_NAMES:
            return self.text(value)
        return self._role(value) or REDACTED


def escape_html(value: Any) -> Any:
    """Escapes <, > and & in text placed in Markdown or HTML (PUBLIC-5); other values unchanged."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


def ensure_publishable(*, ref: str, restricted: bool, include_restricted: bool) -> None:
    """Refuses a restricted incident in a public output unless it was asked for explicitly (PUBLIC-1)."""
    if restricted and not include_restricted:
        raise ValidationError(f"{ref} is restricted; a public output includes it only with --include-restricted",
                              field="INCIDENT")


def redact_tree(value: Any, policy: RedactionPolicy, *, key: str | None = None) -> Any:
    """Returns a redacted copy of a document (dicts, lists, dataclasses such as the pack model) by PUBLIC-2..4.

    Keys in PERSON_FIELDS are person fields (their `<key>_role` sibling is shown when set), keys in KEEP_FIELDS
    are kept, lists under `actions`/`action_items` lose cancelled items, every other string is free text.
    """
    if isinstance(value, str):
        if key in KEEP_FIELDS or (key or "").endswith(("_at", "_hash")):
            return value
        return policy.person(value) if key in PERSON_FIELDS else policy.text(value)
    if isinstance(value, Mapping):
        return {k: _field(value, k, policy) for k in value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _field(value, f.name, policy) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, (list, tuple)):
        items = [i for i in value if key not in ACTION_LIST_FIELDS or _get(i, "status") != "cancelled"]
        out = [redact_tree(i, policy, key=key) for i in items]
        return type(value)(out) if isinstance(value, tuple) else out
    return value


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _field(obj: Any, name: str, policy: RedactionPolicy) -> Any:
    value = _get(obj, name)
    if name in PERSON_FIELDS and isinstance(value, str):
        return policy.person(value, _get(obj, f"{name}_role"))
    return redact_tree(value, policy, key=name)


def redact_incident_document(document: Mapping[str, Any], policy: RedactionPolicy, *,
                             include_restricted: bool = False) -> dict[str, Any]:
    """Returns the public copy of an incident document (controls/documents shape), refusing restricted ones."""
    incident = document.get("incident") or {}
    ensure_publishable(ref=str(incident.get("ref")), restricted=bool(incident.get("restricted")),
                       include_restricted=include_restricted)
    return redact_tree(document, policy)


def get_known_people(*, session: Session) -> set[str]:
    """Returns every distinct value of the store's person columns (actors, owners, collectors, holders…)."""
    queries = [select(column(name).label("person")).select_from(table(tbl, column(name))).where(column(name).isnot(None))
               for tbl, name in PERSON_COLUMNS]
    return {row[0] for row in session.execute(union(*queries)) if row[0]}


def get_person_roles(*, session: Session) -> dict[str, str]:
    """Returns the store's person → role map (setting `redaction.roles`), used in place of "[redacted]"."""
    setting = table("setting", column("key"), column("value"))
    row = session.execute(select(setting.c.value).where(setting.c.key == ROLES_SETTING)).first()
    value = row[0] if row else None
    if isinstance(value, str):
        value = json.loads(value)
    return {str(k): str(v) for k, v in (value or {}).items() if v}


def get_redaction_policy(*, session: Session) -> RedactionPolicy:
    """Returns the policy for this store: its known people and the roles it records for them."""
    return RedactionPolicy(get_known_people(session=session), get_person_roles(session=session))
