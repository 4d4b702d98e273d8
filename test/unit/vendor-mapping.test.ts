import { describe, expect, it } from 'vitest';
import { maskPhone } from '#shared/model/phone';
import { expandAgentIds, huaweiValue, mapHuaweiState } from '#shared/vendors/huawei';
import { itnioStatsWindow, mapItnioStatus } from '#shared/vendors/itnio';
import { inferNxState } from '#shared/vendors/nxcloud';

describe('ITNIO status codes', () => {
  it('maps the documented codes and keeps unknown ones as other', () => {
    expect([1, 2, 3, 4, 5, 6].map(mapItnioStatus)).toEqual(['offline', 'idle', 'busy', 'wrapup', 'break', 'other']);
  });
  it("sends today's window in the source timezone", () => {
    // 23:30 UTC is already the next day in Shanghai
    expect(itnioStatsWindow(Date.UTC(2026, 10, 23, 23, 30), 'Asia/Shanghai')).toEqual({
      strTime: '2026-11-24 00:00:00',
      endTime: '2026-11-24 23:59:59',
    });
  });
});

describe('Huawei CTI states', () => {
  it('maps every documented code', () => {
    expect(Array.from({ length: 11 }, (_, i) => mapHuaweiState(i))).toEqual([
      'offline',
      'idle',
      'busy',
      'busy',
      'busy',
      'busy',
      'wrapup',
      'busy',
      'break',
      'break',
      'wrapup',
    ]);
    expect(mapHuaweiState(42)).toBe('other');
  });
  it('treats the sentinels as none', () => {
    expect([4294967295, 4294967295000, 65535, null, undefined, 0, 120].map(huaweiValue)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      0,
      120,
    ]);
  });
  it('expands ids and ranges without duplicates', () => {
    expect(expandAgentIds([1003, '1001-1004', 1002])).toEqual([1001, 1002, 1003, 1004]);
  });
});

describe('NXCloud state inference', () => {
  it('the state that filled the window is the state', () => {
    expect(inferNxState({ idleDuration: 2, eatingDuration: 58 }, 60)).toMatchObject({ state: 'break', vendorState: 'eating' });
    expect(inferNxState({ callingDuration: 60 }, 60)).toMatchObject({ state: 'busy', vendorState: 'calling' });
    expect(inferNxState({ wrapupDuration: 55 }, 60)).toMatchObject({ state: 'wrapup', vendorState: 'wrapup' });
  });
  it('unknown rest kinds count as break', () => {
    expect(inferNxState({ prayerDuration: 60 }, 60)?.state).toBe('break');
  });
  it('no time in any state is unknown (not signed in, or not yet written): never a made-up offline', () => {
    expect(inferNxState({ idleDuration: 0, busyDuration: 0 }, 60)).toBeUndefined();
  });
  it('a window split evenly is reported as mixed until the next window', () => {
    expect(inferNxState({ idleDuration: 30, eatingDuration: 30 }, 60)).toMatchObject({ state: 'other', vendorState: 'mixed' });
  });
});

describe('phone masking', () => {
  it('keeps only the last 4 digits', () => {
    expect(maskPhone('9113242926515')).toBe('*********6515');
    expect(maskPhone('+86 138-0013-8000')).toBe('*********8000');
    expect(maskPhone('123')).toBe('***');
    expect(maskPhone(null)).toBe('');
  });
});
