"""Benchmarks of the loopback's Lambda package against baselines and peers: ``make bench``."""
