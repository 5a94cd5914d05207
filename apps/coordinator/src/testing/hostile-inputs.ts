/**
 * Hostile requests for the corpus test (hostile-input-corpus.test.ts): the findings of the service's hostile
 * probe (huge powers, alias bombs, NUL and lone surrogates, 2^53 − 1 counts, paths out of MODEL_DIR, sandbox
 * escapes, …), malformed and oversized bodies, and fast-check arbitraries that generate meta-configurations or
 * break valid upstream ones in ways that always make them invalid. Every one must be answered 4xx, located.
 */
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { upstreamFile } from './harness.js';

export interface HostileRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

export interface HostileCase {
  name: string;
  request: HostileRequest;
  /** The status this case must get, where one is certain (otherwise any 4xx). */
  status?: number;
}

const YAML = { 'content-type': 'application/yaml' };
const JSON_TYPE = { 'content-type': 'application/json' };

export const yamlPost = (payload: string | Buffer, query = ''): HostileRequest => ({ method: 'POST', url: `/sweeps${query}`, headers: YAML, payload });
export const jsonPost = (payload: string, query = ''): HostileRequest => ({ method: 'POST', url: `/sweeps${query}`, headers: JSON_TYPE, payload });

function multipart(filename: string, content: string | Buffer, fields: Record<string, string> = {}): HostileRequest {
  const boundary = 'hostile-boundary-7d1f';
  const parts = [
    ...Object.entries(fields).map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/yaml\r\n\r\n`,
  ];
  const payload = Buffer.concat([Buffer.from(parts.join('')), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { method: 'POST', url: '/sweeps', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload };
}

/** A small training-like sweep of `jobs` grid points whose key `c` is set by the inline snippet `lambda x: <body>`. */
const inlineEval = (body: string, jobs = 10) =>
  `project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration:\n  b: {sweep: true, values: [${[...Array(jobs).keys()].join(', ')}]}\n  c: ${JSON.stringify(`dy__eval(lambda x: ${body})`)}\n`;

/** The same with a code-block snippet. */
const blockEval = (code: string) =>
  `project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration:\n  b: {sweep: true, values: [1, 2]}\n  dy__upsert:\n  - dy__eval:\n      expression: |\n${code.split('\n').map((l) => `        ${l}`).join('\n')}\n      function_of_interest: f\n`;

/** Valid as they are (dry runs pass); the mutations below each make them invalid. */
export const VALID_FIXTURES = [
  'ood/complexity/grayscale_complexity.yaml',
  'ood/intrinsic_dimension/diffusions/grayscale_LID_vs_likelihood.yaml',
  'ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml',
  'ood/intrinsic_dimension/flows/rgb_ID_vs_likelihood.yaml',
  'ood/ratios/grayscale_ratios.yaml',
  'ood/ratios/rgb_diffusion_ratio.yaml',
  'training/diffusions/grayscale_diffusions.yaml',
  'training/flows/grayscale_flows.yaml',
  'training/flows/colorful_background_flows.yaml',
] as const;

const OOD = () => upstreamFile('ood/ratios/grayscale_ratios.yaml');
const TRAIN = () => upstreamFile('training/flows/grayscale_flows.yaml');
const LID = () => parse(upstreamFile('ood/intrinsic_dimension/flows/grayscale_LID_vs_likelihood.yaml')) as Record<string, unknown>;

/** Sets every `key` anywhere in `node` to `value`; returns how many it set. */
export function setEvery(node: unknown, key: string, value: unknown): number {
  let n = 0;
  if (Array.isArray(node)) for (const item of node) n += setEvery(item, key, value);
  else if (node !== null && typeof node === 'object') {
    for (const [k, child] of Object.entries(node)) {
      if (k === key) {
        (node as Record<string, unknown>)[k] = value;
        n++;
      } else n += setEvery(child, key, value);
    }
  }
  return n;
}

const withEvery = (doc: Record<string, unknown>, key: string, value: unknown) => {
  setEvery(doc, key, value);
  return stringify(doc);
};

/** `base_config.<key>` of a valid file set to `value`, as YAML. */
const withBase = (file: string, key: string, value: unknown, write: (doc: unknown) => string = stringify) => {
  const doc = parse(upstreamFile(file)) as { base_config: Record<string, unknown> };
  doc.base_config[key] = value;
  return write(doc);
};

const nested = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

function aliasBomb(levels: number, fanout: number): string {
  const lines = ['project: p', 'a0: &a0 ["lol"]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(fanout).fill(`*a${i - 1}`).join(', ')}]`);
  lines.push(`base_config: {model: {m: *a${levels}}, trainer: {t: 1}}`, 'sweep_configuration: {b: {sweep: true, values: [1]}}');
  return lines.join('\n');
}

function largeScalarAliases(copies: number): string {
  const big = 'x'.repeat(1024 * 1024);
  return `project: p\nbig: &big "${big}"\nbase_config:\n  model: {m: 1}\n  trainer: {t: 1}\n${[...Array(copies).keys()].map((i) => `  k${i}: *big`).join('\n')}\nsweep_configuration: {b: {sweep: true, values: [1, 2]}}\n`;
}

const POWERS = ['9**(3*10**7)', '9**(10**8)', '10**10**10', '(-3)**(10**9)', '2**53', '2**10**100', '10.0**400', "int('9'*5000)", "'a'*(10**9)", '[0]*(10**9)', '[[0]*10**4]*10**4', '(2**52)*(2**52)*(2**52)'];

const ESCAPES = [
  "__import__('os').system('true')",
  "open('/etc/passwd').read()",
  "getattr(x, '__class__')",
  '().__class__.__bases__[0].__subclasses__()',
  '(lambda: 0).__globals__',
  "eval('1')",
  "exec('y = 1')",
  'globals()',
  'vars()',
  "compile('1', '', 'eval')",
  'x.__dict__',
  'type(x).__mro__',
  '__builtins__',
  'breakpoint()',
  "input('?')",
  '(lambda f: f(f))(lambda f: f(f))',
  "[c for c in ''.__class__.__subclasses__()]",
  "setattr(x, 'a', 1)",
];

const BLOCK_ESCAPES = [
  'import os\ndef f(c):\n  return os.system("true")',
  'from os import system\ndef f(c):\n  return c',
  'import meta_configurations.sub\ndef f(c):\n  return c',
  'from importlib import import_module\ndef f(c):\n  return c',
  'def f(c):\n  return f(c)',
  'def f(c):\n  while True:\n    pass\n  return c',
  'def f(c):\n  for i in range(10**9):\n    pass\n  return c',
  'class A:\n  pass\ndef f(c):\n  return c',
  'def f(c):\n  try:\n    return c\n  except Exception:\n    return c',
  'def f(c):\n  with open("/etc/passwd") as h:\n    return h.read()',
];

export function fixedCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (name: string, request: HostileRequest, status?: number) => cases.push({ name, request, ...(status !== undefined ? { status } : {}) });

  // Finding 5: integer powers and other arithmetic that would allocate without bound.
  for (const e of POWERS) add(`dy__eval arithmetic ${e}`, yamlPost(inlineEval(e), '?kind=train'), 400);
  // dy__eval escapes: refused before anything runs (or, for recursion, by the call depth).
  for (const e of ESCAPES) add(`dy__eval escape ${e}`, yamlPost(inlineEval(e, 2), '?kind=train'), 400);
  for (const code of BLOCK_ESCAPES) add(`dy__eval block ${code.split('\n')[0]}`, yamlPost(blockEval(code), '?kind=train'), 400);

  // Finding 6: YAML aliases.
  add('billion laughs (9 levels × 10)', yamlPost(aliasBomb(9, 10), '?kind=train'), 400);
  add('alias chain 30 levels × 2', yamlPost(aliasBomb(30, 2), '?kind=train'), 400);
  add('1 MiB scalar × 100 aliases', yamlPost(largeScalarAliases(100), '?kind=train'), 400);
  add('1 MiB scalar × 300 aliases', yamlPost(largeScalarAliases(300), '?kind=train'), 400);
  add('merge-key bomb', yamlPost(`project: p\nx: &x {a: 1, b: 2}\ny: &y {<<: [*x, *x, *x, *x], c: 3}\nz: &z {<<: [*y, *y, *y, *y]}\nbase_config: {<<: [*z, *z], model: 1}\nsweep_configuration: {b: {sweep: true, values: [1]}}\n`, '?kind=train'));
  add('undefined alias', yamlPost('project: p\nbase_config: *nowhere\n'), 400);
  add('recursive alias', yamlPost('project: p\nbase_config: &a {x: *a}\n'), 400);

  // Finding 8: NUL and lone surrogates anywhere text is stored.
  add('NUL in a config value (YAML escape)', yamlPost(withBase('training/flows/grayscale_flows.yaml', 'note', 'a\0b')), 400);
  add('lone surrogate in a config value (YAML escape)', yamlPost(withBase('training/flows/grayscale_flows.yaml', 'note', 'a\ud800b')), 400);
  add('NUL in a config key', yamlPost(withBase('training/flows/grayscale_flows.yaml', 'k\0', 1)), 400);
  add('lone low surrogate in a config key', yamlPost(withBase('training/flows/grayscale_flows.yaml', '\udc00k', 1)), 400);
  add('NUL in the sweep name (query)', yamlPost(OOD(), '?name=a%00b'), 400);
  add('lone surrogate in the sweep name (JSON envelope)', jsonPost(JSON.stringify({ source: OOD(), name: 'a\ud800b' })), 400);
  add('NUL in the source of a JSON envelope', jsonPost(JSON.stringify({ source: `${OOD()}\n# \u0000\n` })), 400);
  add('NUL in sweep_name', yamlPost(withEvery(LID(), 'sweep_name', 'n\0ame')), 400);
  add('NUL in project', yamlPost(withEvery(parse(OOD()), 'project', 'p\0')), 400);
  add('lone surrogate in project', yamlPost(withEvery(parse(OOD()), 'project', 'p\ud800')), 400);
  add('NUL in run_name', yamlPost(`${TRAIN()}\nrun_name: "r\\0"\n`), 400);
  add('NUL in a sweep alias', yamlPost(`project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration:\n  b: {sweep: true, values: [1, 2], sweep_alias: ["a\\0", "b"]}\n`, '?kind=train'), 400);
  add('lone surrogate in a swept value', yamlPost(`project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration:\n  b: {sweep: true, values: ["\\ud800", "b"]}\n`, '?kind=train'), 400);
  add('JSON body: NUL in a value', jsonPost(JSON.stringify({ ...parse(TRAIN()), note: 'a\u0000' })), 400);
  add('JSON body: lone surrogate in a key', jsonPost(JSON.stringify({ ...parse(TRAIN()), base_config: { ...parse(TRAIN()).base_config, '\udfff': 1 } })), 400);
  add('JSON envelope: NUL in name', jsonPost(JSON.stringify({ source: OOD(), name: 'a\u0000' })), 400);
  add('JSON envelope: NUL in file', jsonPost(JSON.stringify({ source: OOD(), file: 'f\u0000.yaml' })), 400);
  add('raw NUL byte in the YAML body', yamlPost(Buffer.concat([Buffer.from(OOD()), Buffer.from([0]), Buffer.from('\n')])), 400);
  add('raw NUL byte in a YAML comment', yamlPost(`# a\u0000b\n${OOD()}`), 400);
  add('invalid UTF-8 bytes in the body', yamlPost(Buffer.concat([Buffer.from('project: "'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(`"\n${OOD().replace(/^project:.*$/m, '')}`)])));
  add('multipart: NUL in the sweep name field', multipart('s.yaml', OOD(), { name: 'a\u0000' }), 400);

  // Finding 12 and friends: counts, sizes and paths bounded at submission.
  for (const key of ['pick_count']) {
    for (const value of [Number.MAX_SAFE_INTEGER, 2 ** 31, -1, 1e308, 'many', 1.5]) add(`${key} = ${value}`, yamlPost(withEvery(LID(), key, value)), 400);
  }
  for (const key of ['train_batch_size', 'test_batch_size', 'valid_batch_size']) add(`${key} = 2^53 − 1`, yamlPost(withEvery(parse(TRAIN()), key, Number.MAX_SAFE_INTEGER)), 400);
  for (const directory of ['/etc', '../../etc', '/', 'flows/../../..', '..', '/proc/self']) {
    const doc = LID();
    setEvery(doc, 'base_model', { directory });
    add(`base_model.directory = ${directory}`, yamlPost(stringify(doc)), 400);
  }
  add('maxAttempts=0', yamlPost(OOD(), '?maxAttempts=0'), 400);
  add('maxAttempts=1e9', yamlPost(OOD(), '?maxAttempts=1000000000'), 400);
  add('maxAttempts=NaN', yamlPost(OOD(), '?maxAttempts=NaN'), 400);
  add('backoffMs=-1', yamlPost(OOD(), '?backoffMs=-1'), 400);
  add('backoffMs=2^53', yamlPost(OOD(), '?backoffMs=9007199254740992'), 400);
  add('JSON envelope: maxAttempts 2^53 − 1', jsonPost(JSON.stringify({ source: OOD(), maxAttempts: Number.MAX_SAFE_INTEGER })), 400);

  // Over-long names.
  add('sweep name of 201 characters (query)', yamlPost(OOD(), `?name=${'n'.repeat(201)}`), 400);
  add('sweep_name of 201 emoji', yamlPost(withEvery(LID(), 'sweep_name', '😀'.repeat(201))), 400);
  add('run names over 300 characters', yamlPost(`${TRAIN()}\nrun_name: ${'r'.repeat(400)}\n`), 400);
  add('multipart file name of 501 characters', multipart(`${'f'.repeat(496)}.yaml`, OOD()), 400);
  add('JSON envelope: file of 600 characters', jsonPost(JSON.stringify({ source: OOD(), file: `${'f'.repeat(595)}.yaml` })), 400);
  add('Idempotency-Key of 201 characters', { ...yamlPost(OOD()), headers: { ...YAML, 'idempotency-key': 'k'.repeat(201) } }, 400);
  add('Idempotency-Key with a space', { ...yamlPost(OOD()), headers: { ...YAML, 'idempotency-key': 'a b' } }, 400);
  add('a grid of a million jobs', yamlPost(`project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration:\n${[...Array(6).keys()].map((i) => `  p${i}: {sweep: true, values: [${[...Array(10).keys()].join(', ')}]}`).join('\n')}\n`, '?kind=train'), 400);

  // Deep nesting.
  add('YAML flow sequence 10,000 deep', yamlPost(`project: p\nbase_config: {model: ${nested(10_000, '[', ']')}, trainer: {t: 1}}\nsweep_configuration: {b: {sweep: true, values: [1]}}\n`, '?kind=train'), 400);
  add('YAML flow mapping 5,000 deep', yamlPost(`project: p\nbase_config: {model: ${nested(5000, '{a: ', '}')}, trainer: {t: 1}}\nsweep_configuration: {b: {sweep: true, values: [1]}}\n`, '?kind=train'), 400);
  add('YAML block mapping 1,000 deep', yamlPost(`project: p\nsweep_configuration: {b: {sweep: true, values: [1]}}\nbase_config:\n  trainer: {t: 1}\n  model:\n${[...Array(1000).keys()].map((i) => `${'  '.repeat(i + 2)}k:`).join('\n')} 1\n`, '?kind=train'), 400);
  add('JSON array 100,000 deep', jsonPost(nested(100_000, '[', ']')), 400);
  add('JSON object 10,000 deep in base_config', jsonPost(`{"project": "p", "sweep_configuration": {"b": {"sweep": true, "values": [1]}}, "base_config": {"trainer": {"t": 1}, "model": ${nested(10_000, '{"a": ', '}')}}}`, '?kind=train'), 400);
  add('JSON envelope whose source is 10,000 deep', jsonPost(JSON.stringify({ source: `project: p\nbase_config: ${nested(10_000, '[', ']')}\n`, format: 'yaml' })), 400);
  add('a valid file with a base_config value 3,000 deep (JSON)', jsonPost(withBase('training/diffusions/grayscale_diffusions.yaml', 'deep', JSON.parse(nested(3000, '{"a": ', '}')), JSON.stringify)), 400);
  add('a valid file with a base_config value 300 deep (YAML)', yamlPost(withBase('training/diffusions/grayscale_diffusions.yaml', 'deep', JSON.parse(nested(300, '[', ']')))), 400);
  add('a snippet of 20,000 nested brackets', yamlPost(inlineEval(nested(20_000, '[', ']'), 2), '?kind=train'), 400);
  add('a snippet of 20,000 nested parentheses', yamlPost(inlineEval(nested(20_000, '(', ')'), 2), '?kind=train'), 400);
  add('a snippet of 20,000 unary minus signs', yamlPost(inlineEval(`${'-'.repeat(20_000)}1`, 2), '?kind=train'), 400);
  add('a snippet of 20,000 chained additions', yamlPost(inlineEval(Array(20_000).fill('1').join(' + '), 2), '?kind=train'), 400);
  add('swept values 5,000 deep', yamlPost(`project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration:\n  b: {sweep: true, values: [${nested(5000, '[', ']')}]}\n`, '?kind=train'), 400);

  // Wrong types and shapes.
  const shapes: [string, string][] = [
    ['a list document', '- 1\n- 2\n'],
    ['a scalar document', 'just text\n'],
    ['an empty document', ''],
    ['only a comment', '# nothing\n'],
    ['YAML null', '~\n'],
    ['base_config: 5', 'project: p\nbase_config: 5\nsweep_configuration: {b: {sweep: true, values: [1]}}\n'],
    ['base_config: a list', 'project: p\nbase_config: [1, 2]\nsweep_configuration: {b: {sweep: true, values: [1]}}\n'],
    ['sweep_configuration: 7', 'project: p\nbase_config: {model: 1}\nsweep_configuration: 7\n'],
    ['project: a list', 'project: [1]\nbase_config: {model: 1}\nsweep_configuration: {b: {sweep: true, values: [1]}}\n'],
    ['values: 5', 'project: p\nbase_config: {model: 1}\nsweep_configuration: {b: {sweep: true, values: 5}}\n'],
    ['values: empty', 'project: p\nbase_config: {model: 1}\nsweep_configuration: {b: {sweep: true, values: []}}\n'],
    ['sweep: "maybe"', 'project: p\nbase_config: {model: 1}\nsweep_configuration: {b: {sweep: maybe, values: [1]}}\n'],
    ['dy__upsert: a mapping', 'project: p\nbase_config: {model: 1}\nsweep_configuration: {dy__upsert: {a: 1}}\n'],
    ['sweep_alias: 3', 'project: p\nbase_config: {model: 1}\nsweep_configuration: {b: {sweep: true, values: [1], sweep_alias: 3}}\n'],
    ['run_name_changer: 5', `${TRAIN()}\nrun_name_changer: 5\n`],
    ['duplicate keys', 'project: p\nproject: q\nbase_config: {model: 1}\n'],
    ['a tab-indented document', 'project: p\nbase_config:\n\tmodel: 1\n'],
    ['an unterminated flow mapping', 'project: p\nbase_config: {model: 1\n'],
    ['two documents', `${OOD()}\n---\n${OOD()}\n`],
    ['a custom tag', 'project: !!python/object:os.system p\nbase_config: {model: 1}\n'],
  ];
  for (const [name, text] of shapes) add(`wrong shape: ${name}`, yamlPost(text));
  for (const [name, body] of [
    ['JSON null', 'null'], ['JSON number', '42'], ['JSON string', '"project: p"'], ['JSON array', '[1, 2]'], ['invalid JSON', '{"project": '],
    ['JSON with a trailing comma', '{"project": "p",}'], ['empty JSON body', ''],
    ['envelope source: 5', JSON.stringify({ source: 5 })], ['envelope source: empty', JSON.stringify({ source: '' })],
    ['envelope format: xml', JSON.stringify({ source: 'project: p', format: 'xml' })], ['envelope kind: both', JSON.stringify({ source: 'project: p', kind: 'both' })],
    ['envelope maxAttempts: "3"', JSON.stringify({ source: 'project: p', maxAttempts: '3' })],
  ] as const) add(`wrong type: ${name}`, jsonPost(body));
  add('query kind=bogus', yamlPost(OOD(), '?kind=bogus'), 400);
  add('query format=xml', yamlPost(OOD(), '?format=xml'), 400);
  add('query dryRun=maybe', yamlPost(OOD(), '?dryRun=maybe'), 400);
  add('query name empty', yamlPost(OOD(), '?name='), 400);
  add('multipart without a file', { method: 'POST', url: '/sweeps', headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\ncontent-disposition: form-data; name="kind"\r\n\r\nood\r\n--x--\r\n' });
  add('multipart kind=both', multipart('s.yaml', OOD(), { kind: 'both' }), 400);

  // Unknown keys and directives.
  add('unknown directive dy__bogus', yamlPost(`${OOD().replace('sweep_configuration:', 'sweep_configuration:\n  dy__bogus: 1')}`), 400);
  add('unknown key in a sweep node', yamlPost('project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration: {b: {sweep: true, values: [1], bogus: 2}}\n', '?kind=train'), 400);
  add('dy__eval with an unknown key', yamlPost('project: p\nbase_config: {model: {m: 1}, trainer: {t: 1}}\nsweep_configuration:\n  b: {sweep: true, values: [1]}\n  dy__upsert:\n  - dy__eval: {expression: "lambda c: c", bogus: 1}\n', '?kind=train'), 400);
  add('a reserved word as a base_config key', yamlPost(withBase('training/flows/grayscale_flows.yaml', 'dy__upsert', 1)), 400);
  add('JSON envelope with an unknown key and no valid source', jsonPost(JSON.stringify({ source: 'x: 1', bogus: true })), 400);

  // Huge bodies.
  const huge = 17 * 1024 * 1024;
  add('17 MiB YAML body', yamlPost(`project: p\nbase_config: {model: "${'x'.repeat(huge)}"}\n`), 413);
  add('17 MiB JSON body', jsonPost(`{"project": "${'x'.repeat(huge)}"}`), 413);
  add('17 MiB multipart file', multipart('big.yaml', `project: "${'x'.repeat(huge)}"\n`), 413);
  add('15 MiB YAML of one comment and nothing else', yamlPost(`# ${'x'.repeat(15 * 1024 * 1024)}\n`), 400);

  // Other routes and odd requests.
  add('unsupported content type', { method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/xml' }, payload: '<sweep/>' }, 415);
  add('GET /sweeps/not-a-uuid', { method: 'GET', url: '/sweeps/not-a-uuid' }, 400);
  add('GET /sweeps/%00', { method: 'GET', url: '/sweeps/%00' }, 400);
  add('POST /sweeps/<quote>/cancel', { method: 'POST', url: "/sweeps/'%3B%20DROP%20TABLE%20sweeps%3B--/cancel" }, 400);
  add('POST /jobs/<uuid-like>/retry', { method: 'POST', url: '/jobs/00000000-0000-0000-0000-00000000000g/retry' }, 400);
  add('GET /jobs/<uuid>/artifacts/../../etc/passwd', { method: 'GET', url: '/jobs/00000000-0000-0000-0000-000000000000/artifacts/..%2F..%2Fetc%2Fpasswd' });
  add('GET /sweeps?pageSize=-5', { method: 'GET', url: '/sweeps?pageSize=-5' }, 400);
  add('GET /sweeps?page=2^53', { method: 'GET', url: '/sweeps?page=9007199254740993' }, 400);
  add('GET /sweeps?pageSize=10^6', { method: 'GET', url: '/sweeps?pageSize=1000000' }, 400);
  add('GET /sweeps/<uuid>/jobs?state=bogus', { method: 'GET', url: '/sweeps/00000000-0000-0000-0000-000000000000/jobs?state=bogus' }, 400);
  add('DELETE /sweeps/<unknown uuid>', { method: 'DELETE', url: '/sweeps/00000000-0000-0000-0000-000000000000' }, 404);
  return cases;
}

// ——— fast-check: generated meta-configurations ———

const KEYS = ['project', 'base_config', 'sweep_configuration', 'sweep', 'values', 'sweep_alias', 'dy__upsert', 'dy__eval', 'dy__list__operations', 'dy__insert', 'dy__remove', 'dy__overwrite', 'expression', 'function_of_interest', 'model', 'trainer', 'data', 'ood', 'base_model', 'run_name', 'run_name_changer'];
const HOSTILE_STRINGS = ['\0', '\ud800', '\udfff', 'a\0b', '/etc', '../../etc', 'dy__eval(lambda x: 10**10**10)', "dy__eval(lambda x: __import__('os'))", 'dy__eval(lambda x: x.__class__)', '*alias', '&anchor', '${HOME}', "'; DROP TABLE sweeps; --", '%00', '\u202e'];
const HOSTILE_NUMBERS = [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e308, -1, 0, 0.5, Number.MIN_VALUE];

const leaf = fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom(...HOSTILE_NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) });
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
}));
const sweepNode = fc.oneof(
  fc.record({ sweep: fc.constant(true), values: fc.array(value, { minLength: 1, maxLength: 4 }) }, { requiredKeys: ['sweep'] }),
  fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.startsWith('dy__eval'))),
  value,
);
// Mostly well-formed at the top, so that generated files get past the first checks into expansion and job checks.
const mostly = <T>(usual: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: leaf });
const metaConfig = fc.record(
  {
    project: mostly(fc.string({ minLength: 1, maxLength: 20 })),
    base_config: fc.oneof({ weight: 4, arbitrary: fc.dictionary(key, value, { maxKeys: 5 }) }, { weight: 1, arbitrary: value }),
    sweep_configuration: fc.oneof({ weight: 4, arbitrary: fc.dictionary(key, sweepNode, { maxKeys: 5 }) }, { weight: 1, arbitrary: value }),
    run_name: mostly(fc.string({ maxLength: 20 })),
    run_name_changer: fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.record({ expression: fc.constantFrom(...ESCAPES.map((e) => `lambda c, n: ${e}`)), function_of_interest: fc.string() })),
  },
  { requiredKeys: ['project'] },
);

export type GeneratedBody = { format: 'yaml' | 'json' | 'text'; body: string };

/** Meta-configurations (and any documents, and any text) as YAML or JSON bodies: none describes runnable jobs. */
export const generatedBodies: fc.Arbitrary<GeneratedBody> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(metaConfig, fc.constantFrom('yaml' as const, 'json' as const)).map(([doc, format]) => ({ format, body: format === 'yaml' ? stringify(doc) : JSON.stringify(doc) })) },
  { weight: 1, arbitrary: fc.tuple(value, fc.constantFrom('yaml' as const, 'json' as const)).map(([doc, format]) => ({ format, body: format === 'yaml' ? stringify(doc) : JSON.stringify(doc) })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((body) => ({ format: 'text' as const, body })) },
);

// ——— fast-check: valid upstream files broken on purpose ———

type Doc = Record<string, unknown>;
type Path = (string | number)[];

/** Paths of every mapping (including the document) in `node`. */
function mappings(node: unknown, at: Path = []): Path[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => mappings(item, [...at, i]));
  if (node === null || typeof node !== 'object') return [];
  return [at, ...Object.entries(node).flatMap(([k, child]) => mappings(child, [...at, k]))];
}

function at(node: unknown, path: Path): unknown {
  return path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], node);
}

const pick = <T>(items: readonly T[], seed: number): T => items[seed % items.length] as T;

/** One way to make a valid file invalid; `seed` picks where. */
type Mutation = (doc: Doc, seed: number, ood: boolean) => string;

const MUTATIONS: Record<string, Mutation> = {
  // Every job's config gets text PostgreSQL cannot store.
  'unstorable text under a new base_config key': (doc, seed) => {
    const target = pick(mappings(doc.base_config, ['base_config']), seed);
    (at(doc, target) as Doc)[`hostile_${seed % 97}`] = pick(['a\0b', '\ud800', 'x\udc00', '\0'], seed >> 3);
    return 'unstorable';
  },
  'unstorable text in a new key name': (doc, seed) => {
    const target = pick(mappings(doc.base_config, ['base_config']), seed);
    (at(doc, target) as Doc)[pick(['k\0', '\ud801k', 'a\udfffb'], seed >> 3)] = 1;
    return 'unstorable key';
  },
  'an unknown directive': (doc, seed) => {
    const target = pick([...mappings(doc.base_config, ['base_config']), ...mappings(doc.sweep_configuration, ['sweep_configuration'])], seed);
    (at(doc, target) as Doc)[pick(['dy__bogus', 'dy__evaluate', 'dy__upsertt', 'dy__'], seed >> 3)] = 1;
    return 'directive';
  },
  // Where snippets are read: the sweep's own mappings (base_config holds plain values; so do swept values).
  'a snippet that escapes the sandbox': (doc, seed) => {
    const target = pick(mappings(doc.sweep_configuration, ['sweep_configuration']).filter((p) => !p.includes('values')), seed);
    (at(doc, target) as Doc)[`injected_${seed % 89}`] = `dy__eval(lambda x: ${pick(ESCAPES.slice(0, 15), seed >> 3)})`;
    return 'escape';
  },
  'every bounded count at 2^53 − 1': (doc, seed, ood) => {
    const keys = ood ? ['pick_count'] : ['train_batch_size', 'test_batch_size', 'valid_batch_size', 'batch_size'];
    const set = keys.reduce((n, k) => n + setEvery(doc, k, pick([Number.MAX_SAFE_INTEGER, -1, 0, 1e308], seed)), 0);
    if (set === 0) (doc.base_config as Doc)[ood ? 'ood' : 'data'] = ood ? { pick_count: Number.MAX_SAFE_INTEGER } : 5;
    return 'bounds';
  },
  'models out of MODEL_DIR': (doc, seed, ood) => {
    const directory = pick(['/etc', '../../etc', '/', 'a/../../..'], seed);
    if (ood) {
      if (setEvery(doc, 'base_model', { directory }) === 0) (doc.base_config as Doc).base_model = { directory };
    } else (doc.base_config as Doc).model = directory;
    return 'paths';
  },
  'a required part missing or of the wrong type': (doc, seed) => {
    const which = seed % 5;
    if (which === 0) delete doc.base_config;
    else if (which === 1) doc.base_config = pick([5, 'text', [1, 2], null], seed >> 3);
    else if (which === 2) doc.sweep_configuration = pick([7, 'text', [1]], seed >> 3);
    else if (which === 3) doc.project = pick([[1], { a: 1 }], seed >> 3);
    else doc.run_name_changer = pick([5, [1], { expression: 5 }, { expression: 'import os' }], seed >> 3);
    return 'shape';
  },
  'a swept node with an empty or non-list values': (doc, seed) => {
    (doc.sweep_configuration as Doc)[`hostile_${seed % 83}`] = { sweep: true, values: pick([[], 5, 'abc', { a: 1 }], seed >> 3) };
    return 'sweep';
  },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

export interface MutatedFixture {
  fixture: string;
  mutation: string;
  format: 'yaml' | 'json';
  body: string;
}

/** A valid upstream file with one mutation that makes it invalid, as YAML or JSON. */
export const mutatedFixtures: fc.Arbitrary<MutatedFixture> = fc
  .tuple(fc.constantFrom(...VALID_FIXTURES), fc.constantFrom(...MUTATION_NAMES), fc.nat(), fc.constantFrom('yaml' as const, 'json' as const))
  .map(([fixture, mutation, seed, format]) => {
    const doc = parse(upstreamFile(fixture)) as Doc;
    MUTATIONS[mutation]!(doc, seed, fixture.startsWith('ood/'));
    return { fixture, mutation, format, body: format === 'yaml' ? stringify(doc) : JSON.stringify(doc) };
  });
