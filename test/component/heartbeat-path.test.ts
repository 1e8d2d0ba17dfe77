// The files a steady heartbeat passes, from its route to the statement call, read from the call
// stack of a real beat (the statement channel fires synchronously when the statement is sent)
// and compared with the list docs/architecture.md gives: at most 7 files, none twice.
import { readFileSync } from 'node:fs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import path from 'node:path';
import { beat, household, playerSuite, type Api } from './viewing-time.fixtures.ts';

const { clock, suite } = playerSuite('2026-11-25T10:00:00Z');
let api: Api;
beforeAll(() => { ({ api } = suite); });

const repo = path.resolve(import.meta.dirname, '../..');

/** The list between the heartbeat-path markers of docs/architecture.md. */
function documented(): string[] {
  const text = readFileSync(path.join(repo, 'docs/architecture.md'), 'utf8');
  const block = /<!-- heartbeat-path -->([\s\S]*?)<!-- \/heartbeat-path -->/.exec(text)![1];
  return [...block.matchAll(/`([^`]+\.ts)`/g)].map((m) => m[1]);
}

/** Project files of a stack, outermost first, from the route's file on; consecutive frames of one file count once. */
function filesOf(stack: string): string[] {
  const frames = [...stack.matchAll(/\(?((?:file:\/\/)?\/[^\s():]+\.ts):\d+:\d+\)?/g)].map((m) => path.relative(repo, m[1].replace('file://', '')));
  const ours = frames.filter((f) => f.startsWith('src/')).reverse();
  const from = ours.findIndex((f) => f.startsWith('src/http/routes/'));
  return ours.slice(from).filter((f, i, all) => i === 0 || all[i - 1] !== f);
}

it('a steady beat passes the documented files, each once, at most 7', async () => {
  const h = await household(api);
  const first = await beat(api, h.token, { profile_id: h.kidId, title_id: suite.titles.regular });
  clock.advance(30);
  const stacks: { name: string; stack: string }[] = [];
  const listener = (m: unknown) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    stacks.push({ name: (m as { name: string }).name, stack: new Error('statement').stack ?? '' });
    Error.stackTraceLimit = limit;
  };
  subscribe('vtime:statement', listener);
  try {
    const steady = await beat(api, h.token, { profile_id: h.kidId, session_id: first.body.session_id, title_id: suite.titles.regular });
    expect([steady.status, steady.headers.get('x-db-ops')]).toEqual([200, '1']);
  } finally {
    unsubscribe('vtime:statement', listener);
  }
  expect(stacks.map((s) => s.name)).toEqual(['vt_heartbeats']); // a lone beat is a batch of one
  const files = filesOf(stacks[0].stack);
  expect(files).toEqual(documented());
  expect(files.length).toBeLessThanOrEqual(7);
  expect(new Set(files).size).toBe(files.length);
});
