"""The bloc's web dashboard: server-rendered pages over the service's core calls and sharing rules."""
