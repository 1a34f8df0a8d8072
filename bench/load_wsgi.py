"""The portal as gunicorn serves it, plus the floor bench/load.py measures it against.

`POST /bench/update` is a bare Flask endpoint doing one committed UPDATE of one stored
value: the least any save can cost on the same database, server and load generator.
Used by bench/load.py only; never mounted by wsgi.py.
"""
from __future__ import annotations

from flask import request
from sqlalchemy import text

from app import create_app
from app.extensions import csrf, db

app = create_app()
_UPDATE = text("UPDATE submission_value SET int_value = :v WHERE id = :id")


@csrf.exempt
def bare_update():
    db.session.execute(_UPDATE, {"v": int(request.form["v"]), "id": int(request.form["id"])})
    db.session.commit()
    return "ok"


app.add_url_rule("/bench/update", "bench_update", bare_update, methods=["POST"])
