"""Deployment: the local all-in-one run and its sinks."""
