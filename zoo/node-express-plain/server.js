const express = require("express");
const http = require("http");

const app = express();
app.use(express.json());

const todos = [{ id: 1, title: "write the Dockerfile", done: false }];

app.get("/api/todos", (req, res) => res.json(todos));

app.post("/api/todos", (req, res) => {
  const todo = { id: todos.length + 1, title: String(req.body.title || ""), done: false };
  todos.push(todo);
  res.status(201).json(todo);
});

app.get("/healthz", (req, res) => res.send("ok"));

function selftest() {
  // Listen on a random port, add a todo through the API, read the list back.
  const server = app.listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    const payload = JSON.stringify({ title: "smoke" });
    const req = http.request(
      { host: "127.0.0.1", port, path: "/api/todos", method: "POST", headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } },
      (res) => {
        res.resume();
        http.get({ host: "127.0.0.1", port, path: "/api/todos" }, (res2) => {
          let body = "";
          res2.on("data", (c) => (body += c));
          res2.on("end", () => {
            const list = JSON.parse(body);
            const ok = res.statusCode === 201 && list.length === 2 && list[1].title === "smoke";
            console.log(ok ? "selftest ok" : `selftest FAILED: ${body}`);
            process.exit(ok ? 0 : 1);
          });
        });
      }
    );
    req.on("error", (e) => {
      console.error("selftest FAILED:", e.message);
      process.exit(1);
    });
    req.end(payload);
  });
}

if (process.argv.includes("--selftest")) {
  selftest();
} else {
  const port = process.env.PORT || 3000;
  app.listen(port, () => console.log(`todo-api listening on port ${port}`));
}
