"""Pure rules of the review process: ballot forms, policies, counting. No Flask, no SQLAlchemy."""
