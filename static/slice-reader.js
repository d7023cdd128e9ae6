// The reading worker's slice reader: reads a File in slices, a few ahead, and transfers each
// slice's ArrayBuffer to the reading worker (which started it), in order. Chromium hands the bytes
// of Blob.arrayBuffer() over in tasks of the thread that asked for them, and the reading worker is
// busy parsing most of the time: read here, on a thread that is otherwise idle, the slices are
// taken as they come instead of while the reading worker waits (src/worker/read.rs).
//
// Messages in: { blob, chunkBytes, ahead } starts reading a file (and stops the one before);
// { more: 1 } says a slice was taken (one more may be read); { stop: true } stops. Out: { chunk }
// (transferred),
// { eof: true }, { readError: "Name: message" }.
let current = null;

function describe(e) {
  return e && e.name && e.message ? e.name + ": " + e.message : String(e);
}

function fail(s, err) {
  if (current === s) {
    current = null;
    self.postMessage({ readError: describe(err) });
  }
}

function pump(s) {
  while (current === s && s.credit > 0 && s.offset < s.size) {
    const end = Math.min(s.offset + s.chunkBytes, s.size);
    const read = s.blob.slice(s.offset, end).arrayBuffer();
    s.offset = end;
    s.credit -= 1;
    // delivered in order, whatever order the reads finish in
    s.tail = s.tail.then(() => read).then((buf) => {
      if (current === s) self.postMessage({ chunk: buf }, [buf]);
    });
    s.tail.catch((err) => fail(s, err));
  }
  if (current === s && s.offset >= s.size && !s.ended) {
    s.ended = true;
    s.tail.then(() => { if (current === s) self.postMessage({ eof: true }); }).catch(() => {});
  }
}

self.onmessage = (e) => {
  const d = e.data;
  if (d.blob) {
    current = { blob: d.blob, size: d.blob.size, chunkBytes: Math.max(1, d.chunkBytes), offset: 0,
      credit: Math.max(1, d.ahead), ended: false, tail: Promise.resolve() };
    pump(current);
  } else if (d.stop) {
    current = null;
  } else if (d.more && current) {
    current.credit += d.more;
    pump(current);
  }
};
