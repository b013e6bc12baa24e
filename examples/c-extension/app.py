from flask import Flask, jsonify, request

import faststats

app = Flask(__name__)


@app.get("/mean")
def mean():
    values = [float(v) for v in request.args.getlist("x")]
    return jsonify(mean=faststats.mean(values))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
