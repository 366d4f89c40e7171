"""Benchmarks: timings and memory, measured here, never asserted in tests."""
