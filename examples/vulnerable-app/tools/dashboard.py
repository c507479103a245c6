"""Internal status dashboard of the example app. Deliberately vulnerable: see ../README.md."""

from flask import Flask

app = Flask(__name__)


@app.route("/status")
def status():
    return {"ok": True}


if __name__ == "__main__":
    # Flask's interactive debugger runs code sent to it: never enable it on a reachable host.
    app.run(host="0.0.0.0", port=5000, debug=True)
