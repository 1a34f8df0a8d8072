"""The portal as gunicorn serves it, plus the floor bench/load.py measures it against.

`POST /bench/update` is a bare Flask app — one route, no login, no session, no hooks —
doing one committed UPDATE of one stored value through SQLAlchemy on the same database,
with the portal's engine options (pool pre-ping; on SQLite the same WAL pragmas, set on
every connection by the app package): the least any save can cost on the same server and
load generator. Used by bench/load.py only; wsgi.py never mounts it.
"""
from __future__ import annotations

from flask import Flask, request
from sqlalchemy import create_engine, text
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app import create_app

portal = create_app()
floor = Flask("floor")
engine = create_engine(portal.config["SQLALCHEMY_DATABASE_URI"], **portal.config["SQLALCHEMY_ENGINE_OPTIONS"])
_UPDATE = text("UPDATE submission_value SET int_value = :v WHERE id = :id")


@floor.post("/update")
def bare_update():
    with engine.begin() as conn:
        conn.execute(_UPDATE, {"v": int(request.form["v"]), "id": int(request.form["id"])})
    return "ok"


app = DispatcherMiddleware(portal, {"/bench": floor})
