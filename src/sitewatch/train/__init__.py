"""Training code (needs the ``train`` extra: torch). Inference never imports this package."""
