"""What /api/v1 takes and returns, as pydantic models: the one source of both the checks a
request goes through (fields.parse) and the OpenAPI document (openapi.py, via spectree).

Request models are closed (an unknown field is an error, not silently ignored) and strict (no
"3" for 3, no true for 1). Each field says what it must be, in English and Vietnamese, with a
`Must`: a refused request is our bilingual 400 `invalid_input` naming the field, never the
library's English-only message. Response models are closed too, so a field added to a
serializer and not here fails the response tests (tests/integration/test_openapi.py).
docs/api.md explains the same API with worked examples.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, create_model

from ... import catalog
from ...catalog import N_
from ...crypto.sealed import SCHEMES
from ...crypto.verifiable.session import SCHEME as VERIFIABLE
from ...domain import grading as rating
from ...domain.ballot_forms import KINDS, MOTION, PERSON_KINDS, RATING
from ...domain.electorate import ATTENDANCE_STATUSES, ELECTORATES, EXCLUSION_REASONS, MEMBER_STATUSES
from ...domain.policy import DEFAULT_POLICIES, POLICIES
from ...models.ballots import KeyCustody, SessionState
from ...services.ballots import MAX_ISSUE
from ...services.ballots import SCHEMES as NEW_SCHEMES
from ...services.errors import MESSAGES

MAX_LIST = 500
#: what a session may be created as here; a rating ballot is made from its review cycle
SESSION_KINDS = tuple(kind for kind in KINDS if kind != RATING)
CUSTODIES = tuple(custody.value for custody in KeyCustody)
STATES = tuple(state.value for state in SessionState)
MAX_SHARES = 9
#: every scheme a session may have: the sealed ones and verifiable-v1
ALL_SCHEMES = (*SCHEMES, VERIFIABLE)


class Must:
    """What a field must be (a catalog message): the text of the 400 that names it."""

    def __init__(self, text: catalog.Text):
        self.text = text

    def __repr__(self) -> str:  # shows in pydantic's reprs of the field
        return f"Must({self.text.en!r})"


def must_of(model: type[BaseModel], name: str) -> Must | None:
    field = model.model_fields.get(name)
    return next((item for item in field.metadata if isinstance(item, Must)), None) if field else None


def _iso_date(value: str) -> date:
    """Only YYYY-MM-DD (the pattern), and a real day (2026-02-31 is not)."""
    return date.fromisoformat(value)


#: what domain.text refuses in a stored text: control characters, line and paragraph separators,
#: invisible direction controls (a pattern both ECMA-262 and pydantic's regex engine read)
_OTHERS = r"\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_REFUSED = r"\x00-\x1f" + _OTHERS
ONE_LINE = "^[^" + _REFUSED + "]*$"
SOME_TEXT = "^[^" + _REFUSED + r"]*[^\s" + _REFUSED + "][^" + _REFUSED + "]*$"
#: a multi-line text may hold line breaks and tabs
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f" + _OTHERS + "]*$"


def Text(longest: int, *, description: str | None = None):  # noqa: N802  (a type, used like one)
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=longest),
                     Field(description=description, pattern=SOME_TEXT),
                     Must(N_("must be a text of 1 to %(longest)s characters, without control characters.",
                             longest=longest))]


def AnyText(longest: int | None = None, *, description: str | None = None, multiline: bool = False):  # noqa: N802
    """A text, maybe empty (the service checks what it means)."""
    return Annotated[str, Field(max_length=longest, description=description,
                                pattern=MULTI_LINE if multiline else ONE_LINE),
                     Must(N_("must be text without control characters."))]


def _integral(value):
    """JSON has one number type: 3.0 is the whole number 3 (as JSON Schema's integer says)."""
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


OrganizationCode = Annotated[str, Field(description="An organization code, e.g. SL-01."),
                             Must(N_("must be an organization code."))]
MemberCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Field(pattern=r"\S")]
MemberCodes = Annotated[list[MemberCode], Field(description="member codes"),
                        Must(N_("must be a list of member codes."))]
if TYPE_CHECKING:
    #: what a model field holds once validated: _iso_date turned the checked text into a date
    IsoDate = date
else:
    #: the wire form is a YYYY-MM-DD string (pattern and "format": "date" in the schema); the
    #: AfterValidator hands the model a date
    IsoDate = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", json_schema_extra={"format": "date"}),
                        AfterValidator(_iso_date),
                        Must(N_("must be a date written YYYY-MM-DD."))]
LevelCode = Annotated[str, Field(max_length=10, description="A code of GET /organization-levels, e.g. tinh, "
                                                             "co-so, chi-bo."),
                      Must(N_("must be a level code of GET /organization-levels."))]
B64Url = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]*$", description="base64url without padding")]
Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
#: as printed: five groups of four from crypto.tokens.ALPHABET
TokenText = Annotated[str, Field(pattern=r"^([2-9A-HJ-NP-Z]{4}-){4}[2-9A-HJ-NP-Z]{4}$")]
SubjectKey = Annotated[str, Field(pattern=f"^({'|'.join(rating.ROLES)}):.+$",
                                  description="<role>:<member or organization code>, e.g. member:DV00001"),
                       Must(N_("must be a subject key such as member:DV00001."))]
RatingLevel = Literal[rating.LEVELS]
LevelCounts = dict[RatingLevel, Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(_integral)]]


def one_of(choices, *, description: str | None = None):
    """A closed list of words; the 400 lists them."""
    return Annotated[Literal[tuple(choices)], Field(description=description),
                     Must(N_("must be one of %(choices)s.", choices=', '.join(choices)))]


def whole(low: int | None = None, high: int | None = None, *, description: str | None = None):
    if low is not None and high is not None:
        must = Must(N_("must be a whole number from %(low)s to %(high)s.", low=low, high=high))
    elif low is not None:
        must = Must(N_("must be a whole number of at least %(low)s.", low=low))
    else:
        must = Must(N_("must be a whole number."))
    return Annotated[int, Field(ge=low, le=high, description=description), BeforeValidator(_integral), must]


class Request(BaseModel):
    """A JSON request body: closed and strict."""
    model_config = ConfigDict(extra="forbid", strict=True)


class Reply(BaseModel):
    """A JSON answer: closed, and strict so a serializer cannot drift from it unnoticed."""
    model_config = ConfigDict(extra="forbid", strict=True)


# --- errors ---------------------------------------------------------------------------------

class ErrorDetail(BaseModel):
    """Every refusal: a stable code and one sentence in each language, plus what helps fix it
    (`field`; `allowed`, `unknown`, `lines`, `needed`... as the code has them)."""
    model_config = ConfigDict(extra="allow")
    code: Literal[tuple(sorted([*MESSAGES, "internal_error"]))]
    message: str = Field(description="English")
    message_vi: str = Field(description="Vietnamese")
    field: str | None = Field(None, description="invalid_input: the request field at fault")


class Error(BaseModel):
    model_config = ConfigDict(extra="forbid")
    error: ErrorDetail


# --- the voter contract (docs/api.md, the sealed-v2 ballot) -----------------------------------

class WireBallot(BaseModel):
    """Checked by services.ballots (codes malformed_ballot, wrong_scheme), not here: the voter
    contract's error codes stay what the phones know."""
    model_config = ConfigDict(extra="forbid")
    scheme: Literal[tuple(SCHEMES)] = Field(description="the scheme the lookup names for the session")
    epk: B64Url = Field(description="65-byte uncompressed P-256 point")
    nonce: B64Url = Field(description="12 bytes")
    ct: B64Url = Field(description="AES-256-GCM ciphertext and tag: plaintext_size + 16 bytes")


class VerifiableWireBallot(BaseModel):
    """A verifiable-v1 ballot (docs/formats.md): 192·T + 64·S bytes, checked at the door."""
    model_config = ConfigDict(extra="forbid")
    scheme: Literal[VERIFIABLE]
    ballot: B64Url = Field(description="the ballot bytes: ciphertexts, bit proofs, row proofs")


class LookupRequest(BaseModel):
    token: str = Field(examples=["ABCD-EFGH-JKLM-NPQR-STUV"])


class CastRequest(BaseModel):
    token: str
    ballot: WireBallot | VerifiableWireBallot
    session: str | None = Field(None, description="optional: the session the phone looked up")


class SpoilRequest(BaseModel):
    token: str
    ballot: VerifiableWireBallot
    reveal: B64Url = Field(description="r_0 … r_{T−1}: 32 bytes each, little-endian scalars")
    session: str | None = Field(None, description="optional: the session the phone looked up")


class Option(Reply):
    id: str
    label: str
    label_en: str


class VoterSubject(Reply):
    id: str
    name: str
    detail: str
    options: list[Option]


class VerifiableSession(Reply):
    """What a verifiable-v1 phone seals for (spec §3.4): the board's session, in board order."""
    id: str
    subjects: list[str]
    options: list[str]
    public_key: B64Url = Field(description="H, 32 bytes")
    threshold: int
    verification_keys: list[B64Url]


class VoterSession(Reply):
    id: str
    title: str
    kind: Literal[KINDS]
    meeting: str
    organization: str
    scheme: Literal[ALL_SCHEMES]
    public_key: B64Url
    plaintext_size: int | None = Field(description="sealed schemes: the padded plaintext; null for verifiable-v1")
    subjects: list[VoterSubject]
    verifiable: VerifiableSession | None = Field(None, description="verifiable-v1 only")


class Receipt(Reply):
    receipt: Hex64
    short_code: Annotated[str, Field(pattern=r"^[0-9a-f]{8}$")]


class SpoiledChoice(Reply):
    subject: str
    option: str | None = Field(description="the option's id; null on a blank ballot")


class SpoiledBallot(Receipt):
    """A checked ballot, opened: compare it with the public board on another device."""
    blank: bool
    choices: list[SpoiledChoice]


# --- organizations and members ----------------------------------------------------------------

class OrganizationCreate(Request):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
                    Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"),
                    Must(N_("must be 1 to 40 of the letters A-Z and a-z, digits, '-', '_' and '.', starting with a "
                            "letter or digit."))]
    name: Text(200)
    level: LevelCode = "chi-bo"
    parent: OrganizationCode | None = Field(None, description="the parent's code; null: a root (needs an admin "
                                                              "scoped to the whole installation)")


class Organization(Reply):
    code: str
    name: str
    level: str
    parent: str | None


class OrganizationList(Reply):
    organizations: list[Organization]


class OrganizationLevel(Reply):
    code: str
    label: str = Field(description="the word of the spreadsheets' Cấp column")
    name_vi: str
    name_en: str
    position: int
    is_grassroots: bool


class OrganizationLevelList(Reply):
    levels: list[OrganizationLevel]


class MemberStatus(Request):
    status: one_of(MEMBER_STATUSES, description="official (chính thức) or probationary (dự bị): only official "
                                               "members vote on motions")


class Member(Reply):
    code: str
    full_name: str
    organization: str
    post: str
    is_leader: bool
    status: Literal[MEMBER_STATUSES]


class MemberList(Reply):
    organization: str
    members: list[Member]


class Upload(BaseModel):
    """multipart/form-data: the spreadsheet."""
    file: bytes = Field(description="A CSV (UTF-8, with or without BOM) or XLSX spreadsheet.",
                        json_schema_extra={"format": "binary"})


class ImportReport(Reply):
    created: int
    updated: int
    total: int


# --- meetings ---------------------------------------------------------------------------------

class MeetingDetails(Request):
    """What the minutes print of a meeting; services.meetings checks the lengths."""
    place: AnyText(200) = ""
    chair_name: AnyText(120) = ""
    secretary_name: AnyText(120) = ""


class MeetingCreate(MeetingDetails):
    organization: OrganizationCode
    title: Text(300)
    held_on: IsoDate


class MeetingList(Request):
    """The query of GET /meetings."""
    model_config = ConfigDict(extra="ignore", strict=False)
    limit: Annotated[int, Field(ge=1, le=MAX_LIST),
                     Must(N_("must be a number from 1 to %(MAX_LIST)s.", MAX_LIST=MAX_LIST))] = 100


#: codes by reason (QĐ 24-QĐ/TW 9.3): out of the base
# pydantic's stubs cannot match (Annotated type, default) pairs passed as **kwargs to an overload
ExcludedLists = create_model("ExcludedLists", __base__=Request,  # type: ignore[call-overload]
                             **{reason: (MemberCodes, []) for reason in EXCLUSION_REASONS})


class AttendanceUpdate(Request):
    """Member codes by status; a code may appear once. Refused (409 conflict) when an open
    session has handed out more codes than its voters would then have present."""
    present: MemberCodes = []
    absent: Annotated[MemberCodes, Field(description="absent without an approved reason (stays in the base)")] = []
    absent_approved: Annotated[MemberCodes, Field(
        description="absent throughout with an approved reason (out of the base)")] = []
    excluded: Annotated[ExcludedLists, Must(N_("must map reasons (%(exclusion_reasons)s) to member codes.",
                                               exclusion_reasons=', '.join(EXCLUSION_REASONS)))] = ExcludedLists()


class MeetingSummary(Reply):
    id: int
    title: str
    held_on: date
    organization: str
    summoned: int
    present: int
    place: str
    chair_name: str
    secretary_name: str


class MeetingsPage(Reply):
    meetings: list[MeetingSummary]


class Quorum(Reply):
    met: bool
    needed: int


class AttendanceRow(Reply):
    code: str
    full_name: str
    member_status: Literal[MEMBER_STATUSES]
    present: bool
    status: Literal[ATTENDANCE_STATUSES]
    reason: Literal[EXCLUSION_REASONS] | None = Field(description="why an excluded member is out of the base")


class SessionSummary(Reply):
    id: str
    kind: Literal[KINDS]
    title: str
    state: Literal[STATES]


class Meeting(MeetingSummary):
    excluded: int = Field(description="out of the base: excluded, or absent with an approved reason")
    base: int = Field(description="summoned less excluded: the quorum is 2/3 of it")
    quorum: Quorum
    attendance: list[AttendanceRow]
    sessions: list[SessionSummary]


# --- ballot sessions ----------------------------------------------------------------------------

ELECTORATE_HELP = ("who votes: all summoned (default, confidence), official members only (default, motion), "
                   "or body (the members listed in electors)")


class SessionEdit(Request):
    """Only while a draft; every field optional."""
    title: Text(300) = None
    # None: not given (pydantic does not validate a default), as the other fields here
    subjects: Annotated[MemberCodes, Field(
        description="confidence: member codes summoned to the meeting")] = None  # type: ignore[assignment]
    motion: Annotated[Text(300), Field(description="motion: its text")] = None
    electorate: one_of(ELECTORATES, description=ELECTORATE_HELP) = None
    electors: Annotated[MemberCodes, Field(
        description="electorate body: the body's member codes")] = None  # type: ignore[assignment]


class SessionCreate(SessionEdit):
    """A vote on people names them (`subjects`); a motion has its text (`motion`)."""
    model_config = ConfigDict(json_schema_extra={"allOf": [
        {"if": {"properties": {"kind": {"enum": [k for k in SESSION_KINDS if k in PERSON_KINDS]}}},
         "then": {"required": ["subjects"], "properties": {"subjects": {"minItems": 1}}}},
        {"if": {"properties": {"kind": {"const": MOTION}}}, "then": {"required": ["motion"]}}]})
    kind: one_of(SESSION_KINDS)
    title: Text(300)
    policy: Annotated[str | None, Field(description="a counting policy made for the kind; one of "
                                        + ", ".join(sorted(POLICIES)) + "; default: "
                                        + ", ".join(f"{kind} → {name}" for kind, name in DEFAULT_POLICIES.items())),
                      Must(N_("must be the name of a counting policy."))] = None
    scheme: one_of(NEW_SCHEMES, description="how ballots are sealed: verifiable-v1 (the default: ballots carry "
                   "proofs and only the sums are ever decrypted) or sealed-v2") = None


class Progress(Reply):
    """Counts only: never anything about what the ballots say."""
    state: Literal[STATES]
    summoned: int = Field(description="the electorate summoned")
    excluded: int = Field(description="of them, out of the base")
    base: int = Field(description="summoned less excluded")
    present: int = Field(description="the electorate present: the ballot cap")
    issued: int
    voted: int
    void: int
    ballots: int | None = Field(None, description="ballots in the box; only once closed (from the signed board)")
    left: int = Field(description="codes that may still be handed out (0 unless open)")


class SessionSubject(Reply):
    id: str
    name: str
    detail: str


class Session(SessionSummary):
    meeting: int
    policy: str
    electorate: Literal[ELECTORATES]
    electors: list[str] = Field(description="electorate body: the body's member codes")
    scheme: Literal[ALL_SCHEMES]
    public_key: B64Url | None = Field(description="null until the session opens")
    plaintext_size: int
    key_custody: Literal[CUSTODIES] = Field(description="who holds the private key once open")
    share_threshold: int | None = Field(description="committee custody: k")
    share_count: int | None = Field(description="committee custody: n")
    subjects: list[SessionSubject]
    options: list[Option]
    counts: Progress


class Share(Reply):
    number: int
    holder: str
    share: str = Field(description="SLIP-39 words (33 for a P-256 key)")


class OpenedSession(Session):
    shares: list[Share] | None = Field(None, description="committee custody only, in this answer only")


class OpenRequest(Request):
    """threshold, holders and names are for custody "committee" only."""
    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"custody": {"const": "committee"}}, "required": ["custody"]},
        "else": {"not": {"anyOf": [{"required": ["threshold"]}, {"required": ["holders"]}, {"required": ["names"]}]}}})
    custody: one_of(CUSTODIES) = "system"
    threshold: whole(2, MAX_SHARES, description="committee: k, the shares the tally needs") = 2
    holders: whole(2, MAX_SHARES, description="committee: n, the shares handed out (k ≤ n)") = 3
    names: Annotated[list[Annotated[str, Field(max_length=120, pattern=ONE_LINE)]], Field(
        max_length=MAX_SHARES, description="committee: the holders' names, in share order (optional)"),
        Must(N_("must be a list of texts."))] = []


class TokenRequest(Request):
    count: whole(1, MAX_ISSUE)


class IssuedTokens(Reply):
    tokens: list[TokenText]
    urls: list[Annotated[str, Field(json_schema_extra={"format": "uri"})]]


class TallyRequest(Request):
    shares: Annotated[list[str], Field(max_length=MAX_SHARES, description="committee custody: k (or more) shares "
                                       "as typed; blank items are ignored"),
                      Must(N_("must be a list of texts."))] = []
    committee: Annotated[list[Annotated[str, Field(max_length=120, pattern=ONE_LINE)]], Field(
        description="the counting committee's names, kept in the signed tally"),
        Must(N_("must be a list of texts."))] = []


class TallyBallots(BaseModel):
    received: int
    valid: int
    invalid: int
    invalid_by_reason: dict[str, int]


#: a percentage with two decimals as text ("66.67"), null on an empty basis
Percent = Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]{2}$")] | None


class TallySubject(BaseModel):
    """One subject's result; the verdict field (e.g. `consequence`, `outcome`) depends on the kind."""
    id: str
    name: str
    detail: str | None = None
    counts: dict[str, int] = Field(description="option id (and blank) → ballots")
    basis: str = Field(description="the base the percentages and the verdict are taken on, e.g. present")
    percent: dict[str, Percent]
    percent_by_basis: dict[str, dict[str, Percent]]


class TallyDecryption(BaseModel):
    """verifiable-v1: the members whose partial decryptions the counts come from."""
    members: list[int]
    partials: list[B64Url] = Field(description="each member's 96·T bytes")


class Tally(BaseModel):
    """The stored tally document, format votingapp/tally-v1 (docs/formats.md)."""
    format: Literal["votingapp/tally-v1"]
    session: dict[str, Any]
    policy: dict[str, Any]
    bases: dict[str, int]
    ballots: TallyBallots
    subjects: list[TallySubject]
    scheme: Literal["verifiable-v1"] | None = Field(None, description="verifiable-v1 only: counted from the sums")
    decryption: TallyDecryption | None = Field(None, description="verifiable-v1 only: the proofs of the counts")


# --- verifiable-v1: the counting committee's phones ---------------------------------------------

# DecryptionStatus.session is the VerifiableSession above (a second class of that name here was
# dead: the OpenAPI document already showed the first one).

class DecryptionStatus(Reply):
    session: VerifiableSession
    sums: B64Url = Field(description="Ā_0‖B̄_0‖…‖Ā_{T−1}‖B̄_{T−1}, 64·T bytes")
    ballots: int = Field(description="N, the board's ballots")
    threshold: int = Field(description="k: the partials the tally needs")
    holders: int = Field(description="n: the members holding a share")
    members_done: list[int] = Field(description="the members whose valid partials are stored, increasing")
    state: Literal["closed", "tallied"]


class PartialRequest(BaseModel):
    """Checked by services.verifiable (code bad_partial), not here."""
    member: int = Field(description="the share's number i (1 … n)")
    partial: B64Url = Field(description="96·T bytes: D‖c‖z for each sum, in order")


class PartialStored(Reply):
    member: int
    members_done: list[int]
    threshold: int


# --- public documents (docs/formats.md) --------------------------------------------------------

class Signature(Reply):
    algorithm: Literal["Ed25519"]
    public_key: B64Url
    value: B64Url


class BoardCounts(Reply):
    summoned: int
    excluded: int | None = None
    base: int | None = None
    present: int
    tokens_issued: int
    tokens_used: int
    tokens_void: int
    ballots: int


class BoardEntry(Reply):
    receipt: Hex64
    epk: B64Url
    nonce: B64Url
    ct: B64Url
    chain: Hex64 | None = Field(None, description="board-v1 only: the chain link after this entry")


class VerifiableBoardEntry(Reply):
    """A verifiable-v1 ballot on the board: anyone checks its proofs (spec §4.6)."""
    receipt: Hex64
    ballot: B64Url


class SpoiledEntry(Reply):
    """A checked (spoiled) verifiable-v1 ballot with its randomness: anyone decodes it (spec §5)."""
    receipt: Hex64
    ballot: B64Url
    reveal: B64Url


class Board(BaseModel):
    """A signed board (docs/formats.md §6): board-v2 signs the session, counts and chain head,
    its entries (sorted by receipt) streamed last; sessions closed before it keep board-v1.
    A verifiable-v1 board's entries are {receipt, ballot}, and it signs its `spoiled` list."""
    format: Literal["votingapp/board-v2", "votingapp/board-v1"]
    session: dict[str, Any]
    counts: BoardCounts
    entries: list[BoardEntry] | list[VerifiableBoardEntry]
    head: Hex64
    spoiled: list[SpoiledEntry] | None = Field(None, description="verifiable-v1 only: the checked ballots, "
                                               "sorted by receipt, signed with the header, not chained")
    signature: Signature


class PublicBundle(Reply):
    format: Literal["votingapp/audit-bundle-v2", "votingapp/audit-bundle-v1"]
    level: Literal["public"]
    signing_key: B64Url = Field(description="the installation's Ed25519 public key")
    board: Board
    tally: Tally | None


class OpenApiDocument(BaseModel):
    """This document (OpenAPI 3.1)."""
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


# --- the yearly rating ---------------------------------------------------------------------------

class CycleCreate(Request):
    organization: OrganizationCode
    year: whole(2000)
    title: AnyText(300) = ""
    policy: one_of(tuple(rating.GRADING_POLICIES)) = rating.DEFAULT_GRADING_POLICY
    deadlines: Annotated[dict[str, IsoDate] | None, Field(description="level code → date; default co-so 10/12, "
                                                          "huyen 25/12"),
                         Must(N_("must map level codes to YYYY-MM-DD dates."))] = None


class Figures(Reply):
    meetings: int
    sessions_tallied: int
    rated: int
    self_assessments: int
    proposals: int
    decisions: int


class ProgressNode(Reply):
    organization: dict[str, Any]
    deadline: Annotated[str, Field(json_schema_extra={"format": "date"})] | None
    days_left: int | None
    overdue: bool
    own: Figures
    total: Figures
    children: list[ProgressNode]


class Cycle(Reply):
    id: int
    organization: str
    year: int
    title: str
    policy: dict[str, Any] = Field(description="the grading policy as data")
    deadlines: dict[str, Any]
    state: Literal["open", "closed"]


class CycleWithProgress(Cycle):
    progress: ProgressNode


class OpenVote(Request):
    subject: SubjectKey
    counts: Annotated[LevelCounts, Must(N_("must map levels (HTXSNV, HTTNV, HTNV, KHTNV) to whole numbers."))]
    base: whole(1, 1_000_000, description="members present")


class RatingProposal(Reply):
    subject: str
    source: Literal["ballot", "open_vote", "hall"]
    counts: dict[str, int]
    base: int
    level: RatingLevel | None
    session: str | None
    evidence: str | None


class RatingProposals(Reply):
    proposals: list[RatingProposal]


class DecisionCreate(Request):
    subject: SubjectKey
    level: Annotated[RatingLevel | None, Field(description="absent or null: approve the proposal"),
                     Must(N_("must be HTXSNV, HTTNV, HTNV or KHTNV (or absent to approve the proposal)."))] = None
    reason: AnyText(2000, description="required when the level differs from the proposal", multiline=True) = ""
    quota_exception: AnyText(2000, description="the competent level's reason to pass the quota", multiline=True) = ""


class DecisionCancel(Request):
    subject: SubjectKey
    reason: AnyText(2000, description="required", multiline=True) = ""


class Decision(Reply):
    id: int
    subject: str
    action: Literal["approve", "override", "cancel"]
    level: RatingLevel | None
    reason: str
    organization: str
    decided_by: str
    decided_at: Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class SelfAssessment(Reply):
    form_type: str
    text: str
    self_score: str | None = Field(description="as written, two decimals, e.g. 89.99")
    conditions: dict[Literal[rating.CONDITIONS], Any]
    self_level: RatingLevel | None


class RatingSubject(Reply):
    key: str
    name: str
    role: Literal[rating.ROLES]
    organization: str
    competent: str
    self_assessment: SelfAssessment | None
    proposal: RatingProposal | None
    explained: dict[str, Any]
    explained_en: dict[str, Any]
    decision: RatingLevel | None
    history: list[Decision]


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    format: Annotated[Literal["xlsx", "csv"], Must(N_("must be xlsx or csv."))] = "xlsx"
    unit: str | None = Field(None, description="an organization code (default: the caller's or the cycle's)")


class HallKeyCreate(Request):
    name: Text(120)
    public_key: Annotated[str, StringConstraints(strip_whitespace=True),
                          Field(pattern=r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$",
                                description="the hall's 32-byte Ed25519 public key, base64url without padding"),
                          Must(N_("must be a 32-byte Ed25519 public key in base64url without padding."))]


class HallKey(Reply):
    id: int
    name: str
    public_key: str


class HallBundleImport(Request):
    hall: Annotated[str, Field(description="the pinned hall's name"),
                    Must(N_("names no pinned hall key."))]
    bundle: Annotated[dict[str, Any], Field(description="the hall's public bundle (audit-bundle-v2 or -v1)"),
                      Must(N_("must be the hall's public bundle (JSON object)."))]


class RatingImportReport(Reply):
    lines: int = Field(description="lines imported (all or none)")
