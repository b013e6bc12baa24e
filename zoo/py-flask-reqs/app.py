"""A small Flask site: a reading list rendered from templates/ and a JSON API."""
import sys

from flask import Flask, jsonify, render_template, request

app = Flask(__name__)

BOOKS = [
    {"title": "The Pragmatic Programmer", "author": "Hunt & Thomas", "read": True},
    {"title": "Structure and Interpretation of Computer Programs", "author": "Abelson & Sussman", "read": False},
    {"title": "The C Programming Language", "author": "Kernighan & Ritchie", "read": True},
]


@app.route("/")
def index():
    only_unread = request.args.get("unread") == "1"
    books = [b for b in BOOKS if not (only_unread and b["read"])]
    return render_template("index.html", books=books, total=len(BOOKS))


@app.route("/api/books", methods=["GET", "POST"])
def books():
    if request.method == "POST":
        book = request.get_json(force=True)
        BOOKS.append({"title": book["title"], "author": book.get("author", "?"), "read": False})
        return jsonify(BOOKS[-1]), 201
    return jsonify(BOOKS)


def selftest():
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 200 and b"<li>The C Programming Language" in page.data, page.data
    created = client.post("/api/books", json={"title": "Dune", "author": "Herbert"})
    assert created.status_code == 201, created.status_code
    unread = client.get("/?unread=1").data
    assert b"Dune" in unread and b"Pragmatic" not in unread, unread
    print("selftest ok:", len(client.get("/api/books").get_json()), "books")


if __name__ == "__main__":
    if "--selftest" in sys.argv:
        selftest()
    else:
        app.run(host="0.0.0.0", port=5000)
