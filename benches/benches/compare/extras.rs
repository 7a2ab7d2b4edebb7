//! Figures criterion does not measure (queue-wait percentiles, heap
//! allocations per job, CPU used while idle) and the run's metadata, written
//! as small JSON files beside criterion's own output, where `bench-report`
//! reads them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{json, Value};

/// The system allocator, counting allocations while [`count_allocs`] runs.
/// Outside it the cost is one relaxed load per allocation.
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counting touches only atomics and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

/// Heap allocations (on every thread of the process) while `f` runs.
pub fn count_allocs(f: impl FnOnce()) -> u64 {
    ALLOCS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    f();
    COUNTING.store(false, Ordering::SeqCst);
    ALLOCS.load(Ordering::Relaxed)
}

/// CPU time (user + system, every thread) the process has used so far.
pub fn process_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is valid for writes; the clock id is a constant Linux has.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Whether criterion runs in its quick test mode (`cargo bench -- --test`):
/// every benchmark runs once, nothing is timed, and nothing is written.
pub fn test_mode() -> bool {
    std::env::args().any(|a| a == "--test")
}

/// Criterion's output directory, found the way criterion finds it:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the target
/// directory this benchmark was built in.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // <target>/release/deps/compare-<hash>
    let exe = std::env::current_exe().expect("current_exe");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the benchmark runs from <target>/<profile>/deps");
    target.join("criterion")
}

/// Writes `figures` as `<criterion>/<group>/<id>/wpool.json`, beside
/// criterion's own files for that benchmark (not in test mode).
pub fn write(group: &str, id: &str, figures: &Value) {
    if !test_mode() {
        write_json(&criterion_dir().join(group).join(id), "wpool.json", figures);
    }
}

fn write_json(dir: &Path, name: &str, value: &Value) {
    std::fs::create_dir_all(dir).expect("criterion output directory");
    std::fs::write(dir.join(name), format!("{value}\n")).expect("write a figures file");
}

/// Records which machine, commit and toolchain this run is, as
/// `<criterion>/wpool-run.json` (not in test mode).
pub fn write_run_metadata() {
    if test_mode() {
        return;
    }
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown", str::trim)
        .to_owned();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let commit = run("git", &["rev-parse", "--short", "HEAD"]);
    let dirty = !run("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    let rustc = run(
        &std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()),
        &["--version"],
    );
    let date = run("date", &["-u", "+%Y-%m-%d"]);
    let metadata = json!({
        "commit": commit, "dirty": dirty, "date": date, "cpu": cpu, "cpus": cpus,
        "kernel": kernel, "rustc": rustc,
    });
    write_json(&criterion_dir(), "wpool-run.json", &metadata);
}

/// A command's trimmed standard output, or "" if it cannot run.
fn run(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
