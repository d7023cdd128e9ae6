//! Lists that grow without doubling, for lists that may reach millions of rows at 10M posts.
//!
//! A `Vec` that grows by doubling holds up to twice its length, and WebAssembly's allocator
//! copies a block that grows (old and new block live at once, and memory never shrinks): growing
//! a 170 MB list to 340 MB of capacity reaches 510 MB for a moment. Two ways around it here:
//! [`Chunked`], a list in fixed-size chunks that never move (spare room at most one chunk), read
//! in order, for lists whose length is only known at the end; and [`collect_exact`], which
//! counts the items first and allocates once, when counting costs little.

/// Rows per chunk (at 24 bytes a row, 1.5 MiB).
const CHUNK: usize = 1 << 16;

/// A list kept in chunks of [`CHUNK`] rows, read in order.
pub(crate) struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Chunked<T> {
    pub fn new() -> Self {
        Chunked { chunks: Vec::new(), len: 0 }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn push(&mut self, x: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(x),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(x);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }
    /// Drop every row (and the chunks).
    pub fn clear(&mut self) {
        self.chunks = Vec::new();
        self.len = 0;
    }
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }
}

impl<T: PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Chunked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The items of `make()` in a `Vec` of exactly their number: `make` is called twice, once to
/// count them and once to fill (it must give the same items both times).
pub(crate) fn collect_exact<T, I: Iterator<Item = T>>(make: impl Fn() -> I) -> Vec<T> {
    let n = make().count();
    let mut v = Vec::with_capacity(n);
    v.extend(make());
    debug_assert_eq!(v.len(), n);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_across_chunks() {
        let mut c = Chunked::new();
        let n = 2 * CHUNK + 17;
        for i in 0..n {
            c.push(i as u32);
        }
        assert_eq!(c.len(), n);
        assert!(c.iter().copied().eq(0..n as u32));
        assert_eq!(c.chunks.len(), 3);
        let mut d = Chunked::new();
        for i in 0..n {
            d.push(i as u32);
        }
        assert_eq!(c, d);
        d.clear();
        assert_eq!(d.len(), 0);
        assert_ne!(c, d);
    }

    #[test]
    fn collects_exactly() {
        let v = collect_exact(|| (0..1000u32).filter(|x| x % 3 == 0));
        assert_eq!(v.len(), 334);
        assert_eq!(v.capacity(), 334);
        assert!(v.iter().copied().eq((0..1000u32).filter(|x| x % 3 == 0)));
    }
}
