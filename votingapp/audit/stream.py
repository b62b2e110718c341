"""Reading an audit bundle file in constant memory (docs/formats.md §8).

An audit-bundle-v2 writes the board last and the board's entries last in it, so the reader
parses everything before the entries as ordinary JSON and then hands the entries out one at
a time. Any other file (an audit-bundle-v1, or a v2 whose members some tool reordered) is
read whole, exactly as json.loads would read it.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, NoReturn

BUNDLE_V2 = "votingapp/audit-bundle-v2"
_WHITESPACE = " \t\n\r"
_CHUNK = 1 << 16
_decoder = json.JSONDecoder()
_scan = _decoder.scan_once  # type: ignore[attr-defined]  # set in JSONDecoder.__init__


class UnreadableBundle(ValueError):
    """The file is not JSON (or stops being JSON part way through the entries)."""


@dataclass
class StreamedBundle:
    """A bundle read from a file: every member, the board without its entries; the entries
    come from `entries`, once, in file order; reading them may raise UnreadableBundle."""
    header: dict[str, Any]
    entries: Iterator[Any]  # JSON values
    #: the entries once more from the first, when the source can give them again (the verifier
    #: reads them a second time only to confirm candidate copies; None: it cannot confirm any)
    again: Callable[[], Iterator[Any]] | None = None


class _Text:
    """The file's text, decoded as UTF-8, with a window that moves forward as it is parsed."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.decoder = handle, codecs.getincrementaldecoder("utf-8")()
        self.buffer, self.position, self.consumed, self.ended = "", 0, 0, False

    def _more(self) -> bool:
        if self.ended:
            return False
        raw = self.handle.read(_CHUNK)
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise UnreadableBundle("is not UTF-8 text") from None
        self.ended = not raw
        self.consumed += self.position
        self.buffer, self.position = self.buffer[self.position:] + text, 0
        return True

    def peek(self) -> str:
        """The next character that is not white space, not consumed; "" at the end."""
        while True:
            buffer, position = self.buffer, self.position
            while position < len(buffer) and buffer[position] in _WHITESPACE:
                position += 1
            self.position = position
            if position < len(buffer):
                return buffer[position]
            if not self._more():
                return ""

    def take(self, wanted: str) -> None:
        found = self.peek()
        if found != wanted:
            self.fail(f"expected {wanted!r}, found {found or 'the end of the file'!r}")
        self.position += 1

    def value(self) -> object:
        """The next JSON value, parsed whole."""
        self.peek()
        while True:
            try:
                value, end = _decoder.raw_decode(self.buffer, self.position)
            except ValueError:
                if self._more():
                    continue
                self.fail("is not valid JSON")
            if end < len(self.buffer) or not self._more():  # a number may go on in the next chunk
                self.position = end
                return value

    def members(self) -> Iterator[str]:
        """The keys of the JSON object that starts here, each once its colon is read: the caller
        reads the member's value before asking for the next key. The closing brace is taken
        after the last one."""
        self.take("{")
        if self.peek() == "}":
            self.take("}")
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                self.fail("an object key must be a string")
            self.take(":")
            yield key
            if self.peek() != ",":
                break
            self.take(",")
        self.take("}")

    def fail(self, what: str) -> NoReturn:
        raise UnreadableBundle(f"{what} (near character {self.consumed + self.position})")


def read_bundle_file(handle: BinaryIO) -> dict[str, Any] | StreamedBundle | object:
    """The bundle in `handle` (binary): a StreamedBundle for an audit-bundle-v2 written in
    its order, else the whole JSON value. Raises UnreadableBundle."""
    text = _Text(handle)
    if text.peek() != "{":
        value = text.value()
        _at_end(text)
        return value
    bundle: dict[str, Any] = {}
    for key in text.members():
        if key == "board" and bundle.get("format") == BUNDLE_V2 and text.peek() == "{":
            streamed = _board(text, bundle)
            if streamed is not None:
                return streamed
        else:
            bundle[key] = text.value()
    _at_end(text)
    return bundle


def _board(text: _Text, bundle: dict[str, Any]) -> StreamedBundle | None:
    """Parse the board's members up to its entries; a StreamedBundle when they come, else None
    (the board is then whole in `bundle`)."""
    board: dict[str, Any] = {}
    bundle["board"] = board
    for key in text.members():
        if key == "entries" and text.peek() == "[":
            return StreamedBundle(bundle, _entries(text))
        board[key] = text.value()
    return None


def _entries(text: _Text) -> Iterator[Any]:
    """Each entry in turn; then the rest of the file must close the board and the bundle."""
    text.take("[")
    if text.peek() == "]":
        text.take("]")
    else:
        while True:
            # the usual entry, an object ending inside the window and followed at once by ",",
            # is scanned here (what raw_decode would do, without its layer of Python); any
            # other case goes through value() and peek(), which read more and say what is wrong
            buffer, position = text.buffer, text.position
            if buffer.startswith("{", position):
                if buffer.find("}", position) < 0 and text._more():
                    continue  # the entry ends in the next chunk: read it first rather than fail
                try:
                    value, end = _scan(buffer, position)
                except (StopIteration, ValueError):
                    end = -1
                if 0 <= end < len(buffer) and buffer[end] == ",":
                    text.position = end + 1
                    yield value
                    continue
            yield text.value()
            if text.peek() == ",":
                text.position += 1  # the "," just seen (take would look for it again)
                continue
            text.take("]")
            break
    if text.peek() != "}":
        text.fail("in an audit-bundle-v2 the entries must be the board's last member")
    text.take("}")
    if text.peek() != "}":
        text.fail("in an audit-bundle-v2 the board must be the bundle's last member")
    text.take("}")
    _at_end(text)


def _at_end(text: _Text) -> None:
    if text.peek() != "":
        text.fail("has more after the JSON value")
