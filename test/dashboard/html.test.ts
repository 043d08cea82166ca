import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_TARGETS, rateTargets } from '../../domain/rate-targets';
import { escapeHtml, html, jsonScript, raw } from '../../services/dashboard/html';
import { clockCell, vnTime, workingDuration } from '../../services/dashboard/views';

describe('dashboard HTML', () => {
  it('escapes every interpolated value by construction', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<td>${name}</td>`.value).toBe('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
    expect(html`<a title="${'" onmouseover="x'}">`.value).toBe('<a title="&quot; onmouseover=&quot;x">');
    expect(escapeHtml(`'\`&`)).toBe('&#39;&#96;&amp;');
  });

  it('nests escaped fragments without escaping them twice, and drops null, undefined and false', () => {
    expect(html`${[html`<b>${'<i>'}</b>`, '<u>']}`.value).toBe('<b>&lt;i&gt;</b>&lt;u&gt;');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
    expect(html`${raw('<hr>')}`.value).toBe('<hr>');
  });

  it('keeps inline JSON data inside its script element', () => {
    const s = jsonScript('d', { name: '</script><script>alert(1)</script>', amp: 'a&b' }).value;
    expect(s).not.toContain('</script><script>');
    expect(s.match(/<\/script>/g)).toHaveLength(1);
    expect(JSON.parse(s.replace(/^<script[^>]*>/, '').replace(/<\/script>$/, ''))).toEqual({
      name: '</script><script>alert(1)</script>',
      amp: 'a&b',
    });
  });
});

describe('dashboard wording', () => {
  it('says working time in Vietnamese', () => {
    expect(workingDuration(3 * 3_600_000 + 20 * 60_000)).toBe('3 giờ 20 phút làm việc');
    expect(workingDuration(-2 * 3_600_000)).toBe('2 giờ làm việc');
    expect(clockCell(-90 * 60_000).value).toContain('Quá hạn 1 giờ 30 phút làm việc');
    expect(clockCell(null, true).value).toContain('Tạm dừng');
  });

  it('shows instants in Vietnam time', () => {
    expect(vnTime('2026-11-09T01:00:00Z')).toBe('08:00 09/11/2026');
  });
});

describe('rate targets', () => {
  it('defaults to the seeds and takes overrides from MOTCUA_RATE_TARGETS', () => {
    expect(rateTargets(undefined).onTime.value).toBe(DEFAULT_RATE_TARGETS.onTime.value);
    const t = rateTargets('{"onTime":0.95}');
    expect(t.onTime).toEqual({ value: 0.95, source: 'MOTCUA_RATE_TARGETS' });
    expect(t.satisfaction).toEqual(DEFAULT_RATE_TARGETS.satisfaction);
    expect(() => rateTargets('{"speed":1}')).toThrow(/unknown rate/);
    expect(() => rateTargets('{"onTime":97}')).toThrow(/between 0 and 1/);
  });
});
