import { describe, expect, it } from 'vitest';
import { bytes, escapeHtml, int, jsonForScript, pct, pp, shellJoin, toCsv } from '../../src/report/format.js';

describe('format', () => {
  it('percentages, with an em dash for empty denominators', () => {
    expect(pct(0.12345)).toBe('12.35%');
    expect(pct(1)).toBe('100.00%');
    expect(pct(null)).toBe('—');
    expect(pct(0.5, 0)).toBe('50%');
  });

  it('integers with thousands separators regardless of locale', () => {
    expect(int(262144)).toBe('262,144');
    expect(int(999)).toBe('999');
    expect(int(-1234567)).toBe('-1,234,567');
  });

  it('bytes in binary units', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1024)).toBe('1 KiB');
    expect(bytes(16896)).toBe('16.5 KiB');
    expect(bytes(1048576 + 512)).toBe('1.0 MiB');
  });

  it('percentage points with sign', () => {
    expect(pp(0.0125)).toBe('+1.25 pp');
    expect(pp(-0.5)).toBe('−50.00 pp');
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('JSON for a script element cannot close it, and still parses to the same value', () => {
    const value = { name: '</script><script>alert(1)</script>', c: '<!--', sep: '\u2028' };
    const text = jsonForScript(value);
    expect(text).not.toContain('<');
    expect(text).not.toContain('\u2028');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('quotes command-line words only when needed', () => {
    expect(shellJoin(['rfs-replay', 'report', 'my trace.csv', "it's", '--entries=64,128'])).toBe(
      `rfs-replay report 'my trace.csv' 'it'\\''s' --entries=64,128`,
    );
  });

  it('CSV: union of columns, nulls empty, quoting per RFC 4180', () => {
    const csv = toCsv([
      { a: 1, b: 'x,y' },
      { a: null, c: 'say "hi"' },
    ]);
    expect(csv).toBe('a,b,c\r\n1,"x,y",\r\n,,"say ""hi"""\r\n');
  });
});
