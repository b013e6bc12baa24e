import bytes from "bytes";
import { treeSize } from "./size";

function main(argv: string[]): number {
  if (argv[0] === "--sum") {
    // e.g. --sum 1536 2KB  ->  3.5KB
    const total = argv.slice(1).reduce((acc, s) => acc + (bytes.parse(s) ?? NaN), 0);
    if (Number.isNaN(total)) {
      console.error("not a size in:", argv.slice(1).join(" "));
      return 2;
    }
    console.log(bytes.format(total));
    return 0;
  }
  const dirs = argv.length ? argv : [process.env.REPORT_DIR || "."];
  for (const dir of dirs) console.log(`${dir}\t${bytes.format(treeSize(dir))}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
