import fs from "fs";
import path from "path";

// Total size in bytes of the files under dir (symlinks not followed).
export function treeSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += treeSize(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}
