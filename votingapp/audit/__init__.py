"""Publishing and verifying a vote: the board, the signed tally and the audit bundle.

Pure like crypto/ and domain/ (no Flask, no SQLAlchemy), so `votingapp verify` runs on any
machine with the package and no database or server.
"""
