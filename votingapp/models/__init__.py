"""SQLAlchemy tables. Secrecy is held by the schema: attendance and tokens live apart from
ballots, and the ballot table has no link to a person, a token, a time or an order."""

from .accounts import ApiToken, ActivityEvent, User
from .ballots import (Ballot, BallotSession, Board, CiphertextKey, KioskCode, PartialDecryption, SessionState,
                      SpoiledBallot, Subject, Tally, Token, TokenIssue, TokenState)
from .grading import Decision, HallKey, Proposal, QuotaException, RatingSubject, ReviewCycle, SelfAssessment
from .organizations import Attendance, Meeting, Member, Organization, OrganizationLevel

__all__ = [
    "ApiToken", "Attendance", "ActivityEvent", "Ballot", "BallotSession", "Board", "CiphertextKey", "Decision", "HallKey", "KioskCode",
    "Meeting", "Member", "Organization", "OrganizationLevel", "PartialDecryption", "Proposal", "QuotaException", "RatingSubject",
    "ReviewCycle", "SelfAssessment", "SessionState", "SpoiledBallot", "Subject", "Tally", "Token", "TokenIssue", "TokenState", "User",
]
