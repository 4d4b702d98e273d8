import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { huaweiAuthorization, huaweiNorm, huaweiTimestamp } from '#shared/vendors/huawei-sign';
import { itnioSign } from '#shared/vendors/itnio';
import { nxSign } from '#shared/vendors/nxcloud';

// Vendor test vectors, as listed in docs/vendors.md ("Signing test vectors"): each one a test.
describe('ITNIO signing', () => {
  it('matches the vendor account-page vector', () => {
    expect(itnioSign('bDqJFiq9', '7bz1lzh9', '1630468800')).toBe('05d7a50893e22a5c4bb3216ae3396c7c');
  });
});

describe('NXCloud signing', () => {
  const base = { accessKey: 'fme2na3kdi3ki', ts: '1655710885431', bizType: '1', action: 'send', accessSecret: 'abciiiko2k3' };
  it('matches the vendor vector for {"name","id"}', () => {
    expect(nxSign({ ...base, body: '{"name":"牛小信","id":10001}' })).toBe('87c3560d3331ae23f1021e2025722354');
  });
  it('signs the exact text sent: key order changes the signature', () => {
    expect(nxSign({ ...base, body: '{"id":10001,"name":"牛小信"}' })).toBe('7750759da06333f20d0640be09355e34');
  });
});

describe('Huawei auth-v2', () => {
  const input = {
    ak: 'globalaktest',
    sk: 'example-sk-not-real',
    timestamp: '2024-01-01T00:00:00Z',
    method: 'POST',
    path: '/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids',
    body: '{"ccId":1,"vdn":170,"agentIds":[1031,1099]}',
  };
  it('matches the vector signing only host', () => {
    expect(huaweiAuthorization({ ...input, headers: { host: '10.22.26.181:28080' } })).toBe(
      'auth-v2/globalaktest/2024-01-01T00:00:00Z/host/942c2362c7ceba4eef1891fe03ed044a468bbc5ddb588e6c3fb44c78b4ab38a8',
    );
  });
  it('matches the vector signing content-length, content-type and host (any header order)', () => {
    const headers = { 'Content-Type': 'application/json;charset=UTF-8', host: '10.22.26.181:28080', 'content-length': '43' };
    expect(huaweiAuthorization({ ...input, headers })).toBe(
      'auth-v2/globalaktest/2024-01-01T00:00:00Z/content-length;content-type;host/946c0f882c5047f8ea1d4659755fd75cbe669ab4990ee3561895084f0b2aff41',
    );
  });
  it('signs a request without a body as the demo builds it: the canonical headers still end in a newline', () => {
    // the demo's canonical request, spelled out: method, path, signed header names, each header a
    // line, every one of them ended by a newline, then the payload only when there is one
    const headers = { host: '10.22.26.181:28080', 'content-type': 'application/json;charset=UTF-8' };
    const path = '/rest/cmsapp/v1/openapi/agentgroup/restreasons/1/170';
    const canonical = `GET\n${path}\ncontent-type;host\ncontent-type:${huaweiNorm(headers['content-type'])}\nhost:${huaweiNorm(headers.host)}\n`;
    const prefix = 'auth-v2/globalaktest/2024-01-01T00:00:00Z/content-type;host';
    const key = createHmac('sha256', input.sk).update(prefix).digest('hex');
    const signature = createHmac('sha256', key).update(canonical).digest('hex');
    expect(huaweiAuthorization({ ...input, method: 'GET', path, headers, body: '' })).toBe(`${prefix}/${signature}`);
  });
  it('norm encodes what encodeURIComponent leaves alone', () => {
    expect(huaweiNorm("a!'()*~-._ b/中")).toBe('a%21%27%28%29%2A~-._%20b%2F%E4%B8%AD');
  });
  it('timestamps are UTC seconds unless a source asks for milliseconds', () => {
    const t = Date.UTC(2024, 0, 1, 0, 0, 0, 123);
    expect(huaweiTimestamp(t)).toBe('2024-01-01T00:00:00Z');
    expect(huaweiTimestamp(t, true)).toBe('2024-01-01T00:00:00.123Z');
  });
});
