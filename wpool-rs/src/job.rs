//! The FFI boundary: how a Rust closure becomes a C `wpool_task` and back.
//!
//! A job is stored in the task's `arg` pointer itself when it fits there (a
//! closure capturing one `Arc`, one reference or nothing). Up to 128 bytes
//! it goes in a recycled block (see `recycle.rs`): in a steady state neither
//! allocates. Larger jobs are boxed: one allocation. The C pool calls
//! exactly one of `run_job` or `discard_job` with `arg`, once, for every task
//! it accepted; for a task it refused it calls neither and the job comes back
//! to the caller.
//!
//! Both trampolines catch unwinding: a panic must never cross into C.

use std::any::Any;
use std::ffi::{c_int, c_void};
use std::mem::{self, MaybeUninit};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use wpool_sys as sys;

use crate::error::DiscardReason;
use crate::recycle;
use crate::thread::with_current_pool;

/// Work the pool runs once. `run` consumes the job; `discard` drops it
/// unrun instead, saying why.
pub(crate) trait Job: Send + Sized {
    fn run(self);

    /// The pool dropped the job unstarted. Dropping it is the default; a job
    /// with a handle also tells the handle why.
    #[inline]
    fn discard(self, reason: DiscardReason) {
        let _ = reason;
        drop(self);
    }
}

/// A fire-and-forget closure: a panic goes to the pool's panic handler.
pub(crate) struct Detached<F>(pub(crate) F);

impl<F: FnOnce() + Send> Job for Detached<F> {
    #[inline]
    fn run(self) {
        (self.0)()
    }
}

/// True when `J` fits in the task's `arg` pointer, so it needs no box.
const fn is_inline<J>() -> bool {
    mem::size_of::<J>() <= mem::size_of::<*mut c_void>()
        && mem::align_of::<J>() <= mem::align_of::<*mut c_void>()
}

/// Hands `job` to `pool`, waiting up to `timeout_ns` for room (0: try once,
/// `WPOOL_FOREVER`: wait). Gives the job back with the status if the pool
/// refused it.
///
/// # Safety
///
/// `pool` must be a live pool. The job's lifetime is not checked: the caller
/// must guarantee that everything `J` borrows outlives its run or discard
/// (`'static` for `Pool`, the scope's wait for `Scope`).
pub(crate) unsafe fn enqueue<J: Job>(
    pool: *mut sys::wpool,
    prio: sys::wpool_priority,
    job: J,
    timeout_ns: u64,
) -> Result<(), (c_int, J)> {
    let mut task = MaybeUninit::<sys::wpool_task>::uninit();
    let t = task.as_mut_ptr();
    // SAFETY: `t` points to a writable wpool_task. The job's bytes go into
    // the `arg` field (which it fits when inline) and are never read back as
    // a pointer by Rust: C copies the field, and `take`/`take_back` read it
    // as `J` again. The caller guarantees `pool` is live; C does not retain
    // `t` (the task is copied into the ring).
    unsafe {
        fill_task(t, job);
        let rc = sys::wpool_submit_task(pool, prio, t, timeout_ns);
        if rc == sys::WPOOL_OK {
            Ok(())
        } else {
            // Not accepted: C called nothing and kept nothing; the job is ours.
            Err((rc, take_back::<J>(t)))
        }
    }
}

/// As [`enqueue`], through `wpool_submit_job`: with a deadline on the
/// `wpool_now_ns` clock (`deadline_ns`, 0: none) and a ticket for
/// `wpool_cancel`, returned on success (nonzero). Costs a little more than
/// `enqueue`: for jobs that need a ticket or a deadline only.
///
/// # Safety
///
/// As for [`enqueue`].
pub(crate) unsafe fn enqueue_job<J: Job>(
    pool: *mut sys::wpool,
    prio: sys::wpool_priority,
    job: J,
    timeout_ns: u64,
    deadline_ns: u64,
) -> Result<sys::wpool_ticket, (c_int, J)> {
    let mut task = MaybeUninit::<sys::wpool_task>::uninit();
    let t = task.as_mut_ptr();
    let opts = sys::wpool_job_opts { deadline_ns };
    let mut ticket: sys::wpool_ticket = 0;
    // SAFETY: as in `enqueue`; `opts` and `ticket` are valid for the call
    // (C copies the options and writes the ticket before returning).
    unsafe {
        fill_task(t, job);
        let rc = sys::wpool_submit_job(pool, prio, t, &opts, timeout_ns, &mut ticket);
        if rc == sys::WPOOL_OK {
            Ok(ticket)
        } else {
            Err((rc, take_back::<J>(t)))
        }
    }
}

/// Queues `jobs` in order with one `wpool_submit_batch` (waking workers once),
/// waiting for room as long as needed. On error returns the status and the
/// jobs not accepted (the first `accepted` ones were, and will run).
///
/// # Safety
///
/// `pool` must be live for the call.
pub(crate) unsafe fn enqueue_batch<J: Job>(
    pool: *mut sys::wpool,
    prio: sys::wpool_priority,
    jobs: Vec<J>,
) -> Result<(), (c_int, usize, Vec<J>)> {
    // MaybeUninit, as in `enqueue`: an inline job smaller than a pointer
    // leaves part of `arg` unwritten, which is not a valid `wpool_task`
    // value for Rust (only C reads it, as bytes it copies).
    let tasks: Vec<MaybeUninit<sys::wpool_task>> = jobs
        .into_iter()
        .map(|job| {
            let mut task = MaybeUninit::<sys::wpool_task>::uninit();
            // SAFETY: `task` is writable; it owns the job from here on.
            unsafe { fill_task(task.as_mut_ptr(), job) };
            task
        })
        .collect();
    let mut accepted = 0usize;
    // SAFETY: the caller guarantees `pool` is live; `tasks` is valid for
    // `tasks.len()` tasks, which C copies (it keeps no pointer to them).
    let rc = unsafe {
        sys::wpool_submit_batch(
            pool,
            prio,
            tasks.as_ptr().cast(),
            tasks.len(),
            sys::WPOOL_FOREVER,
            &mut accepted,
        )
    };
    if rc == sys::WPOOL_OK {
        return Ok(());
    }
    // The first `accepted` tasks are the pool's now; the rest are ours again.
    let rest = tasks[accepted..]
        .iter()
        // SAFETY: each of these tasks was filled by `fill_task::<J>` and not
        // accepted: it is taken back exactly once, here.
        .map(|t| unsafe { take_back::<J>(t.as_ptr()) })
        .collect();
    Err((rc, accepted, rest))
}

/// Writes `job` into the task at `t` (inline in `arg`, or stored behind it).
///
/// # Safety
///
/// `t` must be valid for writes; the task then owns the job until the pool
/// calls one of its callbacks or `take_back` takes it.
unsafe fn fill_task<J: Job>(t: *mut sys::wpool_task, job: J) {
    // SAFETY: the caller guarantees `t` is writable; see `enqueue` for why
    // the job's bytes may live in the `arg` field.
    unsafe {
        ptr::addr_of_mut!((*t).run).write(Some(run_job::<J>));
        ptr::addr_of_mut!((*t).discard).write(Some(discard_job::<J>));
        let arg = ptr::addr_of_mut!((*t).arg);
        if is_inline::<J>() {
            arg.cast::<J>().write(job);
        } else {
            arg.write(recycle::store(job).as_ptr().cast());
        }
    }
}

/// Reads back a job the pool refused.
///
/// # Safety
///
/// `t` was filled by `fill_task::<J>` and not accepted by the pool.
unsafe fn take_back<J>(t: *const sys::wpool_task) -> J {
    // SAFETY: `t` is the task `enqueue` filled: its `arg` holds the job's
    // bytes (inline) or a pointer to them (block or box), and the pool did
    // not take it, so it is taken exactly once, here.
    unsafe {
        let arg = ptr::addr_of!((*t).arg);
        if is_inline::<J>() {
            arg.cast::<J>().read()
        } else {
            take::<J>(arg.read())
        }
    }
}

/// Takes ownership of the job stored in `arg`.
///
/// # Safety
///
/// `arg` is the `arg` of a task made by `enqueue::<J>` and accepted by the
/// pool; it is taken exactly once (C calls one callback, once).
unsafe fn take<J>(arg: *mut c_void) -> J {
    // SAFETY: inline, `arg` holds J's bytes as `enqueue` wrote them (J fits,
    // and its alignment divides the pointer's); otherwise it is the pointer
    // `recycle::store` returned. The caller guarantees a single take.
    unsafe {
        if is_inline::<J>() {
            ptr::addr_of!(arg).cast::<J>().read()
        } else {
            recycle::take(ptr::NonNull::new_unchecked(arg.cast::<J>()))
        }
    }
}

unsafe extern "C" fn run_job<J: Job>(arg: *mut c_void) {
    // SAFETY: C calls `run` once with the arg of a task `enqueue::<J>` made
    // and the pool accepted, and then never `discard`.
    let job = unsafe { take::<J>(arg) };
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || job.run())) {
        report_panic(payload);
    }
}

unsafe extern "C" fn discard_job<J: Job>(arg: *mut c_void) {
    // SAFETY: as in run_job: C calls `discard` instead of `run`, once.
    let job = unsafe { take::<J>(arg) };
    // Why: a shutdown, a cancel (then this is the cancelling thread) or an
    // expired deadline (a worker).
    let reason = DiscardReason::current();
    // Dropping the job runs its destructors; one that panics must not unwind
    // into C either.
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || job.discard(reason))) {
        report_panic(payload);
    }
}

/// A fire-and-forget job (or a discarded job's destructor) panicked.
fn report_panic(payload: Box<dyn Any + Send>) {
    // Jobs run on pool threads; discards also on the thread calling
    // shutdown or cancel, which `reporting_to` points at the pool. Elsewhere there is
    // no pool to report to: the panic hook has printed it already.
    let _ = with_current_pool(|shared| shared.report_panic(payload));
}

#[cfg(test)]
mod tests {
    use super::is_inline;
    use std::sync::Arc;

    #[test]
    fn small_closures_are_stored_inline() {
        let arc = Arc::new(5u32);
        let captures_arc = move || drop(arc);
        let captures_nothing = || ();
        let (a, b) = (1u64, 2u64);
        let captures_two = move || a + b;
        fn inline_of<F>(_: &F) -> bool {
            is_inline::<F>()
        }
        assert!(inline_of(&captures_arc));
        assert!(inline_of(&captures_nothing));
        assert!(!inline_of(&captures_two));
        assert!(!is_inline::<u128>());
    }
}
