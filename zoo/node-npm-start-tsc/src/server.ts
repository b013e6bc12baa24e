import http from "http";
import { AddressInfo } from "net";
import ms from "ms";

const started = Date.now();

export function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === "/health") {
    const up = Date.now() - started;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "ok", uptime: ms(Math.max(up, 1000)) }));
    return;
  }
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found\n");
}

const server = http.createServer(handler);

if (process.argv.includes("--selftest")) {
  // Serve on a random port, ask ourselves for /health, exit 0 only if the answer is right.
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as AddressInfo).port;
    http.get({ host: "127.0.0.1", port, path: "/health" }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => {
        const ok = res.statusCode === 200 && JSON.parse(body).uptime === "1s";
        console.log(ok ? "selftest ok" : `selftest FAILED: ${res.statusCode} ${body}`);
        server.close();
        process.exit(ok ? 0 : 1);
      });
    }).on("error", (err) => {
      console.error("selftest FAILED:", err.message);
      process.exit(1);
    });
  });
} else {
  const port = Number(process.env.PORT) || 3000;
  server.listen(port, () => console.log(`listening on :${port}`));
}
