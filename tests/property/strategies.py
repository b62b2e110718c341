"""Hypothesis strategies for ballots: forms, choices, and mutations of sealed ballots."""

from hypothesis import strategies as st

from votingapp.domain import ballot_forms as forms

subject_ids = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
session_ids = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)


@st.composite
def ballot_forms(draw):
    kind = draw(st.sampled_from(forms.KINDS))
    if kind == forms.MOTION:
        subjects = [forms.MOTION_SUBJECT]
    else:
        subjects = draw(st.lists(subject_ids, min_size=1, max_size=8, unique=True))
    return draw(session_ids), kind, subjects


@st.composite
def filled_ballots(draw):
    """A form and a complete, valid choice for every subject."""
    session_id, kind, subjects = draw(ballot_forms())
    options = forms.option_ids(kind)
    choices = {s: draw(st.sampled_from(options)) for s in subjects}
    return session_id, kind, subjects, choices


@st.composite
def byte_mutations(draw, size):
    """(position, new byte value) pairs that change at least one byte of a blob of `size`."""
    position = draw(st.integers(0, size - 1))
    delta = draw(st.integers(1, 255))
    return position, delta
