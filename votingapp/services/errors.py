"""Errors a person can read, in English and Vietnamese, with a stable code and HTTP status.

Services raise them; the web layer renders them as JSON (`{"error": {...}}`) or as a page.
"""

from __future__ import annotations

from ..domain.text import Field, TextProblem, clean_code, clean_text

MESSAGES: dict[str, tuple[int, str, str]] = {
    # voter contract (docs/api.md)
    "unknown_token": (404, "This ballot code is not known. Check the code and type it again.",
                      "Mã phiếu không tồn tại. Hãy kiểm tra và nhập lại mã."),
    "token_used": (409, "This ballot code has already been used to vote.",
                   "Mã phiếu này đã được dùng để bỏ phiếu."),
    "token_void": (409, "This ballot code was cancelled when the session closed.",
                   "Mã phiếu này đã bị hủy khi phiên bỏ phiếu kết thúc."),
    "session_not_open": (409, "Voting is not open in this session.",
                         "Phiên bỏ phiếu không đang mở."),
    "malformed_ballot": (400, "The ballot is not well formed.", "Lá phiếu không đúng định dạng."),
    "wrong_scheme": (400, "The ballot uses an encryption scheme this session does not accept.",
                     "Lá phiếu dùng phương thức mã hóa không được chấp nhận."),
    "too_large": (413, "The request is too large.", "Yêu cầu quá lớn."),
    "wrong_session": (409, "This ballot code belongs to another voting session.",
                      "Mã phiếu này thuộc một phiên bỏ phiếu khác."),
    "duplicate_ballot": (409, "This ballot, or a copy of it, is already in the ballot box.",
                         "Lá phiếu này, hoặc một bản sao của nó, đã có trong hòm phiếu."),
    "no_ballot_left": (409, "No ballot is left in this session: every voter present already has one.",
                       "Phiên này không còn phiếu: mỗi người bỏ phiếu có mặt đã có một phiếu."),
    "malformed_request": (400, "The request is not well formed JSON of the expected shape.",
                          "Yêu cầu không đúng định dạng JSON."),
    "method_not_allowed": (405, "This address does not take this method (the Allow header lists those it takes).",
                           "Địa chỉ này không nhận phương thức này (tiêu đề Allow liệt kê các phương thức được nhận)."),
    # verifiable-v1 ballots at the door (§4.6) and their Benaloh check (§5): 422, nothing spent or stored
    "wrong_size": (422, "The ballot does not have the size this session's ballots have.",
                   "Lá phiếu không có kích thước đúng của phiên này."),
    "bad_point": (422, "The ballot holds a value that is not a valid encryption.",
                  "Lá phiếu chứa một giá trị không phải bản mã hợp lệ."),
    "duplicate_ciphertext": (422, "The ballot repeats an encryption already used in this session: seal it again.",
                             "Lá phiếu lặp lại một bản mã đã dùng trong phiên này: hãy niêm phong lại."),
    "bad_scalar": (422, "The ballot's proof holds a number out of range.",
                   "Bằng chứng của lá phiếu chứa một số vượt giới hạn."),
    "bad_bit_proof": (422, "The ballot's proof that each mark is 0 or 1 does not verify.",
                      "Bằng chứng rằng mỗi ô đánh dấu là 0 hoặc 1 không đúng."),
    "bad_row_proof": (422, "The ballot's proof of one mark per line does not verify.",
                      "Bằng chứng mỗi dòng có đúng một lựa chọn không đúng."),
    "bad_reveal": (422, "The randomness sent does not open this ballot.",
                   "Dữ liệu ngẫu nhiên gửi kèm không mở được lá phiếu này."),
    "too_many_checks": (409, "This ballot code has already had as many ballots checked as allowed: cast one now.",
                        "Mã phiếu này đã kiểm tra đủ số lá phiếu cho phép: hãy gửi phiếu."),
    "not_applicable": (409, "This does not apply to this session's kind of ballot.",
                       "Thao tác này không áp dụng cho loại lá phiếu của phiên này."),
    # staff workflow
    "not_found": (404, "Not found.", "Không tìm thấy."),
    "forbidden": (403, "You are not allowed to do this here.", "Bạn không có quyền thực hiện thao tác này."),
    "unauthorized": (401, "Log in first.", "Vui lòng đăng nhập."),
    "illegal_transition": (409, "This step is not possible in the session's current state.",
                           "Không thể thực hiện bước này ở trạng thái hiện tại của phiên."),
    "session_not_closed": (409, "The board is published when the session closes.",
                           "Bảng phiếu được công bố khi phiên bỏ phiếu kết thúc."),
    "not_tallied": (409, "Results exist only after the session is closed and tallied.",
                    "Kết quả chỉ có sau khi phiên đã đóng và kiểm phiếu."),
    "invalid_input": (400, "Some input is not valid.", "Dữ liệu nhập không hợp lệ."),
    "import_failed": (422, "The file has errors; nothing was imported.",
                      "Tệp có lỗi; chưa nhập dữ liệu nào."),
    "quorum_not_met": (409, "Fewer than 2/3 of the voters summoned (less the lawful exclusions) are present: "
                            "voting cannot open.",
                       "Chưa đủ 2/3 số người được triệu tập (trừ số không tính) có mặt: chưa thể mở bỏ phiếu."),
    "conflict": (409, "This conflicts with what is already stored.", "Xung đột với dữ liệu đã có."),
    "too_many_attempts": (429, "Too many wrong passwords for this account or from this address.",
                          "Nhập sai mật khẩu quá nhiều lần cho tài khoản này hoặc từ địa chỉ này."),
    "too_many_requests": (429, "Too many requests from this address; wait a moment and try again.",
                          "Quá nhiều yêu cầu từ địa chỉ này; hãy chờ một lát rồi thử lại."),
    "storage_unavailable": (503, "The database is busy or unavailable for a moment, so this was not done. "
                                 "Please try again shortly.",
                            "Cơ sở dữ liệu đang bận hoặc tạm thời không truy cập được nên thao tác này chưa thực "
                            "hiện được. Vui lòng thử lại sau giây lát."),
    "server_busy": (429, "The server is busy checking other logins; try again in a few seconds.",
                    "Máy chủ đang bận kiểm tra các lần đăng nhập khác; hãy thử lại sau vài giây."),
    # yearly rating (services.grading)
    "cycle_closed": (409, "This review cycle is closed: it can be read, not changed.",
                     "Đợt đánh giá này đã kết thúc: chỉ xem, không sửa được."),
    "not_competent": (403, "Only the competent level decides this rating.",
                      "Chỉ cấp có thẩm quyền mới được quyết định xếp loại này."),
    "reason_required": (400, "An override or a cancel needs a reason.",
                        "Quyết định khác đề xuất hoặc hủy quyết định phải có lý do."),
    "quota_exceeded": (409, "This would rate more members excellent than the quota allows (20% of those rated good).",
                       "Số đảng viên xếp loại Hoàn thành xuất sắc sẽ vượt tỷ lệ cho phép (20% số Hoàn thành tốt)."),
    "bundle_refused": (422, "The hall's bundle did not pass verification; nothing was imported.",
                       "Gói kết quả của hội nghị không qua được kiểm chứng; chưa nhập gì."),
    # counting-committee key custody (crypto.shares)
    "shares_needed": (400, "This session's key is held by the counting committee: counting needs their key shares.",
                      "Khóa của phiên này do ban kiểm phiếu giữ: cần các mảnh khóa để kiểm phiếu."),
    "wrong_shares": (400, "The key shares do not open this session's key.",
                     "Các mảnh khóa không mở được khóa của phiên này."),
}


#: seconds a client is told to wait after a 503 storage_unavailable
STORAGE_RETRY_AFTER = 5


class ServiceError(Exception):
    """A refusal with a code from MESSAGES; `detail` adds a specific sentence in each language."""

    def __init__(self, code: str, detail: str | None = None, detail_vi: str | None = None, *,
                 status: int | None = None, extra: dict | None = None):
        default_status, message, message_vi = MESSAGES[code]
        self.code = code
        self.status = status or default_status
        self.message = f"{message} {detail}" if detail else message
        self.message_vi = f"{message_vi} {detail_vi}" if detail_vi else message_vi
        self.extra = extra or {}
        super().__init__(self.message)

    def to_dict(self) -> dict:
        error = {"code": self.code, "message": self.message, "message_vi": self.message_vi}
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
    return ServiceError("invalid_input", problem.message, problem.message_vi, extra={"field": problem.field.key})
