"""Benchmarks behind scripts/bench: each module measures one pair side by side (docs: README)."""
