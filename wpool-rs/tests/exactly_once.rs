//! Exactly once under racing shutdowns: rounds of a randomized workload
//! where every closure handed to the pool owns a token whose run and whose
//! drop are counted per token id.
//!
//! Each round builds a small pool (1-3 workers; 0-2 temporary workers that
//! retire at once or after 1-2 ms, in half the rounds with a slow stop
//! hook; queues of 4-512 jobs, so producers meet `Full`, timeouts and
//! waits). Three producer threads submit at random priorities through
//! `spawn`, `try_spawn`, `spawn_timeout` (a refused closure is sometimes
//! resubmitted with `spawn`), `submit`, `try_submit`, `submit_timeout` (the
//! handle joined at once, kept and joined later, or dropped at once), and
//! scopes whose jobs write into a stack array; closures of every storage
//! kind (inline, recycled block, boxed); some jobs panic, one in 16 is slow,
//! one unrun closure in 4 has a slow destructor; some jobs spawn, submit
//! and join more jobs or open scopes on their own pool. Meanwhile 0-3
//! threads (in half the rounds released together by a barrier) call
//! `shutdown` (waiting), `shutdown_timeout` with random short deadlines
//! (0-2 ms), or `wait_idle` then `shutdown_timeout`, racing each other and
//! the producers. The round ends with a final `shutdown` (then the
//! statistics must add up exactly) or with the pool simply dropped.
//!
//! Checked, per token: accepted ones ran exactly once or were dropped unrun
//! exactly once, never both, never twice, never neither; refused ones (an
//! `Err` came back) were dropped once by the test and never ran; a joined
//! handle gives the value (ran), the panic (ran and panicked) or the
//! discard (never ran); a scope returns only once each of its tokens is
//! settled, its stack array shows exactly the jobs that ran, and it
//! re-raises exactly the panics it should. Per round: nothing is accepted
//! by a submission that began after a shutdown returned; nothing runs or is
//! discarded after a shutdown returned without timing out (and then
//! `submitted == completed + discarded` per priority); the panic handler
//! saw exactly the panics of fire-and-forget jobs; after a final shutdown
//! the statistics equal the tokens' counts. A round that hangs (see
//! `WPOOL_STRESS_DEADLINE_S`) aborts the process after printing its seed and
//! the calls in flight.
//!
//! Environment:
//! - `WPOOL_STRESS_ROUNDS=N`: N rounds (default 16: about 1.5 s in a debug
//!   build). A long run (about 1 min):
//!   `WPOOL_STRESS_ROUNDS=600 cargo test -p wpool-rs --test exactly_once -- --nocapture`.
//! - `WPOOL_STRESS_SEED=S` (decimal or 0x-hex): the first round's seed
//!   (default: fixed); a failure prints the failing round's seed, and
//!   `WPOOL_STRESS_SEED=<it> WPOOL_STRESS_ROUNDS=1` replays its choices
//!   (not the thread interleaving, which differs from run to run).
//! - `WPOOL_STRESS_VERBOSE=1`: one line per round (`--nocapture`).
//! - `WPOOL_STRESS_DEADLINE_S=S`: a round running longer than S seconds
//!   (default 60) counts as hung.
//!
//! This file holds a single test: the panic hook it installs (to keep the
//! expected panics off stderr; it passes every other panic on) is
//! process-global.

mod common;

use std::any::Any;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use common::wait_until;
use wpool::{JoinError, JoinHandle, Pool, Priority};

/// Handles kept to be joined later, with their tokens' ids.
type Kept = Vec<(u32, JoinHandle<u32>)>;

/// Token ids per round; a round that runs out creates no more tokens.
const MAX_IDS: usize = 1 << 16;
const DEFAULT_ROUNDS: u64 = 16;
const DEFAULT_SEED: u64 = 0x005E_ED0F_E4AC_7011;
/// A round taking longer than this (seconds) is taken for a hang.
const DEFAULT_DEADLINE_S: u64 = 60;
const PRODUCERS: usize = 3;
/// Top-level actions (a submission or a scope) per producer per round.
const ACTIONS: usize = 120;
/// Jobs that spawn jobs do so up to this depth (0: top level).
const MAX_DEPTH: u32 = 2;

// A token's fate, as the submitter saw it.
const CREATED: u8 = 0;
const ACCEPTED: u8 = 1;
const REJECTED: u8 = 2;

// Who receives a token's job's panic.
const TO_HANDLER: u8 = 0; // a fire-and-forget job of the pool
const TO_SCOPE: u8 = 1; // a fire-and-forget job of a scope
const TO_HANDLE: u8 = 2; // a submitted job (pool or scope)

#[derive(Default)]
struct Slot {
    runs: AtomicU8,
    drops: AtomicU8,
    fate: AtomicU8,
    panics: AtomicBool,
    sink: AtomicU8,
}

/// The shared state of the current round (rounds run one after another).
struct Round {
    slots: Box<[Slot]>,
    next_id: AtomicUsize,
    seed: AtomicU64,
    /// A racing thread is about to shut the pool down.
    shutdown_started: AtomicBool,
    /// Some shutdown call has returned: the pool is closed for good.
    shutdown_returned: AtomicBool,
    /// Some shutdown call returned without timing out: every accepted job
    /// has finished, and no more can be accepted.
    clean_returned: AtomicBool,
    handled_panics: AtomicUsize,
    anomaly_count: AtomicUsize,
    anomalies: Mutex<Vec<String>>,
    regular_stopped: AtomicUsize,
    accepted: AtomicUsize,
    /// Racing shutdown calls returned, and how many of them timed out.
    shutdowns: AtomicUsize,
    timed_out: AtomicUsize,
    started: Mutex<Option<Instant>>,
    /// The racers' calls in progress, and "producer" per producer running.
    in_flight: Mutex<Vec<&'static str>>,
}

fn round() -> &'static Round {
    static ROUND: OnceLock<Round> = OnceLock::new();
    ROUND.get_or_init(|| Round {
        slots: (0..MAX_IDS).map(|_| Slot::default()).collect(),
        next_id: AtomicUsize::new(0),
        seed: AtomicU64::new(0),
        shutdown_started: AtomicBool::new(false),
        shutdown_returned: AtomicBool::new(false),
        clean_returned: AtomicBool::new(false),
        handled_panics: AtomicUsize::new(0),
        anomaly_count: AtomicUsize::new(0),
        anomalies: Mutex::new(Vec::new()),
        regular_stopped: AtomicUsize::new(0),
        accepted: AtomicUsize::new(0),
        shutdowns: AtomicUsize::new(0),
        timed_out: AtomicUsize::new(0),
        started: Mutex::new(None),
        in_flight: Mutex::new(Vec::new()),
    })
}

impl Round {
    fn reset(&self, seed: u64) {
        let used = self.next_id.swap(0, SeqCst).min(MAX_IDS);
        for slot in &self.slots[..used] {
            slot.runs.store(0, SeqCst);
            slot.drops.store(0, SeqCst);
            slot.fate.store(CREATED, SeqCst);
            slot.panics.store(false, SeqCst);
            slot.sink.store(TO_HANDLER, SeqCst);
        }
        self.seed.store(seed, SeqCst);
        self.shutdown_started.store(false, SeqCst);
        self.shutdown_returned.store(false, SeqCst);
        self.clean_returned.store(false, SeqCst);
        self.handled_panics.store(0, SeqCst);
        self.anomaly_count.store(0, SeqCst);
        self.anomalies.lock().unwrap().clear();
        self.regular_stopped.store(0, SeqCst);
        self.accepted.store(0, SeqCst);
        self.shutdowns.store(0, SeqCst);
        self.timed_out.store(0, SeqCst);
        self.in_flight.lock().unwrap().clear();
        *self.started.lock().unwrap() = Some(Instant::now());
    }

    fn slot(&self, id: u32) -> &Slot {
        &self.slots[id as usize]
    }

    fn ids(&self) -> usize {
        self.next_id.load(SeqCst).min(MAX_IDS)
    }
}

/// Records a broken promise; the round fails at its end.
fn anomaly(msg: String) {
    let r = round();
    r.anomaly_count.fetch_add(1, SeqCst);
    let mut list = r.anomalies.lock().unwrap_or_else(|p| p.into_inner());
    if list.len() < 20 {
        list.push(msg);
    }
}

/// Owned by exactly one closure handed to the pool. Its run and its drop
/// are counted in its slot.
struct Token(u32);

impl Token {
    fn new(panics: bool, sink: u8) -> Option<Token> {
        let id = round().next_id.fetch_add(1, SeqCst);
        if id >= MAX_IDS {
            return None;
        }
        let slot = &round().slots[id];
        slot.panics.store(panics, SeqCst);
        slot.sink.store(sink, SeqCst);
        Some(Token(id as u32))
    }

    fn id(&self) -> u32 {
        self.0
    }

    /// The job started: count the run, then do a little work (varying with
    /// the id), so that queues fill up and shutdowns find work to discard.
    fn run(&self) {
        let r = round();
        if r.clean_returned.load(SeqCst) {
            anomaly(format!(
                "token {} ran after a clean shutdown returned",
                self.0
            ));
        }
        if r.slot(self.0).runs.fetch_add(1, SeqCst) != 0 {
            anomaly(format!("token {} ran twice", self.0));
        }
        let h = u64::from(self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // One job in 16 is slow (a few hundred microseconds): the queues
        // behind it are what a short shutdown discards.
        work(if h >> 60 == 0 { 40_000 } else { h >> 53 });
    }

    /// The end of a job's run: panics if the token says so.
    fn finish(self) {
        if round().slot(self.0).panics.load(SeqCst) {
            panic::panic_any(StressPanic(self.0));
        }
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        let r = round();
        let slot = r.slot(self.0);
        if slot.drops.fetch_add(1, SeqCst) != 0 {
            anomaly(format!("token {} dropped twice", self.0));
        }
        // One unrun token in 4 has a slow destructor: a shutdown's discards
        // take a while, and the workers go idle meanwhile.
        if slot.runs.load(SeqCst) == 0 && self.0 % 4 == 1 {
            work(5_000);
        }
        if slot.runs.load(SeqCst) == 0
            && slot.fate.load(SeqCst) != REJECTED
            && r.clean_returned.load(SeqCst)
        {
            anomaly(format!(
                "token {} discarded after a clean shutdown returned",
                self.0
            ));
        }
    }
}

/// Busy work: `iterations` multiplications.
fn work(iterations: u64) {
    let mut x = iterations;
    for _ in 0..iterations {
        x = std::hint::black_box(x.wrapping_mul(0x5851_F42D_4C95_7F2D).wrapping_add(1));
    }
}

/// The payload of the jobs' expected panics.
struct StressPanic(#[allow(dead_code)] u32);
/// The payload of a scope body's expected panic.
struct BodyPanic;

/// SplitMix64: small, deterministic, good enough to pick choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    fn prio(&mut self) -> Priority {
        Priority::ALL[self.below(3) as usize]
    }

    fn micros(&mut self, max: u64) -> Duration {
        Duration::from_micros(self.below(max + 1))
    }
}

/// The outcome of a submission as the test saw it: the pool accepted the
/// closure, or gave it back.
fn settle<F, T>(id: u32, closed_before: bool, result: Result<T, F>) -> Option<T> {
    let r = round();
    let slot = r.slot(id);
    match result {
        Ok(value) => {
            if closed_before {
                anomaly(format!(
                    "token {id} accepted by a submission begun after a shutdown returned"
                ));
            }
            slot.fate.store(ACCEPTED, SeqCst);
            r.accepted.fetch_add(1, SeqCst);
            Some(value)
        }
        Err(f) => {
            slot.fate.store(REJECTED, SeqCst);
            drop(f);
            if slot.drops.load(SeqCst) != 1 || slot.runs.load(SeqCst) != 0 {
                anomaly(format!("refused token {id}: {}", describe(id)));
            }
            None
        }
    }
}

fn describe(id: u32) -> String {
    let slot = round().slot(id);
    format!(
        "runs {} drops {} fate {} panics {} sink {}",
        slot.runs.load(SeqCst),
        slot.drops.load(SeqCst),
        slot.fate.load(SeqCst),
        slot.panics.load(SeqCst),
        slot.sink.load(SeqCst)
    )
}

/// A joined handle's result must agree with the token.
fn check_join(id: u32, result: Result<u32, JoinError>) {
    let slot = round().slot(id);
    let ran = slot.runs.load(SeqCst) == 1;
    let panics = slot.panics.load(SeqCst);
    let (ok, got) = match result {
        Ok(value) => (value == id && ran && !panics, format!("Ok({value})")),
        Err(err) if err.is_discarded() => (!ran, "discarded".to_owned()),
        Err(err) if err.is_panic() => {
            let ours = err.into_panic().is::<StressPanic>();
            (ours && ran && panics, format!("a panic (ours: {ours})"))
        }
        Err(err) => (false, format!("{err:?}")),
    };
    if !ok || slot.drops.load(SeqCst) != 1 {
        anomaly(format!(
            "join of token {id} gave {got}, disagreeing with {}",
            describe(id)
        ));
    }
}

/// Offers a fire-and-forget job to the pool through a random one of
/// `spawn`, `try_spawn`, `spawn_timeout`; a refused closure is sometimes
/// offered again with `spawn`.
fn offer<F>(pool: &Pool, rng: &mut Rng, id: u32, f: F)
where
    F: FnOnce() + Send + 'static,
{
    let prio = rng.prio();
    let closed_before = round().shutdown_returned.load(SeqCst);
    let result = match rng.below(3) {
        0 => pool.spawn(prio, f).map_err(|e| e.into_inner()),
        1 => pool.try_spawn(prio, f).map_err(|e| e.into_inner()),
        _ => pool
            .spawn_timeout(prio, f, rng.micros(300))
            .map_err(|e| e.into_inner()),
    };
    let result = match result {
        Err(f) if rng.one_in(2) => pool.spawn(prio, f).map_err(|e| e.into_inner()),
        other => other,
    };
    settle(id, closed_before, result);
}

/// What a producer does with a handle: join it at once, keep it, or drop it.
fn handle_submitted(
    pool: &Pool,
    rng: &mut Rng,
    id: u32,
    f: impl FnOnce() -> u32 + Send + 'static,
    kept: &mut Kept,
) {
    let prio = rng.prio();
    let closed_before = round().shutdown_returned.load(SeqCst);
    let result = match rng.below(3) {
        0 => pool.submit(prio, f).map_err(|e| e.into_inner()),
        1 => pool.try_submit(prio, f).map_err(|e| e.into_inner()),
        _ => pool
            .submit_timeout(prio, f, rng.micros(300))
            .map_err(|e| e.into_inner()),
    };
    if let Some(handle) = settle(id, closed_before, result) {
        match rng.below(3) {
            0 => check_join(id, handle.join()),
            1 => kept.push((id, handle)),
            _ => drop(handle),
        }
    }
}

fn join_all(kept: &mut Kept) {
    for (id, handle) in kept.drain(..) {
        check_join(id, handle.join());
    }
}

/// One random action: a job of one of several sizes, a submitted job, a
/// job that spawns jobs, or a scope. Returns false once out of token ids.
fn act(pool: &Pool, rng: &mut Rng, depth: u32, kept: &mut Kept) -> bool {
    let panics = rng.one_in(12);
    let choice = rng.below(if depth < MAX_DEPTH { 7 } else { 5 });
    if choice == 6 {
        return scoped_batch(pool, rng, depth);
    }
    let sink = if choice == 3 { TO_HANDLE } else { TO_HANDLER };
    let Some(token) = Token::new(panics, sink) else {
        return false;
    };
    let id = token.id();
    match choice {
        // Inline: the closure is the token (4 bytes).
        0 => offer(pool, rng, id, move || {
            token.run();
            token.finish();
        }),
        // A recycled block.
        1 => {
            let check = [u64::from(id), !u64::from(id), 7];
            offer(pool, rng, id, move || {
                token.run();
                if check != [u64::from(token.id()), !u64::from(token.id()), 7] {
                    anomaly(format!("token {} saw a torn capture", token.id()));
                }
                token.finish();
            });
        }
        // Boxed.
        2 => {
            let check = [u64::from(id); 20];
            offer(pool, rng, id, move || {
                token.run();
                if check.iter().any(|&x| x != u64::from(token.id())) {
                    anomaly(format!("token {} saw a torn capture", token.id()));
                }
                token.finish();
            });
        }
        // Submitted, with a handle.
        3 => handle_submitted(
            pool,
            rng,
            id,
            move || {
                token.run();
                let id = token.id();
                token.finish();
                id
            },
            kept,
        ),
        // A job that spawns (and may join) jobs of its own pool.
        _ => {
            let inner = pool.clone();
            let seed = rng.next();
            offer(pool, rng, id, move || {
                token.run();
                let mut rng = Rng(seed);
                let mut kept = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    if !act(&inner, &mut rng, depth + 1, &mut kept) {
                        break;
                    }
                }
                join_all(&mut kept);
                drop(inner);
                token.finish();
            });
        }
    }
    true
}

/// A scope whose jobs borrow a stack array; some are fire-and-forget, some
/// submitted (handles joined or dropped); jobs or the body may panic.
/// Checks what the scope promises once it returned.
fn scoped_batch(pool: &Pool, rng: &mut Rng, depth: u32) -> bool {
    let n = 1 + rng.below(8) as usize;
    let mut cells = [0u32; 8];
    let mut ids = Vec::with_capacity(n);
    let body_panics = rng.one_in(16);
    let mut out_of_ids = false;
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            let mut handles = Vec::new();
            for cell in cells.iter_mut().take(n) {
                let submitted = rng.one_in(3);
                let panics = rng.one_in(8);
                let sink = if submitted { TO_HANDLE } else { TO_SCOPE };
                let Some(token) = Token::new(panics, sink) else {
                    out_of_ids = true;
                    break;
                };
                let id = token.id();
                ids.push(id);
                let prio = rng.prio();
                let closed_before = round().shutdown_returned.load(SeqCst);
                if submitted {
                    let f = move || {
                        token.run();
                        *cell = token.id() + 1;
                        token.finish();
                        id
                    };
                    let result = s.submit(prio, f).map_err(|e| e.into_inner());
                    if let Some(handle) = settle(id, closed_before, result) {
                        if rng.one_in(2) {
                            handles.push((id, handle));
                        }
                    }
                } else {
                    let f = move || {
                        token.run();
                        *cell = token.id() + 1;
                        token.finish();
                    };
                    let result = match rng.below(3) {
                        0 => s.spawn(prio, f).map_err(|e| e.into_inner()),
                        1 => s.try_spawn(prio, f).map_err(|e| e.into_inner()),
                        _ => s
                            .spawn_timeout(prio, f, rng.micros(200))
                            .map_err(|e| e.into_inner()),
                    };
                    settle(id, closed_before, result);
                }
            }
            for (id, handle) in handles {
                check_join(id, handle.join());
            }
            if body_panics {
                panic::panic_any(BodyPanic);
            }
        })
    }));
    // The scope returned: each of its tokens is settled, and the array
    // shows exactly the jobs that ran (a job writes its id + 1).
    let mut scope_panic_expected = false;
    for (i, &id) in ids.iter().enumerate() {
        let slot = round().slot(id);
        let ran = slot.runs.load(SeqCst) == 1;
        if slot.drops.load(SeqCst) != 1 || cells[i] != if ran { id + 1 } else { 0 } {
            anomaly(format!(
                "scope returned with token {id} unsettled (depth {depth}): cell {} {}",
                cells[i],
                describe(id)
            ));
        }
        if ran && slot.panics.load(SeqCst) && slot.sink.load(SeqCst) == TO_SCOPE {
            scope_panic_expected = true;
        }
    }
    let ok = match &result {
        Ok(()) => !body_panics && !scope_panic_expected,
        Err(payload) if body_panics => payload.is::<BodyPanic>(),
        Err(payload) => scope_panic_expected && payload.is::<StressPanic>(),
    };
    if !ok {
        anomaly(format!(
            "scope (depth {depth}) returned {} with body_panics {body_panics}, \
             a job's panic expected {scope_panic_expected}",
            if result.is_ok() {
                "normally"
            } else {
                "by a panic"
            }
        ));
    }
    !out_of_ids
}

fn is_expected_panic(payload: &(dyn Any + Send)) -> bool {
    payload.is::<StressPanic>() || payload.is::<BodyPanic>()
}

/// What a racing thread does to the pool.
fn racer(pool: Pool, mut rng: Rng, target: usize, together: Option<Arc<Barrier>>) {
    let r = round();
    // Waits until some work was accepted (or the producers gave up), so the
    // shutdown meets queues in all states.
    let start = Instant::now();
    while r.accepted.load(SeqCst) < target && start.elapsed() < Duration::from_millis(200) {
        thread::yield_now();
    }
    if let Some(barrier) = together {
        // All the racers of the round call at once.
        barrier.wait();
    }
    r.shutdown_started.store(true, SeqCst);
    let report = match rng.below(8) {
        0 | 1 => in_flight("shutdown()", || pool.shutdown()),
        2 => {
            if rng.one_in(2) {
                in_flight("wait_idle()", || pool.wait_idle()).unwrap();
            } else {
                let timeout = rng.micros(500);
                let _ = in_flight("wait_idle_timeout", || pool.wait_idle_timeout(timeout));
            }
            let timeout = rng.micros(500);
            in_flight("shutdown_timeout", || pool.shutdown_timeout(timeout))
        }
        3 => {
            let timeout = rng.micros(2000);
            in_flight("shutdown_timeout", || pool.shutdown_timeout(timeout))
        }
        4 => in_flight("shutdown_timeout(0)", || {
            pool.shutdown_timeout(Duration::ZERO)
        }),
        _ => {
            let timeout = rng.micros(50);
            in_flight("shutdown_timeout", || pool.shutdown_timeout(timeout))
        }
    }
    .unwrap();
    r.shutdown_returned.store(true, SeqCst);
    r.shutdowns.fetch_add(1, SeqCst);
    if report.timed_out {
        r.timed_out.fetch_add(1, SeqCst);
    } else {
        r.clean_returned.store(true, SeqCst);
        let stats = pool.stats();
        if report.still_running != 0 {
            anomaly(format!("a clean shutdown left jobs running: {report}"));
        }
        for prio in Priority::ALL {
            let s = stats[prio];
            if s.submitted != s.completed + s.discarded || s.queued != 0 {
                anomaly(format!(
                    "after a clean shutdown, {prio:?}: {} submitted, {} completed, {} discarded, {} queued",
                    s.submitted, s.completed, s.discarded, s.queued
                ));
            }
        }
    }
}

/// Runs `f`, listed as in flight (for the watchdog's report) meanwhile.
fn in_flight<R>(what: &'static str, f: impl FnOnce() -> R) -> R {
    let r = round();
    r.in_flight.lock().unwrap().push(what);
    let result = f();
    let mut list = r.in_flight.lock().unwrap();
    let i = list.iter().position(|&w| w == what).expect("listed");
    list.swap_remove(i);
    result
}

fn producer(pool: Pool, mut rng: Rng) {
    let mut kept = Vec::new();
    let mut after_close = 0;
    for _ in 0..ACTIONS {
        if !act(&pool, &mut rng, 0, &mut kept) {
            break;
        }
        // Once closed, a few more refusals are enough.
        if round().shutdown_started.load(SeqCst) {
            after_close += 1;
            if after_close == 8 {
                break;
            }
        }
        if kept.len() > 8 || rng.one_in(16) {
            join_all(&mut kept);
        }
    }
    join_all(&mut kept);
}

/// One round; returns its counts: tokens, runs, discards, refusals, racing
/// shutdowns, of which timed out, panics seen by the panic handler.
fn run_round(seed: u64) -> [usize; 7] {
    let r = round();
    r.reset(seed);
    let mut rng = Rng(seed);
    let workers = 1 + rng.below(3) as usize;
    let temps = rng.below(3) as usize;
    let slow_stop = rng.one_in(2);
    let stop_delay = rng.micros(300);
    let pool = Pool::builder()
        .workers(workers)
        .max_temp_workers(temps)
        .temp_idle_timeout(Duration::from_millis(rng.below(3)))
        .capacity(4 << rng.below(8))
        .panic_handler(|payload| {
            if payload.is::<StressPanic>() {
                round().handled_panics.fetch_add(1, SeqCst);
            } else {
                anomaly("the panic handler got a foreign payload".into());
            }
        })
        .on_thread_stop(move |info| {
            if info.temporary && slow_stop {
                // Widens the window of a retiring temporary worker.
                thread::sleep(stop_delay);
            }
            if !info.temporary {
                round().regular_stopped.fetch_add(1, SeqCst);
            }
        })
        .build()
        .unwrap();

    let racers = rng.below(4) as usize;
    let together = rng.one_in(2).then(|| Arc::new(Barrier::new(racers)));
    let shared_target = rng.below((PRODUCERS * ACTIONS) as u64) as usize;
    let racers: Vec<_> = (0..racers)
        .map(|_| {
            let pool = pool.clone();
            let mut rng = Rng(rng.next());
            let target = match together {
                Some(_) => shared_target,
                None => rng.below((PRODUCERS * ACTIONS) as u64) as usize,
            };
            let together = together.clone();
            thread::spawn(move || racer(pool, rng, target, together))
        })
        .collect();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let pool = pool.clone();
            let rng = Rng(rng.next());
            thread::spawn(move || in_flight("producer", || producer(pool, rng)))
        })
        .collect();
    for p in producers {
        p.join().expect("a producer panicked");
    }
    for t in racers {
        t.join().expect("a racer panicked");
    }

    let final_stats = if rng.one_in(2) {
        let report = pool.shutdown().unwrap();
        assert!(!report.timed_out);
        r.shutdown_returned.store(true, SeqCst);
        r.clean_returned.store(true, SeqCst);
        Some(pool.stats())
    } else {
        None
    };
    in_flight("the pool's drop", || drop(pool));
    // The last clone may have been a job's, destroyed on a helper thread:
    // the pool is gone once its regular workers stopped.
    wait_until("the pool's destruction", || {
        r.regular_stopped.load(SeqCst) == workers
    });

    let mut counts = [0usize; 4];
    let mut handler_panics = 0;
    for id in 0..r.ids() as u32 {
        let slot = r.slot(id);
        let (runs, drops, fate) = (
            slot.runs.load(SeqCst),
            slot.drops.load(SeqCst),
            slot.fate.load(SeqCst),
        );
        counts[0] += 1;
        let ok = drops == 1
            && match fate {
                ACCEPTED => runs <= 1,
                REJECTED => runs == 0,
                _ => false,
            };
        if !ok {
            anomaly(format!("token {id} ends with {}", describe(id)));
        }
        match (fate, runs) {
            (ACCEPTED, 1) => counts[1] += 1,
            (ACCEPTED, _) => counts[2] += 1,
            _ => counts[3] += 1,
        }
        if runs == 1 && slot.panics.load(SeqCst) && slot.sink.load(SeqCst) == TO_HANDLER {
            handler_panics += 1;
        }
    }
    let [tokens, runs, discards, refusals] = counts;
    if r.handled_panics.load(SeqCst) != handler_panics {
        anomaly(format!(
            "the panic handler saw {} panics, {handler_panics} expected",
            r.handled_panics.load(SeqCst)
        ));
    }
    if let Some(stats) = final_stats {
        let fits = stats.submitted() as usize == runs + discards
            && stats.completed() as usize == runs
            && stats.discarded() as usize == discards
            && stats.panics as usize == handler_panics;
        if !fits {
            anomaly(format!(
                "final stats: {} submitted, {} completed, {} discarded, {} panics; \
                 tokens: {runs} ran, {discards} discarded, {handler_panics} handler panics",
                stats.submitted(),
                stats.completed(),
                stats.discarded(),
                stats.panics
            ));
        }
    }
    let n = r.anomaly_count.load(SeqCst);
    assert!(
        n == 0,
        "round with seed {seed:#x} (replay: WPOOL_STRESS_SEED={seed:#x} WPOOL_STRESS_ROUNDS=1): \
         {n} anomalies ({workers} workers, {temps} temporary), first ones:\n{}",
        r.anomalies.lock().unwrap().join("\n")
    );
    let shutdowns = r.shutdowns.load(SeqCst);
    let timed_out = r.timed_out.load(SeqCst);
    if std::env::var_os("WPOOL_STRESS_VERBOSE").is_some() {
        println!(
            "seed {seed:#018x}: {workers} workers, {temps} temporary: {tokens} tokens, {runs} ran, \
             {discards} discarded, {refusals} refused; {shutdowns} racing shutdowns, {timed_out} timed out"
        );
    }
    [
        tokens,
        runs,
        discards,
        refusals,
        shutdowns,
        timed_out,
        handler_panics,
    ]
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text}: not a number")))
}

/// Aborts the process when a round hangs: a hang must fail, not stall CI.
fn start_watchdog(done: Arc<AtomicBool>, deadline: Duration) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        while !done.load(SeqCst) {
            thread::sleep(Duration::from_millis(100));
            let r = round();
            let started = *r.started.lock().unwrap();
            if started.is_some_and(|t| t.elapsed() > deadline) {
                // Straight to the process's stderr: the test harness
                // captures eprintln! output, and the abort would lose it.
                let _ = writeln!(
                    std::io::stderr(),
                    "exactly_once: the round with seed {:#x} hangs ({:?}): {} tokens, {} accepted, \
                     shutdown returned {}, in flight {:?}, anomalies {:?}; aborting",
                    r.seed.load(SeqCst),
                    deadline,
                    r.ids(),
                    r.accepted.load(SeqCst),
                    r.shutdown_returned.load(SeqCst),
                    r.in_flight.lock().unwrap_or_else(|p| p.into_inner()),
                    r.anomalies.lock().unwrap_or_else(|p| p.into_inner()),
                );
                std::process::abort();
            }
        }
    })
}

#[test]
fn every_closure_runs_or_is_dropped_exactly_once_under_racing_shutdowns() {
    let rounds = env_u64("WPOOL_STRESS_ROUNDS").unwrap_or(DEFAULT_ROUNDS);
    let first_seed = env_u64("WPOOL_STRESS_SEED").unwrap_or(DEFAULT_SEED);
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !is_expected_panic(info.payload()) {
            previous_hook(info);
        }
    }));
    let done = Arc::new(AtomicBool::new(false));
    let deadline = env_u64("WPOOL_STRESS_DEADLINE_S").unwrap_or(DEFAULT_DEADLINE_S);
    let watchdog = start_watchdog(done.clone(), Duration::from_secs(deadline));

    let start = Instant::now();
    let mut totals = [0usize; 7];
    let mut seed_rng = Rng(first_seed);
    for i in 0..rounds {
        let seed = if i == 0 { first_seed } else { seed_rng.next() };
        let counts = run_round(seed);
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n;
        }
    }
    done.store(true, SeqCst);
    watchdog.join().unwrap();
    let _ = panic::take_hook();
    let [tokens, runs, discards, refusals, shutdowns, timed_out, panics] = totals;
    println!(
        "{rounds} rounds in {:?}: {tokens} closures counted, {runs} ran, {discards} discarded, \
         {refusals} refused; {shutdowns} racing shutdowns, {timed_out} timed out; \
         {panics} panics of fire-and-forget jobs",
        start.elapsed()
    );
    assert!(runs > 0 && panics > 0);
}
