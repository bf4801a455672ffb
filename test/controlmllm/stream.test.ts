/**
 * Streamed answers on the bundled model (WordPiece tokenizer, answers of several words):
 * the pieces askAboutRegion passes to onToken, joined, equal each answer's final text (spaces included),
 * and `controlmllm generate` prints the same text it reports in --json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { askAboutRegion, loadSession, readImageFile } from '../../src/node.js';

const dir = path.join(process.cwd(), 'weights', 'default');
const QUESTION = 'What objects are there from left to right?'; // answers of several words
const demo = JSON.parse(readFileSync(path.join(dir, 'demo.json'), 'utf8')) as { image: string; question: string; box: [number, number, number, number] };

describe('streamed answers', () => {
  it('askAboutRegion: the onToken pieces of each answer join to its text', async () => {
    const session = await loadSession(dir);
    const image = readImageFile(path.join(dir, demo.image));
    const streamed = { baseline: '', controlled: '' };
    const counts = { baseline: 0, controlled: 0 };
    const r = await askAboutRegion(session, { image, question: QUESTION, regions: [{ type: 'box', box: demo.box, format: 'xywh' }] }, {
      method: 'pp', steps: 2, lr: 0.1, layers: [0, 1], maxNewTokens: 8,
      onToken: (which, _t, text) => {
        streamed[which] += text;
        counts[which]++;
      },
    });
    for (const which of ['baseline', 'controlled'] as const) {
      const answer = which === 'baseline' ? r.baseline! : r.controlled;
      expect(counts[which]).toBe(answer.tokens.length);
      expect(streamed[which]).toBe(answer.text);
    }
    expect(r.controlled.text).toMatch(/^\S+ \S+/); // two words: the space between them is streamed
  });

  it('controlmllm generate: the streamed line equals the --json answer', async () => {
    const args = ['generate', '--model', dir, '--image', path.join(dir, demo.image), '--question', QUESTION, '--max-new-tokens', '8'];
    let text = '';
    expect(await main(args, { stdout: (s) => (text += s), stderr: () => {} })).toBe(0);
    let json = '';
    expect(await main([...args, '--json'], { stdout: (s) => (json += s), stderr: () => {} })).toBe(0);
    const answer = (JSON.parse(json) as { answer: string }).answer;
    expect(answer).toContain(' ');
    expect(text).toBe(`${answer}\n`);
  });
});
