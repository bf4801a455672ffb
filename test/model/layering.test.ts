/** DESIGN.md layering: model/ imports tensor/ (and its own files), never autograd/, io/, controlmllm/ or cli/. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const modelDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'model');

it('src/model imports no forbidden layer', () => {
  const bad: string[] = [];
  for (const file of readdirSync(modelDir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(path.join(modelDir, file), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      if (/(^|\/)(autograd|io|controlmllm|cli)\//.test(m[1])) bad.push(`model/${file} imports ${m[1]} (not allowed)`);
    }
  }
  expect(bad).toEqual([]);
});
