/**
 * Lines of decompressed bytes for the importers that read bytes: each line
 * as a range of a buffer, without its line ending (LF, or CR LF) and, on
 * the first line, without a UTF-8 BOM: the same lines the reader's text
 * lines are (src/ingest/read.ts), with no string or promise per line.
 */
const LF = 0x0a,
  CR = 0x0d;

/**
 * Calls `line(buf, start, end, lineNo)` for every line of `chunks` (lineNo
 * 1-based). `readLine`, if given, is offered each line from line 2 on first,
 * before its end is known: `readLine(buf, start, limit, lineNo)` reads it if
 * it can, finding its end (a newline before `limit`) itself, and returns the
 * offset after it; or returns -1 and `line` gets it. (A search for each
 * line's end costs about 100 ns: more than reading a short line.)
 */
export async function forEachLine(
  chunks: AsyncIterable<Buffer>,
  line: (buf: Buffer, start: number, end: number, lineNo: number) => void,
  readLine?: (buf: Buffer, start: number, limit: number, lineNo: number) => number,
): Promise<void> {
  let carry: Buffer | null = null;
  let lineNo = 0;
  let first = true;
  for await (const chunk of chunks) {
    let buf: Buffer = chunk;
    let pos = 0;
    if (carry !== null) {
      // Only the line the chunk boundary cut is joined; the rest is read in place.
      const nl = chunk.indexOf(LF);
      if (nl < 0 || first) {
        buf = Buffer.concat([carry, chunk]);
      } else {
        const joined = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
        const end = joined.length > 1 && joined[joined.length - 2] === CR ? joined.length - 2 : joined.length - 1;
        line(joined, 0, end, ++lineNo);
        pos = nl + 1;
      }
      carry = null;
    }
    if (first) {
      if (buf.length < 3) {
        // Too short to tell whether a BOM starts it: wait for more.
        carry = Buffer.from(buf);
        continue;
      }
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    for (;;) {
      if (readLine !== undefined && lineNo > 0 && pos < buf.length) {
        const next = readLine(buf, pos, buf.length, lineNo + 1);
        if (next >= 0) {
          lineNo++;
          pos = next;
          continue;
        }
      }
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) break;
      const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
      line(buf, pos, end, ++lineNo);
      pos = nl + 1;
    }
    // The rest is copied: the chunk may be a view of memory the source reuses.
    carry = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null;
  }
  if (carry !== null && carry.length > 0) {
    let pos = 0;
    if (first && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf) pos = 3;
    const end = carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
    if (end > pos || carry.length > pos) line(carry, pos, Math.max(pos, end), ++lineNo);
  }
}
