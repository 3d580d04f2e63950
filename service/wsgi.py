"""The WSGI entry point gunicorn imports."""

from service.app import create_app

app = create_app()
