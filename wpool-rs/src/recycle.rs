//! Recycled storage for jobs too big to fit in the task's pointer, and for
//! the result slots of join handles.
//!
//! A boxed closure is allocated by the submitting thread and freed by a
//! worker: with the system allocator that pattern costs ~200 ns a job here
//! (the producer's thread cache is always empty, the worker's always full,
//! so both sides take the arena lock every time), seven times the cost of the
//! hand-off itself. Instead, jobs of up to [`BLOCK_SIZE`] bytes live in
//! fixed-size blocks that are recycled through per-thread caches and a
//! shared depot of magazines (Bonwick's magazine allocator): a thread takes
//! and returns blocks from its own cache, and trades full magazines with the
//! depot under a lock once per [`MAGAZINE`] blocks. In a steady state no job
//! allocates.
//!
//! The depot keeps at most [`DEPOT_MAX`] magazines (1 MiB of blocks);
//! beyond that, blocks go back to the allocator. Values larger than a block
//! are boxed ([`store`] and [`take`] choose).

use std::alloc::{self, Layout};
use std::cell::RefCell;
use std::mem::{self, MaybeUninit};
use std::ptr;
use std::sync::{Mutex, MutexGuard};

/// Bytes in a block: closures capturing up to sixteen words, a join
/// handle's result slot.
pub(crate) const BLOCK_SIZE: usize = 128;
/// Blocks traded with the depot at a time.
const MAGAZINE: usize = 32;
/// Full magazines the depot keeps.
const DEPOT_MAX: usize = 256;

#[repr(C, align(16))]
pub(crate) struct Block(MaybeUninit<[u8; BLOCK_SIZE]>);

/// True when a `J` can be stored in a block.
pub(crate) const fn fits<J>() -> bool {
    mem::size_of::<J>() <= BLOCK_SIZE && mem::align_of::<J>() <= mem::align_of::<Block>()
}

struct Magazine {
    blocks: [*mut Block; MAGAZINE],
}

// SAFETY: a magazine owns the free blocks it holds (no one else refers to
// them); moving that ownership between threads is sound.
unsafe impl Send for Magazine {}

static DEPOT: Mutex<Vec<Magazine>> = Mutex::new(Vec::new());

fn depot() -> MutexGuard<'static, Vec<Magazine>> {
    // Nothing panics while holding it: a poisoned depot is still consistent.
    DEPOT.lock().unwrap_or_else(|p| p.into_inner())
}

/// A thread's free blocks: a stack of up to two magazines' worth.
struct Cache {
    len: usize,
    blocks: [*mut Block; 2 * MAGAZINE],
}

impl Drop for Cache {
    fn drop(&mut self) {
        // The thread exits: its blocks go to the depot, or back to the
        // allocator.
        while self.len >= MAGAZINE {
            self.spill();
        }
        for &block in &self.blocks[..self.len] {
            // SAFETY: a free block this cache owned, allocated by `fresh`.
            unsafe { release(block) };
        }
        self.len = 0;
    }
}

impl Cache {
    /// Moves the oldest magazine's worth of blocks to the depot (or frees
    /// them when the depot is full).
    fn spill(&mut self) {
        let mut magazine = Magazine {
            blocks: [ptr::null_mut(); MAGAZINE],
        };
        magazine.blocks.copy_from_slice(&self.blocks[..MAGAZINE]);
        self.blocks.copy_within(MAGAZINE..self.len, 0);
        self.len -= MAGAZINE;
        let mut depot = depot();
        if depot.len() < DEPOT_MAX {
            depot.push(magazine);
            return;
        }
        drop(depot);
        for block in magazine.blocks {
            // SAFETY: free blocks this cache owned.
            unsafe { release(block) };
        }
    }
}

thread_local! {
    static CACHE: RefCell<Cache> =
        const { RefCell::new(Cache { len: 0, blocks: [ptr::null_mut(); 2 * MAGAZINE] }) };
}

fn fresh() -> *mut Block {
    let layout = Layout::new::<Block>();
    // SAFETY: the layout has a nonzero size.
    let block = unsafe { alloc::alloc(layout) }.cast::<Block>();
    if block.is_null() {
        alloc::handle_alloc_error(layout);
    }
    block
}

/// # Safety
///
/// `block` came from `fresh` and is free.
unsafe fn release(block: *mut Block) {
    // SAFETY: allocated by `fresh` with this layout.
    unsafe { alloc::dealloc(block.cast(), Layout::new::<Block>()) };
}

/// A free block, owned by the caller until it passes it to [`free`].
pub(crate) fn alloc() -> *mut Block {
    CACHE
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len == 0 {
                if let Some(magazine) = depot().pop() {
                    cache.blocks[..MAGAZINE].copy_from_slice(&magazine.blocks);
                    cache.len = MAGAZINE;
                }
            }
            if cache.len == 0 {
                return fresh();
            }
            cache.len -= 1;
            cache.blocks[cache.len]
        })
        // During the thread's teardown its cache is gone: use the allocator.
        .unwrap_or_else(|_| fresh())
}

/// Returns a block from [`alloc`], whose contents have been moved out.
///
/// # Safety
///
/// `block` came from [`alloc`] and is not used after this call.
pub(crate) unsafe fn free(block: *mut Block) {
    let cached = CACHE.try_with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len == cache.blocks.len() {
            cache.spill();
        }
        let len = cache.len;
        cache.blocks[len] = block;
        cache.len += 1;
    });
    if cached.is_err() {
        // SAFETY: the caller hands over a free block from `fresh`.
        unsafe { release(block) };
    }
}

/// Moves `value` to the heap: into a recycled block when it fits, else into
/// a box. Give it back with [`take`] or [`destroy`].
pub(crate) fn store<T>(value: T) -> ptr::NonNull<T> {
    if fits::<T>() {
        let at = alloc().cast::<T>();
        // SAFETY: a free block, large and aligned enough for T; blocks are
        // never null.
        unsafe {
            at.write(value);
            ptr::NonNull::new_unchecked(at)
        }
    } else {
        ptr::NonNull::from(Box::leak(Box::new(value)))
    }
}

/// Moves the value out of storage made by [`store`] and frees the storage.
///
/// # Safety
///
/// `at` came from `store::<T>` and is not used after this call.
pub(crate) unsafe fn take<T>(at: ptr::NonNull<T>) -> T {
    // SAFETY: `at` holds a T written by `store`, taken once; a block goes
    // back to the cache after the value is moved out of it.
    unsafe {
        if fits::<T>() {
            let value = at.as_ptr().read();
            free(at.as_ptr().cast());
            value
        } else {
            *Box::from_raw(at.as_ptr())
        }
    }
}

/// Drops the value in storage made by [`store`] in place and frees the
/// storage.
///
/// # Safety
///
/// As for [`take`].
pub(crate) unsafe fn destroy<T>(at: ptr::NonNull<T>) {
    // SAFETY: as in `take`.
    unsafe {
        if fits::<T>() {
            ptr::drop_in_place(at.as_ptr());
            free(at.as_ptr().cast());
        } else {
            drop(Box::from_raw(at.as_ptr()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn blocks_are_reused_and_distinct() {
        let first: Vec<_> = (0..200).map(|_| alloc()).collect();
        assert_eq!(
            first.iter().collect::<HashSet<_>>().len(),
            200,
            "a block handed out twice"
        );
        for &b in &first {
            // SAFETY: blocks from alloc, not used again.
            unsafe { free(b) };
        }
        // This thread's cache now holds at least MAGAZINE + 1 of them (it
        // spills MAGAZINE to the depot when full, then took one more): the
        // next MAGAZINE come from it. More could come from the depot, where
        // another test thread's magazines may sit (60 here failed once).
        let again: Vec<_> = (0..MAGAZINE).map(|_| alloc()).collect();
        let known: HashSet<_> = first.iter().collect();
        assert!(again.iter().all(|b| known.contains(b)));
        for b in again {
            // SAFETY: as above.
            unsafe { free(b) };
        }
    }

    #[test]
    fn blocks_move_between_threads() {
        let blocks: Vec<usize> =
            std::thread::spawn(|| (0..4 * MAGAZINE).map(|_| alloc() as usize).collect())
                .join()
                .unwrap();
        for &b in &blocks {
            // SAFETY: free blocks handed over by the other thread.
            unsafe { free(b as *mut Block) };
        }
        assert!(fits::<[u64; 16]>());
        assert!(!fits::<[u64; 17]>());
        assert!(!fits::<u128>() || mem::align_of::<u128>() <= 16);
    }
}
