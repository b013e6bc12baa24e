import http from "node:http";
import { shorten, resolve } from "./store.js";

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/shorten") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      try {
        const code = shorten(JSON.parse(body).url);
        res.writeHead(201, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ code }));
      } catch (e) {
        res.writeHead(400, { "Content-Type": "text/plain" });
        res.end(`${e.message}\n`);
      }
    });
    return;
  }
  const target = resolve(req.url.slice(1));
  if (target) {
    res.writeHead(302, { Location: target });
    return res.end();
  }
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("no such link\n");
});

function request(port, method, path, payload) {
  return new Promise((ok, fail) => {
    const req = http.request({ host: "127.0.0.1", port, method, path }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => ok({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", fail);
    req.end(payload);
  });
}

if (process.argv.includes("--selftest")) {
  server.listen(0, "127.0.0.1", async () => {
    const { port } = server.address();
    try {
      const made = await request(port, "POST", "/shorten", JSON.stringify({ url: "https://example.org/docs" }));
      const { code } = JSON.parse(made.body);
      const hop = await request(port, "GET", `/${code}`);
      const ok = made.status === 201 && code.length === 7 && hop.status === 302 && hop.headers.location === "https://example.org/docs";
      console.log(ok ? "selftest ok" : `selftest FAILED: ${made.body} ${hop.status}`);
      process.exit(ok ? 0 : 1);
    } catch (e) {
      console.error("selftest FAILED:", e.message);
      process.exit(1);
    }
  });
} else {
  const port = process.env.PORT || 8080;
  server.listen(port, () => console.log(`shortlinks on :${port}`));
}
