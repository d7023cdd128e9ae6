//! `memcmp` and `bcmp` for wasm32, eight bytes at a time.
//!
//! On wasm32-unknown-unknown there is no C library: byte-slice and string comparisons
//! (`==`, `cmp`, sorting and matching strings) call the `memcmp` of Rust's `compiler_builtins`,
//! a loop over single bytes (native targets get the C library's vectorised one). In the browser
//! read profile it took ≈ 4% of the analysis worker (account ids of IO archives are 64-character
//! hashes, compared byte by byte). `compiler_builtins` defines its memory functions as weak
//! symbols, so these definitions replace them in every wasm32 binary of the crate. They compare
//! unaligned 64-bit words (one `i64.load` each, a native instruction in Wasm) and locate the
//! first differing byte of a differing word with `trailing_zeros` (Wasm is little-endian).
//!
//! They must never call `memcmp` themselves (they would recurse): plain loads and loops only.

/// Compare `n` bytes at `a` and `b`: negative, zero or positive as the first differing byte
/// of `a` is below, equal to or above that of `b` (C's `memcmp`).
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, so both 8-byte reads are in bounds; `read_unaligned` needs no alignment.
        let (x, y) = unsafe { (a.add(i).cast::<u64>().read_unaligned(), b.add(i).cast::<u64>().read_unaligned()) };
        if x != y {
            // Little-endian: the lowest set bit of x ^ y lies in the first differing byte.
            let shift = (x ^ y).trailing_zeros() & !7;
            return ((x >> shift) as u8) as i32 - ((y >> shift) as u8) as i32;
        }
        i += 8;
    }
    while i < n {
        // SAFETY: i < n.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

/// Zero when the `n` bytes at `a` and `b` are equal, non-zero otherwise (what LLVM calls for `==`).
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller's guarantee is memcmp's.
    unsafe { memcmp(a, b, n) }
}
