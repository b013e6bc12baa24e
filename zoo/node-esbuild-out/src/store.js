import { customAlphabet } from "nanoid";

const newCode = customAlphabet("23456789abcdefghjkmnpqrstuvwxyz", 7);
const links = new Map();

export function shorten(url) {
  const parsed = new URL(url); // throws on garbage
  if (!/^https?:$/.test(parsed.protocol)) throw new Error("only http(s) links");
  const code = newCode();
  links.set(code, parsed.href);
  return code;
}

export function resolve(code) {
  return links.get(code);
}
