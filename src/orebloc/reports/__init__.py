"""Self-contained reports (HTML with inline charts; readable offline)."""
