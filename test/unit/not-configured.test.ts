import { describe, expect, it } from 'vitest';
import { planHealth } from '#shared/alerting/health';
import { FN, SECRET_PLACEHOLDER } from '#shared/contracts/names';
import type { Episode, HealthItem } from '#shared/model/items';
import { parseFunctionEvent } from '#shared/runtime/schedule-event';
import { credentialFields, holdsPlaceholder } from '#shared/vendors/index';

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const MIN = 60_000;

describe('placeholder secrets', () => {
  it('any credential field still REPLACE_ME is a placeholder secret; real values, other fields or no object are not', () => {
    expect(SECRET_PLACEHOLDER).toBe('REPLACE_ME');
    expect(credentialFields('itnio')).toEqual(['apiKey', 'apiSecret']);
    expect(credentialFields('huawei')).toEqual(['ak', 'sk']);
    expect(credentialFields('nxcloud')).toEqual(['accessKey', 'accessSecret']);
    // as the stack creates them: the first field random, the rest the placeholder
    expect(holdsPlaceholder('itnio', { apiKey: 'f8Zq0random', apiSecret: 'REPLACE_ME' })).toBe(true);
    expect(holdsPlaceholder('huawei', { ak: 'REPLACE_ME', sk: 'real' })).toBe(true);
    expect(holdsPlaceholder('nxcloud', { accessKey: 'k', accessSecret: 's' })).toBe(false);
    expect(holdsPlaceholder('nxcloud', { accessKey: 'k', accessSecret: 's', note: 'REPLACE_ME' })).toBe(false);
    expect(holdsPlaceholder('itnio', { apiKey: 'k', apiSecret: 'replace_me' })).toBe(false);
    expect(holdsPlaceholder('itnio', undefined)).toBe(false);
    expect(holdsPlaceholder('itnio', 'REPLACE_ME')).toBe(false);
  });
});

describe('source health while not configured', () => {
  const plan = (i: number, prev: HealthItem | undefined, episode: Episode | undefined, error: string | undefined, nc: boolean) =>
    planHealth({
      now: T + i * MIN,
      fn: FN.agentStatus,
      source: 's',
      prev,
      episode,
      error,
      notConfigured: nc ? { secretId: 'prod/s' } : undefined,
      downAfter: 3,
      silenced: false,
    });

  it('counts no failure and takes no step, however long; the first failure after it starts the count afresh', () => {
    let prev: HealthItem | undefined;
    const steps: string[] = [];
    for (let i = 0; i < 10; i++) {
      const p = plan(i, prev, undefined, 'ignored while not configured', true);
      expect(p.steps).toEqual([]);
      // a write only when the mark appears
      expect(p.changed).toBe(i === 0);
      prev = p.health;
    }
    expect(prev).toMatchObject({ consecutiveFailures: 0, notConfigured: { secretId: 'prod/s', since: T } });
    expect(prev?.lastError).toBeUndefined();
    for (let i = 10; i < 13; i++) {
      const p = plan(i, prev, undefined, 'auth error', false);
      prev = p.health;
      steps.push(...p.steps.map((s) => `${i}:${s.notice?.status}`));
    }
    expect(prev?.notConfigured).toBeUndefined();
    expect(steps).toEqual(['12:firing']);
  });

  it('leaves an open "source down" open, with no resolve, until the source answers again', () => {
    let prev: HealthItem | undefined;
    let episode: Episode | undefined;
    for (let i = 0; i < 3; i++) {
      const p = plan(i, prev, episode, 'x', false);
      prev = p.health;
      for (const s of p.steps) episode = s.next;
    }
    expect(episode?.resolvedAt).toBeUndefined();
    const quiet = plan(3, prev, episode, undefined, true);
    expect(quiet.steps).toEqual([]);
    expect(quiet.health).toMatchObject({ episodeId: episode!.episodeId, consecutiveFailures: 0 });
    const back = plan(4, quiet.health, episode, undefined, false);
    expect(back.steps.map((s) => s.notice?.status)).toEqual(['resolved']);
  });
});

it('a source stage reporting "not configured" is a valid result for the publish stage', () => {
  const event = parseFunctionEvent({
    stage: 'publish',
    tick: '2026-11-25T10:00:00Z',
    results: [
      { source: 's', outcome: { source: 's', status: 'not-configured' }, complete: true, pending: [], migrated: false, healthVersion: 1 },
    ],
  });
  expect(event.stage).toBe('publish');
});
