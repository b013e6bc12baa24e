"""Status board: a Flask service that reports on a list of URLs it checks with requests."""
import os
import sys
import threading
import time

import requests
from flask import Flask, jsonify
from werkzeug.serving import make_server

app = Flask(__name__)
TARGETS = [u for u in os.environ.get("CHECK_URLS", "").split(",") if u]
START = time.time()
http = requests.Session()


@app.route("/health")
def health():
    return jsonify(status="ok", uptime=round(time.time() - START, 1))


@app.route("/checks")
def checks():
    results = {}
    for url in TARGETS:
        try:
            results[url] = http.get(url, timeout=3).status_code
        except requests.RequestException as exc:
            results[url] = type(exc).__name__
    return jsonify(results)


def selftest():
    # Serve on a free local port in a thread, then call ourselves with requests.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    http.trust_env = False  # no proxy for our own loopback
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_port
    TARGETS[:] = [base + "/health"]
    body = http.get(base + "/checks", timeout=5).json()
    server.shutdown()
    assert body == {base + "/health": 200}, body
    print("selftest ok")


if __name__ == "__main__":
    if "--selftest" in sys.argv:
        selftest()
    else:
        app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
