"""Pieces every screen uses: background work with progress, problem messages, the rows model, and the file dialogs."""
