"""Pydantic models of the Debug Adapter Protocol messages the server reads and writes."""
