"""Importers: every format is read into canonical rows, then validated and written all-or-nothing.

Use catalog.importers.run.import_file(store, path, fmt=..., kind=..., mapping=..., skip_bad=...).
"""
