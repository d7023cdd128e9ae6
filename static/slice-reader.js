// The reading worker's slice reader: reads a File in slices, a few ahead, and transfers each
// slice's ArrayBuffer to the reading worker (which started it), in order. Chromium hands a file's
// bytes over in tasks of the thread that asked for them, and the reading worker is busy parsing
// most of the time: read here, on a thread that is otherwise idle, the slices are taken as they
// come instead of while the reading worker waits (src/worker/read.rs).
//
// It reads the file as one stream into buffers the reading worker hands back (a "byob" reader of
// Blob.stream()): in Chromium that took 0.5 s of CPU for 358 MB where a Blob.slice().arrayBuffer()
// per 4 MiB slice took 0.7-1.3 s (a read of the blob per slice, and a fresh buffer whose memory is
// touched for the first time). Where a byob reader is not available it reads slice by slice.
//
// The reading worker starts one and gives it every file it parses, one at a time.
//
// Messages in: { blob, chunkBytes, ahead, file } starts reading a file (and stops the one
// before); { more: 1, give? } says a slice was taken (one more may be read) and may hand its
// buffer back (transferred) to be filled again; { stop: true } stops. Out, each with the `file`
// it is about: { chunk, length } (transferred; the slice is its first `length` bytes),
// { eof: true }, { readError: "Name: message" }.
let current = null;
// Buffers handed back, kept for the file's next slices.
let pool = [];
const POOL_MAX = 8;

function describe(e) {
  return e && e.name && e.message ? e.name + ": " + e.message : String(e);
}

function fail(s, err) {
  if (current === s) {
    current = null;
    self.postMessage({ readError: describe(err), file: s.file });
  }
}

function send(s, buf, length) {
  if (current === s) self.postMessage({ chunk: buf, length, file: s.file }, [buf]);
}

// Slice by slice: Blob.slice().arrayBuffer(), `credit` reads in flight.
function pump(s) {
  while (current === s && s.credit > 0 && s.offset < s.size) {
    const end = Math.min(s.offset + s.chunkBytes, s.size);
    const read = s.blob.slice(s.offset, end).arrayBuffer();
    s.offset = end;
    s.credit -= 1;
    // delivered in order, whatever order the reads finish in
    s.tail = s.tail.then(() => read).then((buf) => send(s, buf, buf.byteLength));
    s.tail.catch((err) => fail(s, err));
  }
  if (current === s && s.offset >= s.size && !s.ended) {
    s.ended = true;
    s.tail.then(() => { if (current === s) self.postMessage({ eof: true, file: s.file }); }).catch(() => {});
  }
}

// One stream, each buffer filled whole (but the last) before it is sent.
async function stream(s, reader) {
  try {
    for (;;) {
      while (current === s && s.credit <= 0) await new Promise((wake) => { s.wake = wake; });
      if (current !== s) break;
      let buf = pool.pop() || new ArrayBuffer(s.chunkBytes);
      let length = 0;
      let done = false;
      while (length < buf.byteLength) {
        const r = await reader.read(new Uint8Array(buf, length, buf.byteLength - length));
        if (r.value) {
          buf = r.value.buffer; // the same memory, transferred back
          length += r.value.byteLength;
        }
        if (r.done) { done = true; break; }
      }
      if (current !== s) break;
      if (length > 0) {
        s.credit -= 1;
        send(s, buf, length);
      }
      if (done) {
        if (current === s) self.postMessage({ eof: true, file: s.file });
        return;
      }
    }
    reader.cancel().catch(() => {});
  } catch (err) {
    fail(s, err);
  }
}

function byobReader(blob) {
  try {
    return blob.stream().getReader({ mode: "byob" });
  } catch {
    return null; // no byte stream here: slice by slice
  }
}

self.onmessage = (e) => {
  const d = e.data;
  if (d.blob) {
    if (current && current.wake) current.wake();
    const s = { blob: d.blob, size: d.blob.size, chunkBytes: Math.max(1, d.chunkBytes), offset: 0,
      credit: Math.max(1, d.ahead), ended: false, tail: Promise.resolve(), wake: null, streaming: false,
      file: d.file };
    pool = pool.filter((b) => b.byteLength === s.chunkBytes);
    current = s;
    const reader = byobReader(d.blob);
    if (reader) {
      s.streaming = true;
      stream(s, reader);
    } else {
      console.debug("slice reader: no byob reader here, file " + d.file + " is read slice by slice");
      pump(s);
    }
  } else if (d.stop) {
    if (current && current.wake) current.wake();
    current = null;
    pool = []; // nothing is held between files
  } else if (d.more && current) {
    const s = current;
    current.credit += d.more;
    if (d.give instanceof ArrayBuffer && d.give.byteLength === s.chunkBytes && pool.length < POOL_MAX) pool.push(d.give);
    if (s.streaming) {
      if (s.wake) { const wake = s.wake; s.wake = null; wake(); }
    } else {
      pump(s);
    }
  }
};
