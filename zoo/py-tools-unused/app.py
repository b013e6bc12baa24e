"""shorty: a tiny URL shortener as a plain WSGI app, served by gunicorn (app:app)."""
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request

LINKS = {}


def app(environ, start_response):
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    if method == "POST" and path == "/shorten":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        url = environ["wsgi.input"].read(size).decode().strip()
        code = hashlib.sha1(url.encode()).hexdigest()[:7]
        LINKS[code] = url
        return respond(start_response, "201 Created", {"code": code, "url": url})
    if path == "/health":
        return respond(start_response, "200 OK", {"status": "ok", "links": len(LINKS)})
    target = LINKS.get(path.lstrip("/"))
    if target:
        start_response("302 Found", [("Location", target), ("Content-Length", "0")])
        return [b""]
    return respond(start_response, "404 Not Found", {"error": "unknown code"})


def respond(start_response, status, body):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def selftest(port=8765):
    """Start gunicorn on a loopback port and talk to it over HTTP."""
    server = subprocess.Popen(["gunicorn", "-b", "127.0.0.1:%d" % port, "-w", "1", "app:app"])
    base = "http://127.0.0.1:%d" % port
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        for _ in range(50):
            try:
                health = json.load(opener.open(base + "/health", timeout=2))
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer")
        req = urllib.request.Request(base + "/shorten", data=b"https://example.org/a/long/path", method="POST")
        made = json.load(opener.open(req, timeout=2))
        assert health["status"] == "ok" and len(made["code"]) == 7, (health, made)
        print("selftest ok:", made["code"])
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__" and sys.argv[1:2] == ["--selftest"]:
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    selftest()
