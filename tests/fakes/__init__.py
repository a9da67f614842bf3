"""Fakes of remote services, as real HTTP servers on 127.0.0.1, shared by every test suite."""
