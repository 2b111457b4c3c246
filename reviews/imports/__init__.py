"""The import engine: one pipeline for every kind, file, API push and the demo seed.

files.py opens and checks a source (size, encoding, zip bomb, row limit) and yields Arrow
record batches of strings; validate.py checks them column by column (vectorised) and turns
them into typed columns; load.py applies a valid file in one transaction (COPY on
PostgreSQL); kinds.py says what each kind's columns mean. reviews/services/imports.py runs
the whole and keeps the ImportBatch row.
"""
