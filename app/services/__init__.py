"""The middle layer: load, check, change, record.

Each module owns its queries and transactions and imports nothing from Flask,
Flask-Login or Werkzeug: it takes the user and plain arguments and raises the errors in
``errors`` which the app maps to 404/403/409. See docs/architecture.md.
"""
