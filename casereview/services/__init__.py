"""The use cases the UI and the command line call. Each takes a Session and says what it changed."""
