"""Local run: every service on this machine, with a mail sink and an SMS folder."""
