/** `controlmllm tokenize` run in-process against the llava-1.5-7b-hf fixture folder. */
import { join } from 'node:path';
import { tokenizeCommand } from '../../src/cli/commands/tokenize.js';

const MODEL = join(process.cwd(), 'test/fixtures/llava-1.5-7b-hf');
const PROMPT = "USER: <image>\nWhat's the content of the image? ASSISTANT:";
const PROMPT_IDS = '1,3148,1001,29901,29871,32000,29871,13,5618,29915,29879,278,2793,310,278,1967,29973,319,1799,9047,13566,29901';

async function tokenize(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await tokenizeCommand.run(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('controlmllm tokenize', () => {
  test('describes itself', () => {
    expect(tokenizeCommand.name).toBe('tokenize');
    expect(tokenizeCommand.usage).toMatch(/^usage: controlmllm tokenize --model DIR/);
    expect(tokenizeCommand.summary.length).toBeGreaterThan(0);
  });

  test('prints the ids of the text, comma-separated', async () => {
    expect(await tokenize('--model', MODEL, PROMPT)).toEqual({ code: 0, stdout: `${PROMPT_IDS}\n`, stderr: '' });
    expect(await tokenize('--model', MODEL, 'Hello world')).toEqual({ code: 0, stdout: '1,15043,3186\n', stderr: '' });
  });

  test('--no-bos leaves out <s>; --json adds the token spellings', async () => {
    expect((await tokenize('--model', MODEL, '--no-bos', 'Hello world')).stdout).toBe('15043,3186\n');
    const { code, stdout } = await tokenize('--model', MODEL, '--json', 'Hello world');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ids: [1, 15043, 3186], tokens: ['<s>', '▁Hello', '▁world'] });
  });

  test('--decode prints the text; --skip-special drops <s> and <image>', async () => {
    expect((await tokenize('--model', MODEL, '--decode', '1,15043,3186')).stdout).toBe('<s> Hello world\n');
    expect((await tokenize('--model', MODEL, '--decode', PROMPT_IDS, '--skip-special')).stdout).toBe(
      "USER:  \nWhat's the content of the image? ASSISTANT:\n",
    );
    const json = await tokenize('--model', MODEL, '--decode', '[15043, 3186]', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ ids: [15043, 3186], text: 'Hello world' });
    expect(json.code).toBe(0);
  });

  test('--help prints the usage', async () => {
    expect(await tokenize('--help')).toEqual({ code: 0, stdout: `${tokenizeCommand.usage}\n`, stderr: '' });
  });

  const NOT_AN_ID = 'is not a token id (expected comma-separated non-negative integers, e.g. 1,15043,3186)';
  const USAGE_ERRORS: [string[], string][] = [
    [['--model', MODEL, '--frobnicate', 'x'], "unknown option '--frobnicate' (see 'controlmllm tokenize --help')"],
    [['--model', MODEL, '--decode', '1,two,3'], `--decode: "two" ${NOT_AN_ID}`],
    [['--model', MODEL, '--decode', '1,2.5'], `--decode: "2.5" ${NOT_AN_ID}`],
    [['--model', MODEL, '--decode', '1,,2'], `--decode: "" ${NOT_AN_ID}`],
    [['--model', MODEL, '--decode', ''], '--decode: no ids given'],
    [['Hello'], '--model DIR is required'],
    [['--model', MODEL], 'nothing to do: give TEXT or --decode IDS'],
    [['--model', MODEL, 'a', 'b'], 'expected one TEXT argument (quote it), got 2'],
    [['--model', MODEL, '--decode', '1', 'a'], 'give either TEXT or --decode IDS, not both'],
    [['--model', MODEL, '--decode', '1', '--no-bos'], '--no-bos applies to encoding, not to --decode'],
    [['--model', MODEL, '--skip-special', 'a'], '--skip-special applies to --decode only'],
  ];
  test.each(USAGE_ERRORS.map(([argv, message]) => [argv.join(' ').replace(MODEL, 'DIR'), argv, message] as const))(
    'usage error "%s" → exit 2',
    async (_name, argv, message) => {
      expect(await tokenize(...argv)).toEqual({ code: 2, stdout: '', stderr: `controlmllm tokenize: ${message}\n` });
    },
  );

  test('a missing option value is a usage error', async () => {
    const { code, stderr } = await tokenize('--model');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^controlmllm tokenize: Option '--model <value>' argument missing/);
  });

  test('tokenizer failures exit 1 with the message', async () => {
    expect(await tokenize('--model', '/no/such/model', 'x')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'controlmllm tokenize: tokenizer folder not found: /no/such/model\n',
    });
    const unknownId = await tokenize('--model', MODEL, '--decode', '1,99999');
    expect(unknownId.code).toBe(1);
    expect(unknownId.stderr).toBe('controlmllm tokenize: decode: id 99999 is not in the vocabulary (ids 0..32001)\n');
  });
});
