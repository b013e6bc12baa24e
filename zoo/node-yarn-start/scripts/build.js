// Renders content/*.md to public/*.html with marked (a devDependency: only needed at build time).
const fs = require("fs");
const path = require("path");
const { marked } = require("marked");

const src = path.join(__dirname, "..", "content");
const out = path.join(__dirname, "..", "public");
fs.mkdirSync(out, { recursive: true });

for (const file of fs.readdirSync(src).filter((f) => f.endsWith(".md"))) {
  const body = marked.parse(fs.readFileSync(path.join(src, file), "utf8"));
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>Handbook</title></head>\n<body>\n${body}</body></html>\n`;
  const target = path.join(out, file.replace(/\.md$/, ".html"));
  fs.writeFileSync(target, html);
  console.log(`built ${path.relative(process.cwd(), target)}`);
}
