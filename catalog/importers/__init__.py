"""Importers: every format is read into canonical rows, then validated and written all-or-nothing."""
