"""Getting in: the first-run setup, logging in, the idle lock and its lock screen, re-authentication, and the
user's own signing identity."""
