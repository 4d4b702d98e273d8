import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsPublisher } from '#shared/notify/publishers';
import { runPreviewTasks } from '#shared/run/preview-tasks';
import type { RunReport } from '#shared/run/types';
import { contactStatusAt, dialerTask, type SimTask } from '#simulator/population';
import { type Harness, makeHarness, TOPICS } from '../support/harness';
import { population } from '../support/sim';

const MIN = 60_000;
const DETAIL = '/v3/cc/preview/queryTaskDetail';

/**
 * Task 700 dials one contact every 30 s from t0; contacts dialled in minutes 10-20 mostly end
 * abnormal ("call abnormal" = 7), others are called (9). It completes at minute 40.
 * Task 701 runs quietly and is only found by discovery.
 */
function tasks(t0: number) {
  return [
    dialerTask({
      taskId: 700,
      name: 'Win-back',
      t0,
      contacts: 200,
      dialEverySec: 30,
      agents: ['Ann'],
      abnormal: (i, at) => (at >= t0 + 10 * MIN && at < t0 + 20 * MIN ? i % 4 !== 0 : false),
      endAt: t0 + 40 * MIN,
    }),
    dialerTask({ taskId: 701, name: 'Survey', t0, contacts: 50, dialEverySec: 60, abnormal: () => false }),
  ];
}

describe('preview-task alerting', () => {
  let h: Harness;
  let publisher: SnsPublisher;
  let snsClient: SNSClient;
  const reports = new Map<number, RunReport>();
  const msgs = new Map<number, ReturnType<Harness['take']>>();
  const requestsPerTick = new Map<number, { body: any }[]>();

  beforeAll(async () => {
    h = await makeHarness({
      population: (t0) => {
        const pop = population(t0);
        pop.itnio!.tasks = tasks(t0);
        return pop;
      },
      config: (url) => ({
        sources: [{ id: 'itnio-main', vendor: 'itnio', baseUrl: url, secretId: 'test/itnio', http: { retries: 0, timeoutMs: 1000 } }],
        taskRules: [
          {
            id: 'winback-count',
            source: 'itnio-main',
            taskIds: [700],
            abnormalCount: 10,
            escalateAt: { abnormalCount: 14 },
            repeatEvery: '10m',
          },
          {
            id: 'any-growth',
            source: 'itnio-main',
            discoverRunning: true,
            growth: { by: 5, within: '5m' },
            sampleSize: 20,
            notifyResolved: true,
          },
          { id: 'bad-id', source: 'itnio-main', taskIds: [999], abnormalCount: 1 },
        ],
      }),
    });
    snsClient = new SNSClient({ endpoint: h.sns.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    publisher = new SnsPublisher(snsClient, TOPICS);
    for (let m = 0; m <= 45; m++) {
      h.clock.set(h.clock.start + m * MIN);
      h.sim.clearLog();
      reports.set(
        m,
        await runPreviewTasks(h.config, new Date(h.clock.now()).toISOString(), h.clock.now(), {
          store: h.store,
          publisher,
          readers: h.readers,
          log: h.log,
        }),
      );
      requestsPerTick.set(m, h.sim.requests(DETAIL));
      msgs.set(m, h.take());
    }
  }, 120_000);
  afterAll(async () => {
    snsClient.destroy();
    await h.stop();
  });

  const notices = (m: number) => reports.get(m)!.digests.flatMap((d) => d.notices.map((n) => `${n.ruleId}:${n.subjectId}:${n.status}`));
  const uniqueNotices = (m: number) => [...new Set(notices(m))].sort();
  const firstMinute = (pred: (m: number) => boolean) => [...reports.keys()].find(pred);
  /** The first whole minute at which the simulated task shows at least n abnormal contacts. */
  const minuteReaching = (n: number) => {
    const task = h.sim.population.itnio!.tasks!.find((t) => t.taskId === 700) as SimTask;
    return [...reports.keys()].find(
      (m) => task.contacts.filter((c) => contactStatusAt(c, h.clock.start + m * MIN).status === 7).length >= n,
    );
  };

  it('counts each task with one size=1 request per contact status', () => {
    const quiet = requestsPerTick.get(3)!;
    const countReqs = quiet.filter((r) => r.body.size === 1);
    // 700 watched by two rules, 701 by discovery: 3 (rule, task) pairs x 4 statuses
    expect(countReqs).toHaveLength(12);
    for (const task of [700, 701]) {
      const statuses = countReqs.filter((r) => r.body.params.taskId === task).map((r) => r.body.params.statusList[0]);
      expect(new Set(statuses)).toEqual(new Set([1, 5, 7, 9]));
    }
    // no contact pages are read while nothing is notified
    expect(quiet.every((r) => r.body.size === 1)).toBe(true);
  });

  it('fires the count threshold exactly at the crossing run', () => {
    const crossing = minuteReaching(10)!;
    expect(crossing).toBeGreaterThan(10);
    expect(firstMinute((m) => notices(m).includes('winback-count:700:firing'))).toBe(crossing);
  });

  it('escalates at the escalation count to on-call, with a one-segment SMS', () => {
    const esc = firstMinute((m) => notices(m).includes('winback-count:700:escalated'))!;
    expect(esc).toBe(minuteReaching(14));
    const sms = msgs.get(esc)!.find((m) => m.topicArn === TOPICS.oncall)!.bodies!.sms!;
    expect(sms).toMatch(/task 700 \d+ abn/);
  });

  it('growth fires while the window sees +5 and resolves once the window slides past', () => {
    const fired = firstMinute((m) => notices(m).includes('any-growth:700:firing'))!;
    const resolved = firstMinute((m) => m > fired && notices(m).includes('any-growth:700:resolved'))!;
    expect(fired).toBeGreaterThanOrEqual(12);
    expect(fired).toBeLessThanOrEqual(14);
    // abnormal stops growing after minute ~20; 5 minutes later the window holds less than +5, and
    // the alert resolves once that has lasted the rule's resolveAfter (5m by default)
    expect(resolved).toBeGreaterThan(25);
    expect(resolved).toBeLessThanOrEqual(31);
  });

  it('names top error reasons and masked examples, reading only the newest abnormal contacts', () => {
    const fired = firstMinute((m) => notices(m).includes('winback-count:700:firing'))!;
    const email = msgs.get(fired)!.find((m) => m.topicArn === TOPICS.supervisors)!.bodies!.email!;
    expect(email).toMatch(/Top reasons: (No answer|Number unreachable|Line busy|Carrier rejected) \(\d+\)/);
    expect(email).toMatch(/\*{7}\d{4}/);
    const sampleReads = requestsPerTick.get(fired)!.filter((r) => r.body.size > 1);
    expect(sampleReads.length).toBeGreaterThan(0);
    expect(sampleReads.every((r) => r.body.size <= 50 && r.body.params.statusList.join() === '7')).toBe(true);
  });

  it('never shows a full phone number in any message', () => {
    const all = [...msgs.values()]
      .flat()
      .map((m) => `${m.subject}\n${m.bodies!.email}\n${m.bodies!.sms}`)
      .join('\n');
    expect(all).toMatch(/\*{9}\d{4}/);
    expect(all).not.toMatch(/\d{7,}/);
  });

  it('resolves with a note when the task completes', () => {
    const resolved = firstMinute((m) => notices(m).includes('winback-count:700:resolved'))!;
    expect(resolved).toBe(40);
    const email = msgs.get(40)!.find((m) => m.topicArn === TOPICS.supervisors)!.bodies!.email!;
    expect(email).toContain('task is completed');
    // once ended, the task is not counted any more
    expect(requestsPerTick.get(42)!.filter((r) => r.body.params.taskId === 700)).toEqual([]);
  });

  it('a rejected task id raises one config alert and the other tasks still run', () => {
    const all = [...reports.keys()].flatMap((m) => notices(m).filter((n) => n.startsWith('bad-id/config:999')));
    expect(all).toEqual(['bad-id/config:999:firing']);
    expect(uniqueNotices(0)).toContain('bad-id/config:999:firing');
    expect(reports.get(0)!.sources[0]!.status).toBe('ok');
    const email = msgs.get(0)!.find((m) => m.topicArn === TOPICS.supervisors)!.bodies!.email!;
    expect(email).toContain('the vendor rejects task id 999');
  });

  it('a task found by discovery is watched with the discovery rule', () => {
    expect(requestsPerTick.get(5)!.some((r) => r.body.params.taskId === 701)).toBe(true);
    expect([...reports.keys()].flatMap((m) => notices(m)).some((n) => n.includes(':701:'))).toBe(false);
  });
});

/**
 * Runs preview-tasks once a minute for minutes 0..last on a harness of its own, then stops it:
 * each notice as `label(minute, notice)`.
 */
async function noticesOverMinutes(h: Harness, last: number, label: (m: number, n: { subjectId: string; status: string }) => string) {
  const snsClient = new SNSClient({
    endpoint: h.sns.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const seen: string[] = [];
  try {
    for (let m = 0; m <= last; m++) {
      h.clock.set(h.clock.start + m * MIN);
      const r = await runPreviewTasks(h.config, new Date(h.clock.now()).toISOString(), h.clock.now(), {
        store: h.store,
        publisher: new SnsPublisher(snsClient, TOPICS),
        readers: h.readers,
        log: h.log,
      });
      for (const d of r.digests) for (const n of d.notices) seen.push(label(m, n));
    }
  } finally {
    snsClient.destroy();
  }
  return seen;
}

describe('a stalled task above its threshold', () => {
  it('keeps repeating while nothing changes', async () => {
    // 20 contacts, all abnormal, done dialling within 11 minutes: after that the counts never move
    const h = await makeHarness({
      population: (t0) => {
        const pop = population(t0);
        pop.itnio!.tasks = [dialerTask({ taskId: 800, name: 'Stalled', t0, contacts: 20, dialEverySec: 30, abnormal: () => true })];
        return pop;
      },
      config: (url) => ({
        sources: [{ id: 'itnio-main', vendor: 'itnio', baseUrl: url, secretId: 'test/itnio' }],
        taskRules: [{ id: 'stalled', source: 'itnio-main', taskIds: [800], abnormalCount: 5, repeatEvery: '5m' }],
      }),
    });
    try {
      const seen = await noticesOverMinutes(h, 30, (m, n) => `${m}:${n.status}`);
      const fired = Number(seen[0]!.split(':')[0]);
      expect(seen[0]).toMatch(/:firing$/);
      // repeats every 5 minutes, including long after the last contact ended (minute ~11)
      expect(seen.slice(1)).toEqual(
        [5, 10, 15, 20, 25]
          .map((k) => fired + k)
          .filter((m) => m <= 30)
          .map((m) => `${m}:repeat`),
      );
    } finally {
      await h.stop();
    }
  });
});

describe('a task looked up by id', () => {
  it('is the task asked about, not another the vendor matched by text (120 for 12)', async () => {
    // task 12 fires, then is suspended at minute 12: its alert waits for it to resume or end; the
    // vendor types taskId as a String, and a lookup for 12 that also brings back completed task 120
    // must not close 12's alert as completed
    const h = await makeHarness({
      population: (t0) => {
        const pop = population(t0);
        const task = dialerTask({ taskId: 12, name: 'Twelve', t0, contacts: 20, dialEverySec: 30, abnormal: () => true });
        task.statusTimeline.push({ at: t0 + 12 * MIN, taskStatus: 15 });
        pop.itnio!.tasks = [task];
        return pop;
      },
      config: (url) => ({
        sources: [{ id: 'itnio-main', vendor: 'itnio', baseUrl: url, secretId: 'test/itnio' }],
        taskRules: [{ id: 'twelve', source: 'itnio-main', taskIds: [12], abnormalCount: 5 }],
      }),
    });
    h.sim.addFault({
      path: '/v3/cc/preview/query',
      match: (b) => b.params?.taskId === 12,
      kind: 'mutate',
      fn: (j) => {
        j.data.records.unshift({ ...j.data.records[0], taskId: 120, taskName: 'Hundred twenty', taskStatus: 12, finishFlag: 1 });
        j.data.total += 1;
      },
    });
    try {
      const seen = await noticesOverMinutes(h, 20, (_, n) => `${n.subjectId}:${n.status}`);
      // fired, and neither closed as completed nor the source taken for down
      expect(seen).toEqual(['12:firing']);
      // the lookups were made (the suspended task is asked about every run), each answered with 120 first
      expect(h.sim.requests('/v3/cc/preview/query').filter((r) => r.body.params?.taskId === 12).length).toBeGreaterThan(0);
    } finally {
      await h.stop();
    }
  });
});
