"""Intake's front doors: each parses its own request and calls ``incidents.intake.register``."""
