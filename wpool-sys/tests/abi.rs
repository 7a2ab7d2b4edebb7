//! The Rust view of the C structs must agree with the C compiler's: bindgen's
//! layout tests check libclang's layout; these check what the compiled C code
//! writes and reads through the Rust structs, field by field.
use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use wpool_sys::*;

#[test]
fn config_init_fills_the_documented_defaults() {
    let mut cfg = wpool_config {
        workers: 77,
        max_temp_workers: 77,
        temp_idle_ms: 77,
        capacity: [77; 3],
        starvation_ms: 77,
        thread_name: c"x".as_ptr(),
        pin_workers: 77,
        on_thread_start: None,
        on_thread_stop: None,
        hook_ctx: 1 as *mut c_void,
        wait_sampling: 77,
        default_discard: Some(count),
        worker_os_priority: 77,
        temp_spares: 77,
        on_room: Some(room),
        room_ctx: 1 as *mut c_void,
    };
    // SAFETY: cfg is a valid, writable wpool_config.
    unsafe { wpool_config_init(&mut cfg) };
    assert_eq!(cfg.workers, 0);
    assert_eq!(cfg.max_temp_workers, 4);
    assert_eq!(cfg.temp_idle_ms, 200);
    assert_eq!(cfg.capacity, [WPOOL_DEFAULT_CAPACITY; 3]);
    assert_eq!(cfg.starvation_ms, 0);
    assert!(cfg.thread_name.is_null());
    assert_eq!(cfg.pin_workers, 0);
    assert!(cfg.hook_ctx.is_null());
    assert_eq!(cfg.wait_sampling, 8);
    assert!(cfg.default_discard.is_none());
    assert!(cfg.on_room.is_none());
    assert!(cfg.room_ctx.is_null());
}

unsafe extern "C" fn room(_: *mut c_void, _: wpool_priority) {}

#[test]
fn config_check_writes_its_complaint_into_the_buffer() {
    let mut cfg = wpool_config::default();
    let mut msg = [0x7f as std::ffi::c_char; 80];
    // SAFETY: cfg is valid; msg is writable for msg.len() bytes.
    unsafe {
        wpool_config_init(&mut cfg);
        assert_eq!(
            wpool_config_check(&cfg, msg.as_mut_ptr(), msg.len()),
            WPOOL_OK
        );
        cfg.capacity[WPOOL_HIGH as usize] = WPOOL_MAX_CAPACITY + 1;
        assert_eq!(
            wpool_config_check(&cfg, msg.as_mut_ptr(), msg.len()),
            WPOOL_EINVAL
        );
    }
    // SAFETY: wpool_config_check NUL-terminates within msg.len().
    let text = unsafe { CStr::from_ptr(msg.as_ptr()) };
    assert_eq!(
        text.to_str().unwrap(),
        "capacity[WPOOL_HIGH] = 16777217: at most WPOOL_MAX_CAPACITY (16777216)"
    );
}

static RUNS: AtomicU64 = AtomicU64::new(0);

extern "C" fn count(_: *mut c_void) {
    RUNS.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn stats_fields_read_what_c_wrote() {
    let mut cfg = wpool_config::default();
    let mut pool = ptr::null_mut();
    // SAFETY: every pointer passed is valid for the call; the pool is
    // destroyed at the end and used by no other thread.
    unsafe {
        wpool_config_init(&mut cfg);
        cfg.workers = 1;
        cfg.max_temp_workers = 3;
        cfg.capacity = [8, 16, 32];
        assert_eq!(wpool_create(&cfg, &mut pool), WPOOL_OK);
        for (prio, n) in [(WPOOL_HIGH, 1u64), (WPOOL_NORMAL, 2), (WPOOL_LOW, 3)] {
            for _ in 0..n {
                assert_eq!(
                    wpool_submit(pool, prio, Some(count), ptr::null_mut()),
                    WPOOL_OK
                );
            }
        }
        assert_eq!(wpool_wait_idle(pool, WPOOL_FOREVER), WPOOL_OK);
        let mut s = wpool_stats::default();
        assert_eq!(wpool_get_stats(pool, &mut s), WPOOL_OK);
        assert_eq!(s.submitted, [1, 2, 3]);
        assert_eq!(s.completed, [1, 2, 3]);
        assert_eq!(s.capacity, [8, 16, 32]);
        assert_eq!(s.workers, 1);
        assert_eq!(s.max_temp_workers, 3);
        assert_eq!(s.closed, 0);
        assert_eq!(wpool_shutdown(pool, WPOOL_FOREVER), WPOOL_OK);
        assert_eq!(wpool_get_stats(pool, &mut s), WPOOL_OK);
        assert_ne!(s.closed, 0);
        wpool_destroy(pool);
    }
    assert_eq!(RUNS.load(Ordering::Relaxed), 6);
}

#[test]
fn status_strings_and_version() {
    // SAFETY: both return static NUL-terminated strings.
    unsafe {
        let version = CStr::from_ptr(wpool_version()).to_str().unwrap();
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        assert_eq!(
            version.as_bytes(),
            &WPOOL_VERSION_STRING[..WPOOL_VERSION_STRING.len() - 1]
        );
        for code in [
            WPOOL_OK,
            WPOOL_EINVAL,
            WPOOL_ENOMEM,
            WPOOL_EFULL,
            WPOOL_ETIMEDOUT,
            WPOOL_EALREADY,
        ] {
            assert!(!CStr::from_ptr(wpool_strerror(code)).to_bytes().is_empty());
        }
        assert_eq!(wpool_create(ptr::null(), ptr::null_mut()), WPOOL_EINVAL);
    }
}

static HOLD: AtomicU64 = AtomicU64::new(1);
static LIFECYCLE_RUNS: AtomicU64 = AtomicU64::new(0);
static REASONS: [AtomicU64; 4] = [
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
    AtomicU64::new(0),
];

extern "C" fn hold(_: *mut c_void) {
    while HOLD.load(Ordering::SeqCst) != 0 {
        std::thread::yield_now();
    }
}

extern "C" fn lifecycle_run(_: *mut c_void) {
    LIFECYCLE_RUNS.fetch_add(1, Ordering::SeqCst);
}

extern "C" fn note_reason(_: *mut c_void) {
    // SAFETY: reads a thread-local; no preconditions.
    let reason = unsafe { wpool_discard_reason_now() };
    REASONS[reason as usize].fetch_add(1, Ordering::SeqCst);
}

/// The job-lifecycle API through the raw bindings: tickets, the options
/// struct, the discard reason, and the stats fields it fills.
#[test]
fn lifecycle_calls_and_stats_fields_read_what_c_wrote() {
    let mut cfg = wpool_config::default();
    let mut pool = ptr::null_mut();
    let task = wpool_task {
        run: Some(lifecycle_run),
        discard: Some(note_reason),
        arg: ptr::null_mut(),
    };
    // SAFETY: every pointer passed is valid for the call; the pool is
    // destroyed at the end and used by no other thread.
    unsafe {
        wpool_config_init(&mut cfg);
        cfg.workers = 1;
        cfg.max_temp_workers = 0;
        assert_eq!(wpool_create(&cfg, &mut pool), WPOOL_OK);
        assert_eq!(wpool_discard_reason_now(), WPOOL_DISCARD_NONE);
        assert_eq!(
            wpool_submit(pool, WPOOL_NORMAL, Some(hold), ptr::null_mut()),
            WPOOL_OK
        );

        // Cancelled while queued behind the held worker.
        let mut ticket: wpool_ticket = 0;
        assert_eq!(
            wpool_submit_job(
                pool,
                WPOOL_NORMAL,
                &task,
                ptr::null(),
                WPOOL_FOREVER,
                &mut ticket
            ),
            WPOOL_OK
        );
        assert_ne!(ticket, 0);
        assert_eq!(wpool_cancel(pool, ticket), WPOOL_OK);
        assert_eq!(
            REASONS[WPOOL_DISCARD_CANCELLED as usize].load(Ordering::SeqCst),
            1
        );
        assert_eq!(wpool_cancel(pool, ticket), WPOOL_EALREADY);
        assert_eq!(wpool_cancel(pool, 0), WPOOL_EINVAL);

        // A deadline already past: accepted, expires when taken.
        let opts = wpool_job_opts {
            deadline_ns: wpool_now_ns(),
        };
        let mut late: wpool_ticket = 0;
        assert_eq!(
            wpool_submit_job(pool, WPOOL_NORMAL, &task, &opts, 0, &mut late),
            WPOOL_OK
        );
        assert_ne!(late, ticket);

        assert_eq!(wpool_pause(pool, WPOOL_LOW), WPOOL_OK);
        assert_eq!(wpool_set_workers(pool, 2), WPOOL_OK);
        let mut s = wpool_stats::default();
        assert_eq!(wpool_get_stats(pool, &mut s), WPOOL_OK);
        assert_eq!(s.paused, 1 << WPOOL_LOW);
        assert_eq!(s.workers_target, 2);
        assert_eq!(s.cancelled, [0, 1, 0]);

        HOLD.store(0, Ordering::SeqCst);
        assert_eq!(wpool_wait_idle(pool, WPOOL_FOREVER), WPOOL_OK);
        assert_eq!(
            REASONS[WPOOL_DISCARD_EXPIRED as usize].load(Ordering::SeqCst),
            1
        );
        assert_eq!(wpool_resume(pool, WPOOL_LOW), WPOOL_OK);
        assert_eq!(wpool_get_stats(pool, &mut s), WPOOL_OK);
        assert_eq!(s.paused, 0);
        assert_eq!(s.expired, [0, 1, 0]);
        assert_eq!(s.submitted, [0, 3, 0]);
        assert_eq!(s.completed, [0, 1, 0]);
        assert_eq!(s.discarded, [0, 0, 0]);
        assert_eq!(s.workers, 2);
        assert_eq!(wpool_shutdown(pool, WPOOL_FOREVER), WPOOL_OK);
        assert_eq!(wpool_pause(pool, WPOOL_LOW), WPOOL_ECLOSED);
        assert_eq!(wpool_set_workers(pool, 1), WPOOL_ECLOSED);
        wpool_destroy(pool);
    }
    assert_eq!(LIFECYCLE_RUNS.load(Ordering::SeqCst), 0);
    assert_eq!(
        REASONS[WPOOL_DISCARD_SHUTDOWN as usize].load(Ordering::SeqCst),
        0
    );
}
