"""Privacy helpers: pseudonymise respondent ids and strip direct identifiers.

Direct identifiers (names, e-mail addresses, IP addresses, locations) must never reach a
report; :func:`strip_identifiers` removes them right after reading and records what it removed.
Respondent ids that do appear in outputs are replaced by :func:`pseudonymise`: a keyed
(salted) SHA-256 hash, so the same id and salt always give the same pseudonym, while nobody
without the salt can recompute the link between an id and its pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._core.checks import choice
from .._core.data import missing_hint
from .._core.warn import warn_user
from ..exceptions import ConfigError, DataQualityWarning, DataValidationError

__all__ = [
    "DEFAULT_SALT_ENV",
    "MIN_SALT_LENGTH",
    "StrippedIdentifiers",
    "detect_identifiers",
    "pseudonymise",
    "pseudonymise_columns",
    "resolve_salt",
    "salt_problem",
    "strip_identifiers",
]

DEFAULT_SALT_ENV = "LEARNING_DIRECTION_SALT"
MIN_SALT_LENGTH = 16
MIN_SALT_DISTINCT = 8
#: salts published in examples and templates (lower case, letters and digits only): anyone can
#: try them, so pseudonyms made with them can be linked back to small id sets by brute force
KNOWN_SALTS = frozenset(
    {
        "examplesaltchangeme", "changeme", "changemeplease", "changethis", "changethissalt",
        "yoursalt", "yoursalthere", "yoursecretsalt", "saltgoeshere", "putyoursalthere",
        "replaceme", "replacethis", "secret", "secretsalt", "mysecretsalt", "password",
        "password123", "salt", "mysalt", "defaultsalt", "testsalt", "example", "examplesalt",
        "placeholder", "learningdirection", "learningdirectionsalt", "qwertyuiop",
        "letmein", "default", "notasecret", "dummy", "dummysalt",
    }
)  # fmt: skip
#: words that mark a salt as a placeholder wherever they appear in it
_PLACEHOLDER_WORDS = ("changeme", "changethis", "replaceme", "yoursalt", "saltgoeshere",
                      "placeholder", "examplesalt", "putyour", "insertyour")  # fmt: skip
_SALT_RULE = (
    f"a salt must have at least {MIN_SALT_LENGTH} characters with at least "
    f"{MIN_SALT_DISTINCT} different ones, must not repeat a short pattern or run through the "
    "alphabet or the digits, and must not be a published example or placeholder"
)
_HOW_TO_MAKE = (
    'make one with python -c "import secrets; print(secrets.token_hex(16))" and keep it '
    "secret (and the same, to get the same pseudonyms next time)"
)


def salt_problem(salt: str) -> str | None:
    """Why ``salt`` is too weak to pseudonymise with, or None when it is acceptable.

    The rule (documented in :func:`resolve_salt`): at least :data:`MIN_SALT_LENGTH` (16)
    characters, at least 8 different characters, not one short pattern repeated
    (``abcabcabc...``), not a run of consecutive characters (``abcdefgh...``, ``0123456...``),
    and not a published example or placeholder (``example-salt-change-me``, ``changeme``,
    anything containing "change me", "your salt", "placeholder", ...). A salt made by
    ``secrets.token_hex(16)`` (32 hex digits) always passes.

    Examples
    --------
    >>> salt_problem("example-salt-change-me")
    "'example-salt-change-me' is a published example or placeholder salt"
    >>> salt_problem("3f9c2e7a41d8b06e5a9c7f12") is None
    True
    """
    if not isinstance(salt, str):
        return f"the salt must be text, got {type(salt).__name__}"
    plain = re.sub(r"[^a-z0-9]", "", salt.lower())
    if plain in KNOWN_SALTS or any(w in plain for w in _PLACEHOLDER_WORDS):
        return f"{salt!r} is a published example or placeholder salt"
    if len(salt) < MIN_SALT_LENGTH:
        return f"the salt is too short ({len(salt)} characters, at least {MIN_SALT_LENGTH} needed)"
    if len(set(salt)) < MIN_SALT_DISTINCT:
        return (
            f"the salt has only {len(set(salt))} different characters (at least "
            f"{MIN_SALT_DISTINCT} needed): it is too easy to guess"
        )
    for period in range(1, len(salt) // 2 + 1):
        if salt == (salt[:period] * (len(salt) // period + 1))[: len(salt)]:
            return f"the salt repeats the pattern {salt[:period]!r}: it is too easy to guess"
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(salt)}
    if len(steps) == 1 and steps <= {1, -1}:
        return "the salt is a run of consecutive characters: it is too easy to guess"
    return None


_NAME_PATTERN = re.compile(
    r"(^|[_\s.])(first_?name|last_?name|full_?name|surname|given_?name|name|e-?mail|mail|"
    r"phone|mobile|telephone|ip_?address|ipaddress|ip|latitude|longitude|"
    r"recipient\w*|address|postcode|zip)($|[_\s.])",
    re.IGNORECASE,
)
_QUALTRICS_IDENTIFIERS = (
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "LocationLatitude",
    "LocationLongitude",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_IPV4 = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$")


def resolve_salt(salt: str | None = None, salt_env: str | None = None) -> str:
    """The salt for :func:`pseudonymise`: given directly, or read from an environment variable.

    Parameters
    ----------
    salt : str, optional
        The salt itself (e.g. ``privacy.salt`` in the config).
    salt_env : str, optional
        Name of the environment variable holding the salt (default
        ``LEARNING_DIRECTION_SALT``), used when ``salt`` is None.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        Neither is set, or the salt is weak (see Notes); the message says how to make one.

    Notes
    -----
    A pseudonym is only as secret as its salt: with a known salt anyone can hash every
    plausible id (a few thousand employee numbers) and link the pseudonyms back. The rule
    (:func:`salt_problem`): at least 16 characters with at least 8 different ones, not one short
    pattern repeated, not a run of consecutive characters, and not a published example or
    placeholder (``example-salt-change-me``, ``changeme``, ...). Such salts are refused, not
    just warned about: a report made with them would look pseudonymised without being so.

    Examples
    --------
    >>> resolve_salt("a-long-secret-salt")
    'a-long-secret-salt'
    """
    how = (
        "set one: put privacy: {salt_env: LEARNING_DIRECTION_SALT} in the config and run "
        '`export LEARNING_DIRECTION_SALT=$(python -c "import secrets; print(secrets.token_hex(16))")` '
        "(keep the same salt to get the same pseudonyms next time), or give privacy: {salt: ...}"
    )
    if salt is None:
        var = salt_env or DEFAULT_SALT_ENV
        salt = os.environ.get(var)
        if not salt:
            raise ConfigError(
                f"no salt for pseudonymising ids: environment variable {var} is not set; {how}"
            )
        source = f"environment variable {var}"
    else:
        source = "privacy.salt"
    problem = salt_problem(salt)
    if problem is not None:
        shown = problem.replace(repr(salt), "it") if source != "privacy.salt" else problem
        raise ConfigError(f"the salt in {source} is refused: {shown}; {_HOW_TO_MAKE}")
    return salt


def _id_text(value: Any) -> str | None:
    """Canonical text of an id: whole numbers without '.0', strings stripped, missing -> None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if value != value:
            return None
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    text = str(value).strip()
    return text or None


def pseudonymise(ids: Iterable[Any], salt: str, *, length: int = 12, prefix: str = "") -> pd.Series:
    """Replace ids by stable pseudonyms: a salted SHA-256 hash, truncated.

    Parameters
    ----------
    ids : Series or iterable
        Respondent ids (numbers or strings). The index of a Series is kept.
    salt : str
        Secret salt (at least 16 characters, see :func:`resolve_salt` for the rule).
    length : int
        Hex characters kept (8 to 64; default 12, i.e. 48 bits).
    prefix : str
        Text put before each pseudonym (e.g. ``"M-"`` for mentors).

    Returns
    -------
    Series of str
        One pseudonym per id; missing ids stay missing. ``12``, ``12.0`` and ``" 12 "`` give
        the same pseudonym, so ids read from different files still match.

    Raises
    ------
    ConfigError
        Salt missing or weak (see :func:`resolve_salt`).
    DataValidationError
        ``length`` out of range, or two different ids got the same pseudonym (use a longer
        ``length``).

    Notes
    -----
    pseudonym = prefix + first ``length`` hex digits of HMAC-SHA256(key = salt, message = id).
    HMAC is the standard way to salt a hash; without the salt a pseudonym cannot be linked back
    to its id by hashing candidate ids.

    References
    ----------
    Krawczyk, Bellare & Canetti (1997). HMAC: keyed-hashing for message authentication. RFC 2104.

    Examples
    --------
    The mentor ids of the bundled Study 1 data:

    >>> import learning_direction as ld
    >>> ids = ld.load_dataset("study1")["mentor_id"].head(3)
    >>> ids.tolist()
    ['M0001', 'M0002', 'M0003']
    >>> ld.pseudonymise(ids, "a-long-secret-salt", prefix="M-").tolist()
    ['M-a1d8bd0b660a', 'M-ddf22e4a3f00', 'M-b27c57566ac6']

    The same digits as any HMAC-SHA256 implementation, e.g. R's
    ``substr(digest::hmac("a-long-secret-salt", "M0001", "sha256"), 1, 12)``:

    >>> import hashlib, hmac
    >>> hmac.new(b"a-long-secret-salt", b"M0001", hashlib.sha256).hexdigest()[:12]
    'a1d8bd0b660a'
    """
    salt = resolve_salt(salt)
    if not isinstance(length, int) or not 8 <= length <= 64:
        raise DataValidationError(f"length must be a whole number from 8 to 64, got {length!r}")
    s = ids if isinstance(ids, pd.Series) else pd.Series(list(ids))
    key = salt.encode("utf-8")
    cache: dict[str, str] = {}
    out: list[Any] = []
    for value in s.tolist():
        text = _id_text(value)
        if text is None:
            out.append(np.nan)
            continue
        if text not in cache:
            digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
            cache[text] = prefix + digest[:length]
        out.append(cache[text])
    if len(set(cache.values())) < len(cache):
        raise DataValidationError(
            f"two different ids got the same {length}-character pseudonym; use a longer length (e.g. {min(64, length + 4)})"
        )
    return pd.Series(out, index=s.index, name=s.name, dtype=object)


def pseudonymise_columns(
    df: pd.DataFrame, columns: Sequence[str], salt: str, *, length: int = 12
) -> pd.DataFrame:
    """A copy of ``df`` with each id column in ``columns`` pseudonymised (same salt for all).

    Use one call for every column holding the same kind of id (e.g. the mentor id in the
    mentor file and in the mentee file) so that joins still work.
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"id column(s) {missing} not in the data; check the 'ids' and 'join' keys"
        )
    out = df.copy()
    for col in columns:
        out[col] = pseudonymise(out[col], salt, length=length)
    return out


@dataclass(frozen=True)
class StrippedIdentifiers:
    """Record of the identifier columns removed by :func:`strip_identifiers`."""

    removed: tuple[str, ...]
    n_rows: int
    not_found: tuple[str, ...] = ()
    suspicious: tuple[str, ...] = ()

    def summary(self) -> str:
        text = f"removed {len(self.removed)} identifier column(s) from {self.n_rows} rows: " + (
            ", ".join(self.removed) or "none"
        )
        if self.not_found:
            text += f"; not in the data: {', '.join(self.not_found)}"
        if self.suspicious:
            text += (
                f"; columns that look like identifiers but were kept: {', '.join(self.suspicious)}"
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "removed": list(self.removed),
            "n_rows": self.n_rows,
            "not_found": list(self.not_found),
            "suspicious": list(self.suspicious),
        }


def detect_identifiers(df: pd.DataFrame, *, sample: int = 200) -> list[str]:
    """Columns that look like direct identifiers (by name, or by holding e-mails / IP addresses).

    A heuristic safety net, not a guarantee: list every identifier in the config.
    """
    found: list[str] = []
    for col in df.columns:
        name = str(col)
        if name in _QUALTRICS_IDENTIFIERS or _NAME_PATTERN.search(name.replace(" ", "_")):
            found.append(name)
            continue
        s = df[col]
        if s.dtype != object and not pd.api.types.is_string_dtype(s):
            continue
        values = [str(v).strip() for v in s.dropna().head(sample)]
        if not values:
            continue
        hits = sum(bool(_EMAIL.match(v) or _IPV4.match(v)) for v in values)
        if hits / len(values) >= 0.5:
            found.append(name)
    return found


def strip_identifiers(
    df: pd.DataFrame, columns: Sequence[str], *, missing: str = "error", check: bool = True
) -> tuple[pd.DataFrame, StrippedIdentifiers]:
    """Remove direct-identifier columns, returning the data without them and a record.

    Parameters
    ----------
    df : DataFrame
    columns : sequence of str
        The identifier columns (names, e-mails, IP addresses, locations, ...).
    missing : {"error", "ignore"}
        A listed column not in the data is an error by default: a misspelt name would let the
        real identifier column through. ``"ignore"`` records it in ``not_found`` instead.
    check : bool
        Warn (:class:`DataQualityWarning`) about kept columns that look like identifiers
        (see :func:`detect_identifiers`).

    Returns
    -------
    (DataFrame, StrippedIdentifiers)
        A copy without the columns (rows and index unchanged), and the record.

    Raises
    ------
    DataValidationError
        A listed column is not in the data (with ``missing="error"``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": [1, 2], "email": ["a@x.org", "b@x.org"], "q1": [3, 4]})
    >>> clean, record = strip_identifiers(df, ["email"])
    >>> list(clean.columns), record.removed
    (['id', 'q1'], ('email',))
    """
    missing = choice(missing, "missing", ("error", "ignore"), error=DataValidationError)
    if isinstance(columns, str):
        columns = [columns]
    cols = list(dict.fromkeys(columns))
    absent = [c for c in cols if c not in df.columns]
    if absent and missing == "error":
        hint = missing_hint(absent, df.columns)
        raise DataValidationError(
            f"identifier column(s) not in the data: {hint}. Fix the names under "
            "'identifiers' so that the real identifier columns are removed"
        )
    present = [c for c in cols if c in df.columns]
    out = df.drop(columns=present)
    suspicious: list[str] = []
    if check:
        suspicious = detect_identifiers(out)
        if suspicious:
            warn_user(
                f"column(s) {suspicious} look like direct identifiers (names, e-mails, IP addresses) "
                "but are not listed under 'identifiers'; add them there unless they are safe",
                DataQualityWarning,
            )
    record = StrippedIdentifiers(
        removed=tuple(present),
        n_rows=len(df),
        not_found=tuple(absent),
        suspicious=tuple(suspicious),
    )
    return out, record
