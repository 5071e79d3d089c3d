"""The case screens: the case list, the case editor and the screening panel beside it."""
