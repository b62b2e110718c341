"""Errors a person can read, in English and Vietnamese, with a stable code and HTTP status.

Services raise them; the web layer renders them as JSON (`{"error": {...}}`) or as a page.
"""

from __future__ import annotations

from ..catalog import N_, Pair, Text
from ..domain.text import Field, TextProblem, clean_code, clean_text

#: code -> (HTTP status, message); the English is the msgid, its Vietnamese is in messages.po
MESSAGES: dict[str, tuple[int, Text]] = {
    # voter contract (docs/api.md)
    "unknown_token": (404, N_("This ballot code is not known. Check the code and type it again.")),
    "token_used": (409, N_("This ballot code has already been used to vote.")),
    "token_void": (409, N_("This ballot code was cancelled when the session closed.")),
    "session_not_open": (409, N_("Voting is not open in this session.")),
    "malformed_ballot": (400, N_("The ballot is not well formed.")),
    "wrong_scheme": (400, N_("The ballot uses an encryption scheme this session does not accept.")),
    "too_large": (413, N_("The request is too large.")),
    "wrong_session": (409, N_("This ballot code belongs to another voting session.")),
    "duplicate_ballot": (409, N_("This ballot, or a copy of it, is already in the ballot box.")),
    "no_ballot_left": (409, N_("No ballot is left in this session: every voter present already has one.")),
    "malformed_request": (400, N_("The request is not well formed JSON of the expected shape.")),
    "method_not_allowed": (405, N_("This address does not take this method (the Allow header lists those it takes).")),
    # verifiable-v1 ballots at the door (§4.6) and their Benaloh check (§5): 422, nothing spent or stored
    "wrong_size": (422, N_("The ballot does not have the size this session's ballots have.")),
    "bad_point": (422, N_("The ballot holds a value that is not a valid encryption.")),
    "duplicate_ciphertext": (422, N_("The ballot repeats an encryption already used in this session: seal it again.")),
    "bad_scalar": (422, N_("The ballot's proof holds a number out of range.")),
    "bad_bit_proof": (422, N_("The ballot's proof that each mark is 0 or 1 does not verify.")),
    "bad_row_proof": (422, N_("The ballot's proof of one mark per line does not verify.")),
    "bad_reveal": (422, N_("The randomness sent does not open this ballot.")),
    "too_many_checks": (409, N_("This ballot code has already had as many ballots checked as allowed: cast one now.")),
    "not_applicable": (409, N_("This does not apply to this session's kind of ballot.")),
    # staff workflow
    "not_found": (404, N_("Not found.")),
    "forbidden": (403, N_("You are not allowed to do this here.")),
    "unauthorized": (401, N_("Log in first.")),
    "illegal_transition": (409, N_("This step is not possible in the session's current state.")),
    "session_not_closed": (409, N_("The board is published when the session closes.")),
    "not_tallied": (409, N_("Results exist only after the session is closed and tallied.")),
    "invalid_input": (400, N_("Some input is not valid.")),
    "import_failed": (422, N_("The file has errors; nothing was imported.")),
    "quorum_not_met": (409, N_("Fewer than 2/3 of the voters summoned (less the lawful exclusions) are present: "
                               "voting cannot open.")),
    "conflict": (409, N_("This conflicts with what is already stored.")),
    "too_many_attempts": (429, N_("Too many wrong passwords for this account or from this address.")),
    "too_many_requests": (429, N_("Too many requests from this address; wait a moment and try again.")),
    "storage_unavailable": (503, N_("The database is busy or unavailable for a moment, so this was not done. Please "
                                    "try again shortly.")),
    "server_busy": (429, N_("The server is busy checking other logins; try again in a few seconds.")),
    # yearly rating (services.grading)
    "cycle_closed": (409, N_("This review cycle is closed: it can be read, not changed.")),
    "not_competent": (403, N_("Only the competent level decides this rating.")),
    "reason_required": (400, N_("An override or a cancel needs a reason.")),
    "quota_exceeded": (409, N_("This would rate more members excellent than the quota allows (20%% of those rated "
                               "good).")),
    "bundle_refused": (422, N_("The hall's bundle did not pass verification; nothing was imported.")),
    # counting-committee key custody (crypto.shares)
    "shares_needed": (400, N_("This session's key is held by the counting committee: counting needs their key "
                              "shares.")),
    "wrong_shares": (400, N_("The key shares do not open this session's key.")),
    # verifiable-v1: the members decrypt the sums on their phones (services.verifiable)
    "partials_needed": (409, N_("Counting needs the partial decryptions of more counting-committee members.")),
    "bad_partial": (422, N_("This partial decryption is refused: its proof does not check.")),
    "already_tallied": (409, N_("This session is already counted.")),
}


#: seconds a client is told to wait after a 503 storage_unavailable
STORAGE_RETRY_AFTER = 5


class ServiceError(Exception):
    """A refusal with a code from MESSAGES; `detail` (marked with `N_`) adds a specific sentence.

    `message_en` and `message_vi` are the code's message and the detail in English and in
    Vietnamese (from the catalog), named as every bilingual pair is (domain/labels.py); to_dict
    puts the English under "message", the published name. `note` is text that reads the same in
    both languages (names of failed checks); `note_en` is an English-only technical reason (a
    parser's), left out of `message_vi` rather than shown in the wrong language."""

    def __init__(self, code: str, detail: Text | Pair | None = None, *, note: str | None = None,
                 note_en: str | None = None, status: int | None = None, extra: dict | None = None):
        default_status, message = MESSAGES[code]
        self.code = code
        self.status = status or default_status
        self.detail = detail
        english, vietnamese = [message.en], [message.vi]
        if detail is not None:
            english.append(detail.en)
            vietnamese.append(detail.vi)
        if note:
            english.append(note)
            vietnamese.append(note)
        if note_en:
            english.append(note_en)
        self.message_en = " ".join(english)
        self.message_vi = " ".join(vietnamese)
        self.extra = extra or {}
        super().__init__(self.message_en)

    def to_dict(self) -> dict:
        """The published shape (docs/api.md), which clients test against: the English is under
        "message", unsuffixed, whatever the attribute is called here."""
        error = {"code": self.code, "message": self.message_en, "message_vi": self.message_vi}
        error.update(self.extra)
        return {"error": error}


#: SQLite primary result codes that mean the storage, not the request, failed: BUSY, LOCKED,
#: READONLY, IOERR, FULL, CANTOPEN
_SQLITE_OUTAGES = {5, 6, 8, 10, 13, 14}
_SQLITE_OUTAGE_WORDS = ("database is locked", "database table is locked", "readonly database", "disk i/o error",
                        "database or disk is full", "unable to open database file")
#: PostgreSQL SQLSTATEs (or classes) of the same kind: connection (08), resources (53), operator
#: intervention and shutdown (57), lock not available, read-only transaction, serialization, deadlock
_POSTGRES_OUTAGE_CLASSES = ("08", "53", "57")
_POSTGRES_OUTAGES = {"55P03", "25006", "40001", "40P01"}


def is_storage_outage(exc: BaseException) -> bool:
    """True for a database error that says the storage is locked, read-only, full or gone, so
    the same request may well succeed shortly; False for errors of the request or the code
    (a missing table, a constraint) that a retry would not fix."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in _SQLITE_OUTAGES
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate:
        return sqlstate in _POSTGRES_OUTAGES or sqlstate[:2] in _POSTGRES_OUTAGE_CLASSES
    text = str(orig).lower()
    if any(word in text for word in _SQLITE_OUTAGE_WORDS):
        return True
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all
    from sqlalchemy.exc import OperationalError
    return isinstance(exc, OperationalError) and "sqlite" not in type(orig).__module__
def text_input(value, field: Field, *, max_length: int, required: bool = True, multiline: bool = False) -> str:
    """domain.text.clean_text as a service refusal: 400 invalid_input naming the field."""
    try:
        return clean_text(value, field, max_length=max_length, required=required, multiline=multiline)
    except TextProblem as problem:
        raise _refused(problem) from None


def code_input(value, field: Field, *, max_length: int) -> str:
    """domain.text.clean_code as a service refusal."""
    try:
        return clean_code(value, field, max_length=max_length)
    except TextProblem as problem:
        raise _refused(problem) from None


def _refused(problem: TextProblem) -> ServiceError:
    return ServiceError("invalid_input", Pair(problem.message_en, problem.message_vi),
                        extra={"field": problem.field.key})
