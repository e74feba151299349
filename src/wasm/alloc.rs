//! The instance's allocator: the system one (dlmalloc), with every block of a page or more
//! aligned to a page.
//!
//! Why: V8 runs wasm's `memory.copy` with the host's `memmove`, which on AMD Zen (`rep movsb`)
//! is about thirty times slower when the destination sits 1 to 15 bytes past the source
//! modulo 4096 (measured: 5 µs against 0.2 µs for 16 KiB). Where big buffers fall relative to
//! each other is otherwise an accident of the heap, and a bulk download that was unlucky paid
//! that on a copy of every record (rustls moving a record's plaintext, 5 bytes into its
//! buffer, into a fresh one: page-aligned, the destination is 5 bytes *before* the source).
//! The cost is at most a page of slack per big block, which dlmalloc hands to small blocks.

use std::alloc::{GlobalAlloc, Layout, System};

const PAGE: usize = 4096;

pub(crate) struct PageAligned;

/// The layout a block is really allocated (and so freed) with.
fn adjusted(layout: Layout) -> Layout {
    if layout.size() >= PAGE && layout.align() < PAGE {
        Layout::from_size_align(layout.size(), PAGE).unwrap_or(layout)
    } else {
        layout
    }
}

// SAFETY (for each method): the block is allocated and freed with `adjusted` of the same
// caller layout, so System always sees matching layouts; `adjusted` only raises alignment,
// so every block still satisfies the caller's layout.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for PageAligned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see above; `adjusted` keeps the size, which the caller made non-zero.
        unsafe { System.alloc(adjusted(layout)) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(adjusted(layout)) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout, so from System with `adjusted`.
        unsafe { System.dealloc(ptr, adjusted(layout)) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = adjusted(layout);
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        let new = adjusted(new_layout);
        if old.align() == new.align() {
            // SAFETY: System's realloc keeps the block's alignment (it falls back to
            // allocate-copy-free for alignments dlmalloc does not give by itself).
            return unsafe { System.realloc(ptr, old, new_size) };
        }
        // Crossing a page in size: a new block with the other alignment.
        // SAFETY: `new_layout` has a non-zero size (realloc's contract); the old block holds
        // `layout.size()` bytes and the new one `new_size`, and they do not overlap.
        unsafe {
            let fresh = self.alloc(new_layout);
            if !fresh.is_null() {
                std::ptr::copy_nonoverlapping(ptr, fresh, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            fresh
        }
    }
}

#[global_allocator]
static ALLOCATOR: PageAligned = PageAligned;

// wasm_bindgen_test functions are not `#[test]`s to clippy: a failing unwrap is the point here.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::cast_possible_truncation)]
mod tests {
    use wasm_bindgen_test::*;

    const PAGE: usize = super::PAGE;

    fn aligned(p: *const u8) -> bool {
        (p as usize).is_multiple_of(PAGE)
    }

    /// Every size class a `Vec<u8>` passes through while growing across the page size and
    /// shrinking back: the contents survive each move, and blocks of a page or more are
    /// page-aligned whichever way they were reached.
    #[wasm_bindgen_test]
    fn growth_and_shrink_across_a_page_keep_contents_and_alignment() {
        let mut v: Vec<u8> = Vec::with_capacity(10);
        for i in 0..3 * PAGE + 17 {
            v.push((i % 251) as u8);
            if v.capacity() >= PAGE {
                assert!(aligned(v.as_ptr()), "capacity {}", v.capacity());
            }
        }
        for i in [PAGE + 1, PAGE, PAGE - 1, 100, 1] {
            v.truncate(i);
            v.shrink_to_fit();
            assert_eq!(v.capacity(), i);
            assert!(v.iter().enumerate().all(|(j, &b)| b == (j % 251) as u8));
            if i >= PAGE {
                assert!(aligned(v.as_ptr()));
            }
        }
        let zeroed = vec![0u8; 5 * PAGE];
        assert!(aligned(zeroed.as_ptr()));
        assert!(zeroed.iter().all(|&b| b == 0));
        // Small blocks keep their own alignment and are not padded to pages.
        let small: Vec<Box<[u8; 64]>> = (0..64).map(|_| Box::new([1u8; 64])).collect();
        assert!(small.iter().any(|b| !aligned(b.as_ptr())));
        // A type whose alignment is above a page is left as asked.
        #[repr(align(8192))]
        struct Big([u8; 8192]);
        let big = Box::new(Big([3; 8192]));
        assert!((big.0.as_ptr() as usize).is_multiple_of(8192));
    }
}
