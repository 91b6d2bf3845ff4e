"""A hello-world Flask app: the floor that bench/load.py serves beside the portal, on the same
gunicorn settings (`gunicorn bench.hello:app`)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
