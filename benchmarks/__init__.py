"""`make bench`: figures measured beside this machine's own limits (see limits.py)."""
