"""Vietnamese renderings of the verifier's check details, for the audit pages.

The verifier (audit.verify) writes its details in English, for the command line and for bug
reports. The pages show people in Vietnamese what each passing (or skipped) check found:
each known English detail is matched here and rewritten with its numbers and codes kept. A
detail not matched (a failure, which names a field or a value) is shown as it is, marked as
the technical detail in English, under a Vietnamese line saying the check failed.
"""

from __future__ import annotations

import re

_POLICY = r"'(?P<policy>[^']*)'"
#: (check name, pattern of its English detail, Vietnamese template using the pattern's groups)
DETAILS_VI: tuple[tuple[str, str, str], ...] = (
    ("bundle_format", r"(?P<level>public|auditor) bundle of session '(?P<session>[^']*)': (?P<entries>\d+) board "
                      r"entries, (?P<tally>a tally|no tally yet)",
     "Bộ hồ sơ {level_vi} của phiên {session}: bảng phiếu có {entries} mục, {tally_vi}."),
    ("signing_key", r"not pinned \(the bundle names (?P<key>\S+); compare it with the key the installation "
                    r"publishes\)",
     "Chưa đối chiếu với khóa đã biết (bộ hồ sơ ghi khóa {key}; hãy so với khóa mà hệ thống công bố)."),
    ("signing_key", r"the bundle's key (?P<key>\S+) is the pinned key",
     "Khóa ký của bộ hồ sơ {key} trùng với khóa đã biết."),
    ("board_signature", r"the board is signed by the bundle's key \(Ed25519 over (?P<format>\S+)\|canonical JSON\)",
     "Bảng phiếu được ký bằng khóa của bộ hồ sơ (Ed25519 trên {format}|JSON chuẩn hóa)."),
    ("tally_signature", r"the tally is signed by the bundle's key \(Ed25519 over (?P<format>\S+)\|canonical JSON\)",
     "Kết quả kiểm phiếu được ký bằng khóa của bộ hồ sơ (Ed25519 trên {format}|JSON chuẩn hóa)."),
    ("board_entries", r"(?P<entries>\d+) entries: each well-formed, its receipt the SHA-256 of its ciphertext, "
                      r"sorted, no duplicates",
     "{entries} mục: mục nào cũng đúng dạng, biên nhận là SHA-256 của bản mã, đã sắp xếp, không trùng lặp."),
    ("board_entries", r"(?P<entries>\d+) entries: each ballot strict base64url, its receipt the SHA-256 of its bytes, "
                      r"sorted, no duplicates",
     "{entries} mục: lá phiếu nào cũng đúng dạng base64url, biên nhận là SHA-256 của lá phiếu, đã sắp xếp, "
     "không trùng lặp."),
    ("key_consistency", r"H and the (?P<holders>\d+) verification keys are valid points on one polynomial of degree "
                        r"< k = (?P<k>\d+)",
     "Khóa công khai H và {holders} khóa kiểm chứng của các thành viên là điểm hợp lệ, cùng nằm trên một đa thức "
     "bậc nhỏ hơn k = {k}."),
    ("ballot_proofs", r"(?P<ballots>\d+) ballots: every bit and row proof verifies \(§4\.6\), each receipt the SHA-256 "
                      r"of its ballot, every A_t distinct across the entries and the spoiled ballots",
     "{ballots} lá phiếu: mọi chứng minh (từng ô và từng dòng, §4.6) đều đúng, biên nhận là SHA-256 của lá phiếu, "
     "không bản mã A_t nào lặp lại giữa các phiếu và các phiếu đã mở để đối chiếu."),
    ("spoiled", r"no ballot was checked \(spoiled\) in this session",
     "Phiên này không có lá phiếu nào được mở để đối chiếu."),
    ("spoiled", r"(?P<spoiled>\d+) spoiled ballots: each proven \(§4\.6\) and opened by its randomness \(§5\), "
                r"every A_t distinct",
     "{spoiled} lá phiếu đã mở để đối chiếu: chứng minh của từng phiếu đều đúng (§4.6), số ngẫu nhiên công bố mở "
     "đúng lá phiếu (§5), không bản mã A_t nào lặp lại."),
    ("decryption", r"members (?P<members>[\d, ]+) \(k = (?P<k>\d+)\): every partial decryption proof verifies, and "
                   r"M_t = n_t·G for all (?P<numbers>\d+) of the tally's numbers \((?P<blank>\d+) blank of "
                   r"(?P<ballots>\d+) ballots\)",
     "Thành viên {members} (cần k = {k}): mọi chứng minh giải mã từng phần đều đúng, và cả {numbers} con số của "
     "kết quả kiểm phiếu đều khớp với tổng đã giải mã ({blank} phiếu trắng trên {ballots} phiếu)."),
    ("no_duplicate_keys", r"(?P<entries>\d+) entries, each with its own ephemeral key x-coordinate",
     "{entries} mục, mỗi mục có khóa tạm (tọa độ x) riêng: không có phiếu sao chép."),
    ("hash_chain", r"(?P<links>\d+) links and the head (?P<head>\S+) recomputed",
     "Đã tính lại {links} mắt xích và mã băm cuối {head}: khớp."),
    ("board_counts", r"(?P<ballots>\d+) ballots = tokens used; (?P<used>\d+) used \+ (?P<void>\d+) void = "
                     r"(?P<issued>\d+) issued; \d+ <= (?P<present>\d+) present <= (?P<summoned>\d+) summoned",
     "{ballots} phiếu = số mã đã dùng; {used} mã đã dùng + {void} mã hủy = {issued} mã đã phát; "
     "{ballots} ≤ {present} người có mặt ≤ {summoned} người được triệu tập."),
    ("tally_matches_board", r"same session, board head (?P<head>\S+), bases and token counts as the board",
     "Cùng phiên, cùng mã băm cuối {head}, cùng các con số và số mã như bảng phiếu."),
    ("tally_arithmetic", r"(?P<valid>\d+) valid \+ (?P<invalid>\d+) invalid = (?P<received>\d+) received; "
                         r"(?P<subjects>\d+) subjects' counts, percentages and (?:consequences|outcomes) recomputed "
                         r"by policy " + _POLICY + r" v(?P<version>\d+)",
     "{valid} phiếu hợp lệ + {invalid} phiếu không hợp lệ = {received} phiếu thu vào; đã tính lại số phiếu, tỷ lệ "
     "và kết luận của {subjects} mục theo quy tắc {policy} phiên bản {version}."),
    ("receipt", r"receipt (?P<receipt>\S+) is on the board \(entry (?P<entry>\d+) of (?P<entries>\d+)\)",
     "Biên nhận {receipt} có trên bảng phiếu (mục {entry} trên {entries})."),
    ("session_key", r"the private key belongs to the board's public key",
     "Khóa bí mật của phiên đúng là khóa ứng với khóa công khai của bảng phiếu."),
    ("recount", r"all (?P<received>\d+) ballots decrypted and recounted by policy " + _POLICY + r": "
                r"(?P<valid>\d+) valid, (?P<invalid>\d+) invalid; every subject's counts equal the signed tally's, "
                r"so its percentages and results \(tally_arithmetic\) follow from the ballots",
     "Đã giải mã và kiểm lại cả {received} phiếu theo quy tắc {policy}: {valid} hợp lệ, {invalid} không hợp lệ; "
     "số phiếu của từng mục đều trùng với kết quả kiểm phiếu đã ký, nên tỷ lệ và kết luận (mục tally_arithmetic) "
     "đều suy ra từ các lá phiếu."),
)
SKIPPED_VI = {
    "no receipt asked for": "Không có biên nhận nào cần đối chiếu.",
    "no tally in this bundle (the session is not tallied yet)": "Bộ hồ sơ chưa có kết quả kiểm phiếu (phiên chưa "
                                                                "kiểm phiếu).",
    "public bundle: needs the auditor's bundle (with the session private key)": "Bộ hồ sơ công khai: cần bộ hồ sơ "
                                                                                 "kiểm chứng có khóa của phiên.",
    "the bundle is malformed (see bundle_format)": "Bộ hồ sơ sai cấu trúc (xem mục bundle_format).",
}
_EXTRA = {"level_vi": {"public": "công khai", "auditor": "kiểm chứng (kèm khóa phiên)"},
          "tally_vi": {"a tally": "có kết quả kiểm phiếu", "no tally yet": "chưa có kết quả kiểm phiếu"}}
_COMPILED = [(name, re.compile(pattern), template) for name, pattern, template in DETAILS_VI]


def detail_vi(name: str, detail: str, skipped: bool = False) -> str | None:
    """The Vietnamese for a check's detail, or None when this version does not know its wording."""
    if skipped:
        return SKIPPED_VI.get(detail.removeprefix("skipped: "))
    for check, pattern, template in _COMPILED:
        found = pattern.fullmatch(detail) if check == name else None
        if found:
            values = found.groupdict()
            values |= {key: table[values[key[:-3]]] for key, table in _EXTRA.items() if key[:-3] in values}
            return template.format(**values)
    return None
