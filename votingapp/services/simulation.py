"""A simulated room of voters: issue tokens, then vote through the real HTTP endpoints.

Each simulated phone does what the voter page does: look the token up, fill a ballot, seal it
under the scheme and to the session key it was given, and cast it. The choices are planned up front
from a seed, so a run is repeatable and its recorded counts can be compared with the tally
(the only check of secrecy-preserving counting an outsider can make).
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..crypto import sealed
from ..crypto.encoding import b64decode
from ..crypto.verifiable import ballots as verifiable_ballots
from ..crypto.verifiable.session import SCHEME as VERIFIABLE
from ..crypto.verifiable.session import Session as VerifiableSession
from ..domain import ballot_forms
from ..models import BallotSession
from . import ballots

#: ways a deliberately invalid ballot is wrong, named as the tally names the reason
INVALID_KINDS = ("unknown_option", "wrong_session", "blank")
#: a verifiable-v1 ballot proves it is well formed, so blank is the only invalid one it can be
VERIFIABLE_INVALID_KINDS = ("blank",)
HTTP_TIMEOUT = 60


@dataclass(frozen=True)
class PlannedBallot:
    """What one simulated voter will send: choices per subject, or a deliberate fault."""
    choices: dict[str, str]
    invalid_reason: str | None = None

    def plaintext(self, session_id: str, plaintext_size: int) -> bytes:
        if self.invalid_reason == "wrong_session":
            session_id = str(uuid.UUID(int=uuid.UUID(session_id).int ^ 1))  # same length, another id
        return sealed.pad_plaintext({"v": 1, "session": session_id, "choices": self.choices}, plaintext_size)


def plan_ballots(subject_ids: list[str], kind: str, voters: int, invalid: int, rng: random.Random,
                 invalid_kinds: tuple[str, ...] = INVALID_KINDS) -> list[PlannedBallot]:
    """`voters` ballots in random order, `invalid` of them faulty in turn by `invalid_kinds`."""
    if not 0 <= invalid <= voters:
        raise ValueError("invalid must be between 0 and the number of voters")
    options = ballot_forms.option_ids(kind)
    planned = [PlannedBallot({s: rng.choice(options) for s in subject_ids}) for _ in range(voters - invalid)]
    for i in range(invalid):
        reason = invalid_kinds[i % len(invalid_kinds)]
        choices = {} if reason == "blank" else {s: rng.choice(options) for s in subject_ids}
        if reason == "unknown_option":
            choices[subject_ids[0]] = "khong-ro"
        planned.append(PlannedBallot(choices, reason))
    rng.shuffle(planned)
    return planned


@dataclass
class SimulationResult:
    """What the simulated room did; `choices` and `invalid` count only ballots the server accepted."""
    session_id: str
    voters: int
    concurrency: int
    seed: int | None
    cast: int = 0
    choices: dict[str, Counter] = field(default_factory=dict)
    invalid: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def ballots_per_second(self) -> float:
        return self.cast / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {
            "session": self.session_id, "voters": self.voters, "concurrency": self.concurrency,
            "seed": self.seed, "cast": self.cast, "valid": self.cast - sum(self.invalid.values()),
            "invalid": sum(self.invalid.values()), "invalid_by_reason": dict(sorted(self.invalid.items())),
            "choices": {subject: dict(sorted(counts.items())) for subject, counts in self.choices.items()},
            "refused": dict(self.refused), "seconds": round(self.seconds, 3),
            "ballots_per_second": round(self.ballots_per_second, 1),
        }


class VoterError(Exception):
    """The server refused a voter request; `code` is the API error code (or http_<status>)."""

    def __init__(self, status: int, code: str):
        super().__init__(f"{status} {code}")
        self.status, self.code = status, code


def post_json(url: str, payload: dict) -> tuple[int, dict]:
    """POST JSON, return (status, JSON body); 4xx/5xx become VoterError with the error code."""
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            code = json.load(exc)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = f"http_{exc.code}"
        raise VoterError(exc.code, code) from None


def vote_once(base_url: str, token: str, plan: PlannedBallot) -> str:
    """One phone: look up, seal to the key the server gave, cast. Returns the receipt."""
    _, session = post_json(f"{base_url}/api/v1/ballot/lookup", {"token": token})
    if session["scheme"] == VERIFIABLE:
        ballot = seal_verifiable(session["verifiable"], plan)
    else:
        plaintext = plan.plaintext(session["id"], session["plaintext_size"])
        ballot = sealed.seal(plaintext, session["id"], b64decode(session["public_key"]),
                             scheme=session["scheme"]).to_dict()
    _, answer = post_json(f"{base_url}/api/v1/ballot/cast", {"token": token, "ballot": ballot})
    return answer["receipt"]


def seal_verifiable(crypto_session: dict, plan: PlannedBallot) -> dict:
    """A verifiable-v1 ballot for `plan`, sealed as the phone does from the lookup's
    `verifiable` session: one option index per subject in board order, or blank."""
    public = VerifiableSession.from_json(crypto_session)
    choices = None if plan.invalid_reason == "blank" or not plan.choices else \
        [public.options.index(plan.choices[subject]) for subject in public.subjects]
    return verifiable_ballots.to_wire(verifiable_ballots.seal_ballot(public, choices).ballot)


def run_simulation(session: BallotSession, *, voters: int, base_url: str, seed: int | None = None,
                   invalid: int = 0, concurrency: int = 8, by="cli") -> SimulationResult:
    """Issue `voters` tokens (mode "cli") and cast one planned ballot with each over HTTP."""
    if voters < 1 or concurrency < 1:
        raise ValueError("voters and concurrency must be at least 1")
    subject_ids = [subject.key for subject in session.subjects]
    plans = plan_ballots(subject_ids, session.kind, voters, invalid, random.Random(seed),
                         VERIFIABLE_INVALID_KINDS if session.scheme == VERIFIABLE else INVALID_KINDS)
    issued = ballots.issue_tokens(session, voters, mode="cli", by=by)
    result = SimulationResult(session.id, voters, concurrency, seed,
                              choices={s: Counter() for s in subject_ids})
    base_url = base_url.rstrip("/")

    def attempt(pair):
        token, plan = pair
        try:
            vote_once(base_url, token, plan)
            return plan, None
        except VoterError as exc:
            return plan, exc.code
        except OSError as exc:  # connection refused, reset, timeout
            return plan, type(exc).__name__

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        # one plan per token as planned; a mismatch never raised before
        outcomes = list(pool.map(attempt, zip(issued, plans, strict=False)))
    result.seconds = time.perf_counter() - started
    for plan, refusal in outcomes:
        if refusal:
            result.refused[refusal] += 1
            continue
        result.cast += 1
        if plan.invalid_reason:
            result.invalid[plan.invalid_reason] += 1
        else:
            for subject, option in plan.choices.items():
                result.choices[subject][option] += 1
    return result
