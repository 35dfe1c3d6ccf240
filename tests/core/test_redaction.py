"""The one redaction policy (compliance.core.redaction): what a public output may never show, and what it keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from compliance.core.errors import ValidationError
from compliance.core.redaction import (
    PERSON_COLUMNS,
    REDACTED,
    RedactionPolicy,
    ensure_publishable,
    escape_html,
    looks_like_role,
    redact_incident_document,
    redact_tree,
)

# The store's people as they are recorded: full names, logins, a handle, names with diacritics, and roles.
STORE_PEOPLE = ["Dana Ruiz", "dana.ruiz", "priya.natarajan", "Zoë Ångström", "Tomasz Kowalczyk", "@mehmet",
                "on-call SRE", "incident commander", "Forensics Ltd", "DPO", "postgres"]
ROLES = {"Priya Natarajan": "incident commander"}

# (text, what must not survive, what must survive)
CORPUS = [
    ("Escalated to dana.ruiz@example.com at 10:05", ["dana", "ruiz", "@", "example.com", "an engineer"], ["at 10:05"]),
    ("Contact DANA.RUIZ@EXAMPLE.COM or ops+pager@corp.example.org", ["DANA", "pager@", "corp.example"], ["Contact"]),
    ("Dana Ruiz restarted the pool; Dana confirmed", ["Dana", "Ruiz"], ["restarted the pool"]),
    ("dana ruiz and dana_ruiz and Dana-Ruiz", ["dana", "Dana"], []),
    ("Paged @dana.ruiz and @mehmet, then @priya.natarajan.", ["@", "dana", "mehmet", "priya"],
     ["incident commander."]),
    ("Priya Natarajan declared the incident", ["Priya", "Natarajan"], ["incident commander declared the incident"]),
    ("Zoë Ångström and Zoe Angstrom and ZOË ÅNGSTRÖM reviewed", ["Zoë", "Zoe", "ZOË", "Ångström", "Angstrom"],
     ["reviewed"]),
    ("Kowalczyk rotated the key", ["Kowalczyk"], ["rotated the key"]),
    ("UK bridge +44 20 7946 0958, US (555) 123-4567, DE +49 30 1234567", ["7946", "0958", "555", "4567", "1234567"],
     ["UK bridge", "US", "DE"]),
    ("Call 555-123-4567 or 555.123.4567 or 020 7946 0958 or +1-555-123-4567 or +33 1 23 45 67 89",
     ["4567", "7946", "67 89"], ["Call"]),
    ("from Dana Ruiz to Forensics Ltd", ["Dana", "Ruiz"], ["to Forensics Ltd"]),
    ("on-call SRE paged the incident commander; DPO informed", [], ["on-call SRE paged the incident commander; DPO"]),
]
# Text that looks numeric but is no phone number: must come out unchanged.
KEPT = [
    "2026-03-01T10:45:00Z", "2026-03-01 10:45 UTC", "between 09:40 and 10:45", "offset +02:00 and +0530",
    "v2.31.0 and python-requests/2.31 and 1.2.3", "from 203.0.113.7 and 192.168.100.200 and 10.0.0.1",
    "4,100 failed logins from 3,012 addresses", "1234567 requests in 65 minutes", "p99 1200 ms, 95%",
    "CVE-2024-3094 and RFC 8785", "Art. 33(1) GDPR and 45 CFR 164.404", "SHA-256 3f2a9c0e1d", "INC-0001-A2",
]


@pytest.fixture(scope="module")
def policy() -> RedactionPolicy:
    return RedactionPolicy(STORE_PEOPLE, ROLES)


@pytest.mark.parametrize("text, gone, kept", CORPUS, ids=[c[0][:30] for c in CORPUS])
def test_people_handles_emails_and_phone_numbers_become_roles_or_redacted(policy, text, gone, kept):
    out = policy.text(text)
    for fragment in gone:
        assert fragment not in out, (fragment, out)
    for fragment in kept:
        assert fragment in out, (fragment, out)


def test_an_email_address_is_replaced_whole_never_mangled(policy):
    assert policy.text("dana.ruiz@example.com") == REDACTED
    assert policy.text("mail dana.ruiz@example.com.") == f"mail {REDACTED}."
    assert policy.text("priya.natarajan@example.com") == "incident commander"


@pytest.mark.parametrize("text", KEPT)
def test_dates_times_versions_addresses_and_counts_are_not_phone_numbers(policy, text):
    assert policy.text(text) == text


def test_person_fields_show_the_role_a_kept_role_or_redacted(policy):
    assert policy.person("Dana Ruiz") == REDACTED
    assert policy.person("priya.natarajan") == "incident commander"
    assert policy.person("Dana Ruiz", role="forensic lead") == "forensic lead"
    assert policy.person("on-call SRE") == "on-call SRE"
    assert policy.person("Forensics Ltd") == "Forensics Ltd"
    assert policy.person("someone.unknown") == REDACTED, "an unknown name fails closed"
    assert policy.person(None) is None


@pytest.mark.parametrize("value, is_role", [
    ("on-call SRE", True), ("Security review board", True), ("External IR firm (Northwind DFIR)", True),
    ("Dana Ruiz", False), ("dana.ruiz", False), ("Zoë Ångström", False), ("alice", False),
])
def test_roles_and_organisations_are_told_from_people(value, is_role):
    assert looks_like_role(value) is is_role


def test_html_is_escaped_for_markdown():
    assert escape_html("<script>alert(1)</script> & co") == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    assert escape_html(None) is None


def test_a_restricted_incident_is_refused_without_the_explicit_flag():
    with pytest.raises(ValidationError, match=r"INC-0007 is restricted; .*--include-restricted"):
        ensure_publishable(ref="INC-0007", restricted=True, include_restricted=False)
    ensure_publishable(ref="INC-0007", restricted=True, include_restricted=True)
    ensure_publishable(ref="INC-0008", restricted=False, include_restricted=False)


def test_incident_document_redacts_people_keeps_facts_and_drops_cancelled_actions(policy):
    document = {
        "as_of": "2026-03-05T00:00:00Z",
        "incident": {"ref": "INC-0001", "title": "Dana Ruiz's laptop stolen", "restricted": False, "status": "open"},
        "timeline": [{"at": "2026-03-01T10:00:00Z", "kind": "detection", "actor": "Dana Ruiz",
                      "text": "Reported by dana.ruiz@example.com, call +44 20 7946 0958"}],
        "postmortem": {"root_cause": [{"number": "1", "text": "Dana left the laptop unlocked"}],
                       "lessons": [{"number": 1, "text": "Ask @mehmet for disk encryption", "category": "technical"}],
                       "reviewer": "Tomasz Kowalczyk"},
        "action_items": [{"ref": "INC-0001-A1", "owner": "dana.ruiz", "status": "open", "description": "Encrypt"},
                         {"ref": "INC-0001-A2", "owner": "Dana Ruiz", "status": "cancelled", "description": "Fire"}],
        "evidence": [{"ref": "EV-0001", "collected_by": "Zoë Ångström", "collected_by_role": None,
                      "sha256": "ab" * 32, "filename": "dana-ruiz-laptop.img"}],
    }
    out = redact_incident_document(document, policy)
    flat = repr(out)
    for name in ("Dana", "dana", "Ruiz", "mehmet", "Kowalczyk", "Zoë", "7946"):
        assert name not in flat, name
    assert out["timeline"][0]["actor"] == REDACTED and out["timeline"][0]["kind"] == "detection"
    assert out["postmortem"]["root_cause"] == [{"number": "1", "text": f"{REDACTED} left the laptop unlocked"}]
    assert [a["ref"] for a in out["action_items"]] == ["INC-0001-A1"]
    assert out["evidence"][0]["sha256"] == "ab" * 32 and out["incident"]["status"] == "open"
    assert document["timeline"][0]["actor"] == "Dana Ruiz", "the input is not modified"
    with pytest.raises(ValidationError, match="restricted"):
        redact_incident_document({**document, "incident": {**document["incident"], "restricted": True}}, policy)


@dataclass
class _Row:
    at: str
    actor: str | None
    actor_role: str | None
    note: str | None
    entry_hash: str


def test_dataclass_rows_such_as_the_pack_model_are_redacted_field_by_field(policy):
    rows = [_Row("2026-03-01T10:00:00Z", "Dana Ruiz", None, "from Dana Ruiz to Forensics Ltd", "ff" * 32),
            _Row("2026-03-01T11:00:00Z", "Tomasz Kowalczyk", "forensic analyst", None, "ee" * 32)]
    out = redact_tree(rows, policy)
    assert out[0] == _Row("2026-03-01T10:00:00Z", REDACTED, None, f"from {REDACTED} to Forensics Ltd", "ff" * 32)
    assert out[1].actor == "forensic analyst"


def test_the_person_columns_exist_in_the_schema():
    from compliance.db.metadata import get_metadata

    tables = get_metadata().tables
    for table, column in PERSON_COLUMNS:
        assert table in tables and column in tables[table].c, f"{table}.{column}"


# --- properties: nothing from the store survives, whatever surrounds it ---------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéöå", min_size=3, max_size=9)
# People's names (a name made only of role words, "Security Lead", counts as a role by design).
_name = (st.lists(_word, min_size=2, max_size=3, unique=True).map(lambda ws: " ".join(w.capitalize() for w in ws))
         .filter(lambda name: not looks_like_role(name)))
_separator = st.sampled_from([" ", ", ", " said: ", " (", ") ", "; ", " and ", "\n", " at 10:45 ", " v1.2.3 ", ". "])
_local = st.from_regex(r"[a-z][a-z0-9._+-]{0,12}[a-z0-9]", fullmatch=True).filter(lambda s: ".." not in s)
_email = st.builds(lambda local, domain, tld: f"{local}@{domain}.{tld}", _local,
                   st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True), st.sampled_from(["com", "org", "de", "co.uk"]))
_phone = st.one_of(
    st.builds(lambda cc, a, b, c: f"+{cc} {a} {b} {c}", st.integers(1, 99), st.integers(10, 999),
              st.integers(1000, 9999), st.integers(1000, 9999)),
    st.builds(lambda a, b, c: f"({a}) {b}-{c}", st.integers(200, 999), st.integers(200, 999), st.integers(1000, 9999)),
    st.builds(lambda a, b, c: f"{a}-{b}-{c}", st.integers(200, 999), st.integers(200, 999), st.integers(1000, 9999)),
    st.builds(lambda cc, a, b: f"+{cc} {a} {b}", st.integers(1, 99), st.integers(10, 99), st.integers(1000000, 9999999)),
)


@settings(max_examples=150, deadline=None)
@given(people=st.lists(_name, min_size=1, max_size=4, unique=True), data=st.data())
def test_no_name_email_or_phone_from_the_store_survives(people, data):
    policy = RedactionPolicy(people)
    pieces = data.draw(st.lists(st.one_of(st.sampled_from(people), st.sampled_from([p.lower() for p in people]),
                                          _email, _phone), min_size=1, max_size=10))
    text = "".join(piece + data.draw(_separator) for piece in pieces)
    out = policy.text(text)
    for person in people:
        assert person.casefold() not in out.casefold(), (person, out)
        for part in person.split():
            assert not re.search(rf"(?<!\w){re.escape(part)}(?!\w)", out), (part, out)
    for piece in pieces:
        if "@" in piece:
            assert piece not in out and "@" not in out, (piece, out)
        elif piece.startswith(("+", "(")) or piece[:1].isdigit():
            assert piece not in out, (piece, out)


_numeric = st.one_of(
    st.dates().map(lambda d: d.isoformat()), st.times().map(lambda t: t.strftime("%H:%M")),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.tuples(*[st.integers(0, 40)] * 3).map(lambda t: "v" + ".".join(map(str, t))),
    st.integers(0, 10**6).map(lambda n: f"{n:,}"))


# Counts joined by single spaces into 2-5 groups of 2-5 digits, 10-13 digits in all, are written exactly as a
# phone number ("020 7946 0958", "10 10 100 100"): the policy cannot tell them apart and redacts (fail closed).
def _phone_shaped(text: str) -> bool:
    for match in re.finditer(r"(?<![\w.,:+/-])\d{2,5}(?: \d{2,5})+", text):
        groups = match.group(0).split(" ")
        for i in range(len(groups)):
            for j in range(i + 2, min(len(groups), i + 5) + 1):
                if 10 <= sum(len(g) for g in groups[i:j]) <= 13:
                    return True
    return False


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_numeric, st.sampled_from([" ", ", ", " at ", " from ", "; "])), max_size=8))
@example([("10", " "), ("10", " "), ("100", " "), ("100", " ")])  # found by hypothesis: phone-shaped, assumed away
@example([("10", ", "), ("10", " at "), ("100", "; "), ("100", " ")])
def test_dates_times_addresses_versions_and_counts_survive(pieces):
    text = "".join(piece + separator for piece, separator in pieces)
    assume(not _phone_shaped(text))
    assert RedactionPolicy(["Dana Ruiz"]).text(text) == text


def test_counts_joined_by_single_spaces_into_a_phone_shape_are_redacted_and_separated_counts_survive():
    policy = RedactionPolicy(["Dana Ruiz"])
    assert policy.text("10 10 100 100") != "10 10 100 100"  # written exactly like a phone number: fail closed
    assert policy.text("10, 10, 100, 100") == "10, 10, 100, 100"
    assert policy.text("10 at 10 from 100; 100") == "10 at 10 from 100; 100"
