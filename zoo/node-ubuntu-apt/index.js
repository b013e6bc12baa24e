const http = require("http");
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const flagsFile = process.env.FLAGS_FILE || path.join(__dirname, "flags.yml");

function loadFlags() {
  return YAML.parse(fs.readFileSync(flagsFile, "utf8")) || {};
}

const server = http.createServer((req, res) => {
  const flags = loadFlags();
  const name = decodeURIComponent(req.url.replace(/^\/flags\/?/, ""));
  if (!req.url.startsWith("/flags")) {
    res.writeHead(404);
    return res.end();
  }
  const body = name ? flags[name] : flags;
  if (body === undefined) {
    res.writeHead(404, { "Content-Type": "application/json" });
    return res.end(JSON.stringify({ error: `unknown flag ${name}` }));
  }
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
});

if (process.argv.includes("--selftest")) {
  server.listen(0, "127.0.0.1", () => {
    http.get({ host: "127.0.0.1", port: server.address().port, path: "/flags/new-checkout" }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        const flag = JSON.parse(body);
        const ok = res.statusCode === 200 && flag.enabled === true && flag.rollout === 25;
        console.log(ok ? "selftest ok" : `selftest FAILED: ${body}`);
        process.exit(ok ? 0 : 1);
      });
    }).on("error", (e) => {
      console.error("selftest FAILED:", e.message);
      process.exit(1);
    });
  });
} else {
  const port = process.env.PORT || 8080;
  server.listen(port, () => console.log(`feature-flags on :${port}`));
}
