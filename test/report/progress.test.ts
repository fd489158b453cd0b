import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/progress.js';

/** A stream that says it is a terminal and records what is drawn on it. */
function fakeTty(isTTY = true) {
  let text = '';
  const stream = {
    isTTY,
    columns: 120,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    on() {
      return stream;
    },
    once() {
      return stream;
    },
    removeListener() {
      return stream;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('createProgress', () => {
  it('draws nothing when disabled or when the stream is not a terminal', () => {
    for (const [enabled, tty] of [
      [false, true],
      [true, false],
    ] as const) {
      const t = fakeTty(tty);
      const p = createProgress(enabled, { stream: t.stream });
      p.update(10, 100);
      p.update(100, 100);
      p.stop();
      expect(t.text()).toBe('');
    }
  });

  it('draws a bar, skips updates within 100 ms, always draws the final one, and stops', () => {
    let now = 0;
    const t = fakeTty();
    const p = createProgress(true, { stream: t.stream, now: () => now });
    p.update(10_000_000, 100_000_000); // t=0: drawn
    expect(t.text()).toContain('10%');
    expect(t.text()).toContain('10.0/100.0 MB');
    now = 50;
    p.update(50_000_000, 100_000_000); // throttled: the bar never learns of 50%
    now = 200;
    p.update(70_000_000, 100_000_000); // drawn
    now = 201;
    p.update(100_000_000, 100_000_000); // final: drawn despite the throttle
    p.stop();
    p.stop(); // idempotent
    p.update(1, 2); // after stop: ignored
    const text = t.text();
    expect(text).not.toContain('50%');
    expect(text).toContain('70%');
    expect(text).toContain('100%');
  });

  it('its update works when passed around unbound (as onProgress)', () => {
    const t = fakeTty();
    const p = createProgress(true, { stream: t.stream, now: () => 0 });
    const onProgress = p.update;
    onProgress(5, 10);
    p.stop();
    expect(t.text()).toContain('50%');
  });
});
