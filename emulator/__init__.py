"""Offline emulator of Google OAuth 2.0 and the YouTube Data API v3.

Start it with `python -m emulator --port 0 --data-dir DIR` (see README.md),
or from Python tests with `emulator.testing.start_emulator(DIR)`.
Standard library only.
"""
