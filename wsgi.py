"""Entry point for gunicorn: `gunicorn -w 4 wsgi:app`."""
import sys

from app import create_app
from app.config import WeakSecretKey

try:
    app = create_app()
except WeakSecretKey as refused:
    # The reason, in a line the service's log shows, rather than a traceback.
    print(refused, file=sys.stderr)
    sys.exit(3)
