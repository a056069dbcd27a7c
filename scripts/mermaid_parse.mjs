// Parse Mermaid diagrams with Mermaid's own parser (tests/report/test_mermaid_validity.py).
// usage: node scripts/mermaid_parse.mjs PREFIX < diagrams.json
//   PREFIX: a directory where `npm install --prefix PREFIX mermaid jsdom` ran
// stdin: a JSON list of diagram texts; stdout: a JSON list, null for each valid diagram and the
// parser's message for each invalid one.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const prefix = process.argv[2];
const require = createRequire(join(prefix, 'package.json'));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const { JSDOM } = await load('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await load('mermaid')).default;
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const diagram of JSON.parse(input)) {
  try {
    await mermaid.parse(diagram);
    out.push(null);
  } catch (error) {
    out.push(String((error && error.message) || error));
  }
}
process.stdout.write(JSON.stringify(out));
