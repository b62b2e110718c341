"""Pure cryptography for votingapp: no Flask, no SQLAlchemy, only `cryptography`."""
