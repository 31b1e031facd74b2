"""Risk and benchmark metrics (DESIGN.md §4): pure functions over numbers and tidy tables."""
