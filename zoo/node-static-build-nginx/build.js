// Bundles src/main.js for the browser into dist/app.js and copies public/ next to it.
const esbuild = require("esbuild");
const fs = require("fs");

fs.rmSync("dist", { recursive: true, force: true });
fs.cpSync("public", "dist", { recursive: true });

esbuild
  .build({
    entryPoints: ["src/main.js"],
    bundle: true,
    minify: true,
    target: ["es2018"],
    outfile: "dist/app.js",
  })
  .then(() => {
    for (const f of fs.readdirSync("dist")) console.log(`dist/${f}\t${fs.statSync(`dist/${f}`).size} bytes`);
  })
  .catch(() => process.exit(1));
