"""Deterministic demo districts: `seed(profile, seed, replace)` generates and loads one."""

from layers.demo.seeding import SeedReport, seed

__all__ = ["SeedReport", "seed"]
