"""Canonical JSON: the exact bytes we hash and sign, so an independent verifier gets them too.

UTF-8, keys sorted by code point, no insignificant white space, non-ASCII characters as
themselves (no \\u escapes). Only strings, integers, booleans, null, lists and objects occur.
"""

import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")
