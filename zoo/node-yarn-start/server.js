const http = require("http");
const fs = require("fs");
const path = require("path");
const mime = require("mime-types");

const root = path.join(__dirname, "public");

const server = http.createServer((req, res) => {
  const urlPath = req.url === "/" ? "/index.html" : req.url.split("?")[0];
  const file = path.join(root, path.normalize(urlPath));
  if (!file.startsWith(root)) {
    res.writeHead(403);
    return res.end();
  }
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      return res.end("not found\n");
    }
    res.writeHead(200, { "Content-Type": mime.contentType(path.extname(file)) || "application/octet-stream" });
    res.end(data);
  });
});

if (process.argv.includes("--selftest")) {
  // Serve on a random port and fetch the front page from ourselves.
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    http.get({ host: "127.0.0.1", port, path: "/" }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        const ok = res.statusCode === 200 && /text\/html/.test(res.headers["content-type"]) && body.includes("<h1>Team handbook</h1>");
        console.log(ok ? "selftest ok" : `selftest FAILED: ${res.statusCode} ${body.slice(0, 200)}`);
        process.exit(ok ? 0 : 1);
      });
    }).on("error", (e) => {
      console.error("selftest FAILED:", e.message);
      process.exit(1);
    });
  });
} else {
  const port = process.env.PORT || 8080;
  server.listen(port, () => console.log(`handbook on :${port}`));
}
