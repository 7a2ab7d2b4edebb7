/*
 * parking.pml: a Promela model of wpool's parking and wake-up protocol
 * (docs/PARKING.md; c/src/worker.c, c/src/pool.c, c/src/ring.h, c/src/park.c),
 * checked with spin. See docs/model/README.md for how to run it.
 *
 * LEVEL OF DETAIL. Each seq_cst atomic operation of the protocol is one step
 * of an interleaving: loads, stores, fetch_or/fetch_and/fetch_add, exchange,
 * the successful CAS of a push or a pop. An interleaving of seq_cst
 * operations is exactly C11's total order S, so for those parts the model is
 * sound. What is abstracted:
 *  - Acquire/release and relaxed accesses are treated as sequentially
 *    consistent: the slot payload (seq/task/stamp), the `completed` and
 *    `discarded` counters (release stores, acquire loads), the relaxed store
 *    of park_state = AWAKE, the relaxed loads of `closed` (intake check),
 *    `discarding` and `stop` under temp_lock, and the has_work_hint() polls.
 *    The model therefore does not check the memory-order annotations
 *    themselves (TSan and the C tests do); it checks the protocol's logic.
 *  - A pop (seq load + CAS on head + seq store freeing the slot) is one step;
 *    a push is two: the claim (CAS on tail, which also tests the closed bit
 *    and fullness) and the publication of the slot. A claimed but
 *    unpublished position is therefore modelled (it counts as work).
 *  - Sums of several counters (quiescent(): the `completed` and `discarded`
 *    counters; wp_ring_free_slots(): tail and head) are read in one step.
 *    The rule-1 re-check (has_work_sc) keeps its two loads (tail, then head).
 *  - The seq_cst load of `busy` in quiescent() only orders memory; it has no
 *    effect on values in an interleaving model and is left out.
 *  - A futex wait is the blocking guard (word != expected); futex_wake is
 *    implicit in the change of the word (a waiter becomes runnable as soon as
 *    the word changes, before the waker's wake call: this only removes a
 *    delay). No spurious wake-ups. Timeouts are modelled where the code has
 *    them as nondeterministic alternatives: a temporary worker's TTL, a
 *    shutdown's deadline. The producer's timed re-check for room (1 ms ...
 *    64 ms) is left out unless ROOM_TIMEOUT is defined, so that the
 *    threshold wake of rule 3 alone must wake every waiting producer.
 *  - A worker whose re-check saw a claimed but unpublished position waits
 *    until it is published instead of cycling busy/idle (yielding) until it
 *    is: the cycles differ only in idle_epoch (see await_published).
 *  - The polling phases (spin_for_work, 2 + 5 us) are a nondeterministic
 *    choice: a poll may find published work, or give up at any moment.
 *  - temp_lock is a lock bit. Inside a critical section, steps on variables
 *    only accessed under the lock (slot_state, temp_exiting, the store of
 *    stop) go with the acquisition or the release, and each atomic block
 *    holds at most one step that lock-free readers can see (temp_alive,
 *    busy, temp_idle): Lipton's reduction (acquire: right mover, release:
 *    left mover), no behaviour lost. Lock-free readers (notify reading busy
 *    and temp_alive, the spawner) interleave between those steps.
 *  - spawn_epoch has one reader, the spawner: its read of the epoch is
 *    modelled as clearing the bit spawn_moved, a bump as setting it, the
 *    futex wait as waiting for it (epoch != value read <=> a bump since the
 *    read). The spawner's read of the epoch, clear of spawn_pending and load
 *    of stop are one step (they commute with every step that can come
 *    between them; see Spawner). With one worker (or one temporary slot) a
 *    waker's load of the sleep mask and its fetch_and are one step (a change
 *    of the one bit between them is the same as a load of 0).
 *  - With one slot and SPARES 0 nobody but the temporary worker reads
 *    temp_idle (retire_or_stay, under the lock): its changes go with the
 *    neighbouring change of busy.
 *  - Not modelled: the starvation bound, wpool_help / nested
 *    submission from jobs (and so defect 4), thread-start failures, job
 *    stamps and statistics, the portable condvar fallback of park.c.
 *
 * CONFIGURATIONS (one per run; -D on the spin command line). Each uses one
 * ring (the other levels stay empty and are left out), capacity 2.
 *  CFG_TEMP  1 regular worker, 1 temporary slot, the High ring, the spawner
 *            thread. The main thread submits job A, waits until A runs (a
 *            gate, as a test would), submits job B, destroys the pool. A
 *            runs only once B has run (A waits for B's result), so B must
 *            get a thread of its own: a temporary worker retiring meanwhile
 *            (TTL expiry is nondeterministic) must not strand it (defect 1),
 *            nor may a request to the spawner be lost. Workers start counted
 *            busy, so A's submit may already ask the spawner for a
 *            temporary worker.
 *            SPARES=1 (-DSPARES=1, temp_spares): the slot starts with a
 *            spare, started by init (wpool_create) before the spawner,
 *            counted idle, parked; High notify wakes it first; its TTL
 *            passing makes it stay (it is the one spare). SPARES=0 default.
 *
 * THE SPAWNER (c/src/worker.c spawner_main, wp_spawn_request). A High
 * submitter (or a worker passing the baton) that woke nobody and found every
 * thread busy stores spawn_for_high = 1 and requests: exchange spawn_pending
 * 0 -> 1, the one that found 0 moves spawn_epoch. The spawner: read the
 * epoch, clear spawn_pending, load stop; if exchange(spawn_for_high, 0) and
 * the High ring is non-empty and every thread busy, start one temporary
 * worker counted busy (baton HIGH); while temp_idle < SPARES start a spare;
 * sleep until the epoch moves. A temporary worker's mark_busy that leaves
 * fewer than SPARES idle requests too (no spawn_for_high). destroy stores
 * stop, moves the epoch and joins the spawner before the workers.
 *  CFG_IDLE  1 worker, Normal ring; the main thread submits 1 job while one
 *            thread waits for quiescence for ever (wpool_wait_idle) and
 *            another runs wpool_shutdown with a deadline that may pass at
 *            any moment (then it discards); then destroy (defect 2).
 *  CFG_SHUT2 1 worker; the main thread submits 1 job while two threads call
 *            wpool_shutdown (deadlines nondeterministic); no job may be
 *            accepted after a shutdown returned OK (defect 3).
 *  CFG_ROOM  1 worker, two producers submitting 2 + 1 jobs with
 *            WPOOL_FOREVER: a full ring, producers parked for room (rule 3).
 *            With ROOM_SHUTDOWN: one producer submits 3 jobs while another
 *            thread shuts the pool down (deadline nondeterministic).
 *  CFG_TWO   2 regular workers, the main thread submits 2 jobs: claims by
 *            fetch_and on the sleep mask, baton passing, destroy waking both
 *            (rules 1 and 2).
 *
 * BUG SWITCHES (the code before the fixes, commit b09358f):
 *  BUG_RETIRE_SLOT        defect 1: a retiring temporary worker decrements
 *                         temp_alive, re-checks, and keeps its slot RUNNING
 *                         until after its on_thread_stop hook.
 *  BUG_DISCARD_NOWAKE     defect 2: a shutdown that discards wakes no
 *                         quiescence waiter.
 *  BUG_SHUTDOWN_NO_CLOSE  defect 3: only the shutdown that flips `closed`
 *                         closes the rings.
 *
 *  BUG_NO_BATON_SPAWN     the race this model found once defects 1-3 were
 *                         fixed (with TEMP_BURST): a worker that went from
 *                         idle to busy and sees more work queued only wakes a
 *                         parked regular worker, instead of running the whole
 *                         High notify (wake a temporary worker, a regular
 *                         one, else request the spawner); nothing after
 *                         polling; temporary workers pass no baton.
 *
 *  BUG_SPAWNER_EPOCH_AFTER_CLEAR  the spawner of 8814f8e: it clears
 *                         spawn_pending, then reads the epoch. A request
 *                         between the two moves the epoch before the read;
 *                         the spawner's look serves it but spawn_pending
 *                         stays 1, so the next request finds it set, moves
 *                         nothing, and the spawner sleeps on: B never gets
 *                         a thread. Found by this model; the fixed order
 *                         reads the epoch first.
 *  BUG_SPAWNER_PENDING_LATE  the spawner looks first and clears
 *                         spawn_pending only before it sleeps: a request
 *                         between its look and the clear is lost.
 *
 *  TEMP_BURST       CFG_TEMP without the gate: A and B submitted back to
 *                   back. A's submit wakes the parked worker (or the worker
 *                   is polling, counted idle); B's submit runs before that
 *                   worker's mark_busy, so busy < workers + temp_alive and no
 *                   temporary worker starts. The fix (pass_baton in
 *                   worker.c): a worker that went from idle to busy (woken,
 *                   or found work while polling) and sees High work queued
 *                   runs the whole notify (wake a parked temporary worker,
 *                   else a regular one, else request the spawner if every
 *                   thread is busy). With BUG_NO_BATON_SPAWN spin reports the
 *                   deadlock (B has no thread while A runs); without, it
 *                   verifies. In TEMP_BURST the TTL never passes (retirement
 *                   is checked by CFG_TEMP; with it the search exceeded 50
 *                   million states).
 *                   A waker counting the claimed worker busy is not enough:
 *                   the polling worker's case remains (tried with spin).
 *
 * PROPERTIES: no invalid end state (every thread ends: no worker, waiter,
 * producer or destroy blocked for ever); assertions: each job is run or
 * discarded at most once, and after destroy every accepted job exactly once
 * and none that was not accepted; no use of the pool after destroy freed it
 * (a detached temporary worker); no job accepted after a shutdown returned
 * OK. With LIVENESS: the LTL claim `done` (<> the main thread finished
 * destroy), checked with weak fairness (pan -a -f).
 */

/* ---- configuration ---------------------------------------------------- */

#if defined(CFG_TEMP)
#define NW   1
#define MAXT 1
#define R    0 /* the one ring used: 0 = High, 1 = Normal */
#elif defined(CFG_IDLE) || defined(CFG_SHUT2) || defined(CFG_ROOM)
#define NW   1
#define MAXT 0
#define R    1
#elif defined(CFG_TWO)
#define NW   2
#define MAXT 0
#define R    1
#else
#error "define one of CFG_TEMP CFG_IDLE CFG_SHUT2 CFG_ROOM CFG_TWO"
#endif

#ifndef SPARES
#define SPARES 0 /* temp_spares (at most MAXT) */
#endif
#if SPARES > MAXT
#error "SPARES is at most MAXT"
#endif
#if defined(BUG_RETIRE_SLOT) && SPARES > 0
#error "BUG_RETIRE_SLOT is the code before spares: SPARES 0"
#endif

#define HIGH   0
#define NORMAL 1
#define NJ     3 /* positions the model can use */
#define CAP    2 /* ring capacity (wpool rounds up to a power of two >= 2) */
#define THRESH (CAP - CAP / 4) /* wp_ring_room_threshold() */

/* park_state values */
#define AWAKE    0
#define SLEEPING 1
#define NOTIFIED 2
/* temporary slot states */
#define FREE    0
#define RUNNING 1
#define EXITED  2
/* push results (ring) and API results */
#define R_OK     0
#define R_FULL   1
#define R_CLOSED 2
#define OK        0
#define ECLOSED   1
#define ETIMEDOUT 2

/* ---- shared state ----------------------------------------------------- */

/* The ring of priority R (the other levels stay empty and are left out). */
byte tail;           /* positions claimed = accepted (closed bit separate) */
byte head;           /* positions taken */
bit rclosed;         /* WP_RING_CLOSED in tail */
bit pub[NJ];         /* position published */
bit room_wanted;
byte room_epoch;

byte cnt[NJ];        /* times the job at a position was run or discarded */
byte completed;      /* sum of the workers' completed counters */
byte discarded;

byte sleep_mask;     /* bit i: regular worker i parked, not claimed */
byte park_state[NW];
bit temp_mask;       /* the one temporary slot's bit */
byte tpark;          /* the temporary slot's park_state */

byte busy = NW;      /* workers start busy */
byte temp_alive;
byte temp_idle;      /* temporary workers counted idle */
bit spawn_pending;   /* a request to the spawner not yet taken */
bit spawn_for_high;  /* ... for High work that waits */
bit spawn_moved;     /* spawn_epoch moved since the spawner read it (below) */
bit spawner_done;    /* the spawner has returned (joined by destroy) */
byte idle_waiters;
byte idle_epoch;
bit closed;
bit discarding;
bit stop;

bit tlock;           /* temp_lock */
byte slot_state;     /* FREE / RUNNING / EXITED */
bit slot_done = 1;   /* the thread last started in the slot has returned */
byte temp_exiting;   /* detached temporary workers still running (fix 1) */

bit freed;           /* wpool_destroy has freed the pool */
bit wdone[NW];       /* regular worker i has returned (pthread_join) */
byte udone;          /* application threads finished */
bit shut_ok;         /* a wpool_shutdown returned WPOOL_OK */
bit main_done;
bit a_started;       /* CFG_TEMP: job A is running */

/* ---- small pieces ----------------------------------------------------- */

inline lock() { atomic { tlock == 0 -> tlock = 1 } }
inline unlock() { tlock = 0 }

inline mark_busy() { busy++ }

/* wp_mark_idle: (I1) busy--, (I2) load idle_waiters, bump the epoch. */
inline mark_idle() {
    busy--;
    if
    :: idle_waiters != 0 -> idle_epoch++
    :: else -> skip
    fi
}

/* wp_ring_pop: one step (seq load, CAS on head, seq store). */
inline pop(got, pos) {
    atomic {
        if
        :: head < tail && pub[head] -> pos = head; head++; got = true
        :: else -> got = false
        fi
    }
}

/* wp_ring_push: the claim (closed bit, fullness, CAS on tail), then the
 * publication of the slot (release store of seq). */
inline push(rc, pos) {
    atomic {
        if
        :: rclosed -> rc = R_CLOSED
        :: !rclosed && tail - head >= CAP -> rc = R_FULL
        :: else ->
            pos = tail; tail++; rc = R_OK;
            assert(!shut_ok) /* defect 3: nothing accepted after a shutdown returned OK */
        fi
    };
    if
    :: rc == R_OK -> atomic { pub[pos] = 1; pos = 0 }
    :: else -> skip
    fi
}

/* wake_room_waiters (rule 3, C2): after every pop of a worker. */
inline wake_room() {
    if
    :: room_wanted ->
        if
        :: CAP - (tail - head) >= THRESH ->
            atomic { tmp = room_wanted; room_wanted = 0 };
            if
            :: tmp -> atomic { room_epoch++; tmp = 0 }
            :: else -> skip
            fi
        :: else -> skip
        fi
    :: else -> skip
    fi
}

/* has_work_sc / wp_ring_nonempty: seq_cst load of tail, then of head. */
inline has_work_sc(hw) {
    t = tail;
    atomic { hw = (t != head); t = 0 }
}

/* After a re-check saw a position claimed but not published, the real
 * worker goes busy, finds nothing to pop, goes idle, re-checks, and so on
 * (yielding) until the producer publishes. The rounds differ only in
 * idle_epoch, so they are collapsed into one: the worker waits here until
 * the position at head is published (or taken). */
inline await_published() {
    head == tail || pub[head]
}

/* has_work_hint: the slot at head is published (relaxed; one look). */
inline has_work_hint(hw) {
    hw = (head < tail && pub[head])
}

/* CFG_TEMP: job A (position 0) runs only once job B (position 1) has run
 * (say, A waits for a result B computes). */
#define JOB_A 0
#define JOB_B 1

inline run_job(pos) {
    if
    :: discarding ->
        atomic { assert(cnt[pos] == 0); cnt[pos]++; discarded++; pos = 0 }
    :: else ->
#ifdef CFG_TEMP
        if
        :: pos == JOB_A -> a_started = 1; cnt[JOB_B] > 0
        :: else -> skip
        fi;
#endif
        atomic { assert(cnt[pos] == 0); cnt[pos]++; completed++; pos = 0 }
    fi
}

/* wake_one on the regular sleep mask: load, then claim a bit by fetch_and,
 * then exchange park_state to NOTIFIED (futex_wake implicit). */
inline wake_one_regular(woken) {
    woken = false;
#if NW == 1
    /* One bit: the load and the fetch_and in one step. A change of the bit
     * between them (the worker's own fetch_or or fetch_and) would only turn
     * a load of 1 into a fetch_and that finds 0, the same as a load of 0:
     * no behaviour lost. */
    atomic {
        old = sleep_mask;
        sleep_mask = 0;
        m = 0
    };
    if
    :: old -> atomic { park_state[0] = NOTIFIED; woken = true; old = 0 }
    :: else -> skip
    fi
#else
    m = sleep_mask;
    do
    :: m == 0 -> break
    :: else ->
        atomic {
            b = ((m & 1) -> 0 : 1);
            old = sleep_mask;
            sleep_mask = sleep_mask & ~(1 << b)
        };
        if
        :: old & (1 << b) ->
            atomic { park_state[b] = NOTIFIED; woken = true; m = 0; old = 0; b = 0 }; break
        :: else -> atomic { m = old & ~(1 << b); old = 0; b = 0 }
        fi
    od
#endif
}

/* pass_baton's values (worker_main) */
#define B_NONE 0
#define B_HIGH 1 /* went busy after polling, or a temporary worker started busy */
#define B_ALL  2 /* woken from a park */

/* wp_spawn_request: exchange spawn_pending 0 -> 1; the one that finds it 0
 * moves the spawner's epoch (futex_wake implicit). */
inline spawn_request() {
    atomic { tmp = spawn_pending; spawn_pending = 1 };
    if
    :: tmp == 0 -> spawn_moved = 1 /* spawn_epoch++ */
    :: else -> tmp = 0
    fi
}

#if MAXT > 0
/* mark_busy of a temporary worker: busy++, temp_idle--, and below `spares`
 * idle ones (with a free slot) a request to the spawner for another spare. */
inline mark_busy_temp() {
#if SPARES > 0
    busy++;
    temp_idle--;
#else
    /* SPARES 0: nobody else reads temp_idle (retire_or_stay reads it under
     * temp_lock, and with one slot only the worker itself changes it): its
     * change is invisible to others and goes with the step before. */
    atomic { busy++; temp_idle-- }
#endif
#if SPARES > 0
    if
    :: temp_idle < SPARES ->
        if
        :: temp_alive < MAXT -> spawn_request()
        :: else -> skip
        fi
    :: else -> skip
    fi
#endif
}

/* go_idle of a temporary worker: temp_idle++, then wp_mark_idle. */
inline go_idle_temp() {
#if SPARES > 0
    temp_idle++;
#else
    atomic { temp_idle++; busy-- }; /* as in mark_busy_temp */
    if
    :: idle_waiters != 0 -> idle_epoch++
    :: else -> skip
    fi
#endif
#if SPARES > 0
    mark_idle()
#endif
}
#endif

/* wp_notify(prio R, 1): High work wakes a parked temporary worker first, then
 * a parked regular worker; if it woke nobody and every thread is busy, it
 * stores spawn_for_high and asks the spawner (no thread start here). */
inline notify() {
    woken = false;
#if MAXT > 0
    if
    :: R == HIGH ->
        /* One slot: the load and the fetch_and of the mask in one step
         * (as wake_one_regular with one worker). */
        atomic { old = temp_mask; temp_mask = 0 };
        if
        :: old ->
            atomic { tpark = NOTIFIED; woken = true; old = 0 }
        :: else -> skip
        fi
    :: else -> skip
    fi;
    if
    :: woken -> skip
    :: else -> wake_one_regular(woken)
    fi;
    if
    :: woken || R != HIGH -> skip
    :: else ->
        ab = busy; /* every_thread_busy: busy, then temp_alive */
        aa = temp_alive;
        if
        :: ab >= NW + aa ->
            atomic { ab = 0; aa = 0 };
            spawn_for_high = 1;
            spawn_request()
        :: else -> atomic { ab = 0; aa = 0 }
        fi
    fi;
#else
    wake_one_regular(woken);
#endif
    woken = false
}

/* ---- temporary workers ------------------------------------------------ */

#if MAXT > 0
/* A temporary worker: started by the spawner busy for High work that waits
 * (baton HIGH), or a spare (counted idle, parks at once with its TTL). */
proctype Temp(bit spare) {
    byte t, pos, tmp, m, old, b, ab, aa;
    bool got, hw, claimed, timed_out, counted_out, woken, baton;
#ifdef TEMP_BURST
    bool ttl = false; /* the TTL never passes: retirement is CFG_TEMP's */
#else
    bool ttl = true;
#endif
    if
    :: spare -> goto idle_wait
    :: else -> baton = true
    fi;
take:
    pop(got, pos);
    if
    :: got ->
        got = false;
        wake_room();
        if
        :: baton ->
            baton = false; /* pass_baton: the whole High notify if more is queued */
#ifndef BUG_NO_BATON_SPAWN
            has_work_sc(hw);
            if
            :: hw -> hw = false; notify()
            :: else -> skip
            fi
#endif
        :: else -> skip
        fi;
        run_job(pos);
        goto take
    :: else -> skip
    fi;
    /* spin_for_work: counted busy, then idle; it may find work or give up */
    has_work_hint(hw);
    if
    :: hw -> hw = false; goto take
    :: true -> hw = false
    fi;
    go_idle_temp();
    has_work_hint(hw);
    if
    :: hw -> hw = false; mark_busy_temp(); baton = true; goto take
    :: true -> hw = false
    fi;
idle_wait:
    tpark = SLEEPING;
    temp_mask = 1;
    has_work_sc(hw);
    if
    :: hw -> hw = false
    :: else ->
        if
        :: stop -> skip
        :: else ->
            if
            :: tpark != SLEEPING -> skip
            :: ttl -> timed_out = true /* the TTL passed */
            fi
        fi
    fi;
    atomic { old = temp_mask; temp_mask = 0; claimed = (old == 0); old = 0 };
    tpark = AWAKE;
    if
    :: stop -> goto exit_path
    :: else -> skip
    fi;
    if
    :: claimed -> atomic { claimed = false; timed_out = false }; mark_busy_temp(); baton = true; goto take
    :: else ->
        has_work_sc(hw);
        if
        :: hw -> atomic { hw = false; timed_out = false }; await_published(); mark_busy_temp(); baton = true; goto take
        :: else -> skip
        fi
    fi;
    if
    :: !ttl -> goto idle_wait /* a spare that stays: no deadline */
    :: else -> skip
    fi;
    if
    :: timed_out -> timed_out = false; goto retire
    :: else ->
        if
        :: goto idle_wait
        :: goto retire /* the deadline passed without the wait timing out */
        fi
    fi;
retire:
#ifdef BUG_RETIRE_SLOT
    /* retire_or_stay() of b09358f (no spares: SPARES 0) */
    temp_alive--;
    has_work_sc(hw);
    if
    :: hw ->
        hw = false;
        if
        :: !stop -> temp_alive++; mark_busy_temp(); baton = true; goto take
        :: else -> skip
        fi
    :: else -> skip
    fi;
    counted_out = true;
    goto exit_path;
#else
    /* FIX 1: the decision under temp_lock; the slot is FREE at once. */
    /* The critical section's steps on variables only accessed under
     * temp_lock (slot_state, temp_exiting, stop's store; temp_idle with one
     * slot) go with the lock's acquisition or release: LOCKED_STEPS below. */
    atomic {
        lock();
        if
        :: stop -> unlock(); goto exit_path
        :: else -> skip
        fi;
        if
        :: temp_idle <= SPARES -> unlock(); ttl = false; goto idle_wait /* WP_STAY */
        :: else -> skip
        fi;
        temp_alive--
    };
    has_work_sc(hw);
    if
    :: hw -> hw = false; temp_alive++; unlock(); mark_busy_temp(); baton = true; goto take
    :: else -> skip
    fi;
    atomic { slot_state = FREE; temp_idle--; temp_exiting++; unlock() } /* detached */
stop_hook_detached:
    assert(!freed);
    atomic { lock(); assert(!freed); temp_exiting--; unlock() } /* wakes destroy */
    goto end;
#endif
exit_path:
stop_hook:
    assert(!freed);
    atomic {
        lock();
        if
        :: !counted_out -> temp_alive--
        :: else -> skip
        fi;
        slot_state = EXITED; /* joined by the spawner's next start or by destroy */
        unlock()
    };
    slot_done = 1;
end:
    skip
}

/* wp_spawn_temp(spare): under temp_lock take a FREE slot (with
 * BUG_RETIRE_SLOT, one that is not RUNNING, and join the thread that exited
 * from it), count the thread alive and busy (a spare: idle), start it. Called
 * by the spawner and, for the spares, by wpool_create (init). */
inline spawn_temp(spare) {
    atomic {
        lock();
        got = false;
#ifdef BUG_RETIRE_SLOT
        if
        :: !stop && temp_alive < MAXT && slot_state != RUNNING -> /* FREE or EXITED */
#else
        /* Fixed: a slot is EXITED only after stop; spawn takes FREE ones only. */
        assert(stop || slot_state != EXITED);
        if
        :: !stop && temp_alive < MAXT && slot_state == FREE ->
#endif
            join = (slot_state == EXITED);
            slot_state = RUNNING;
            temp_alive++;
            got = true
        :: else -> unlock()
        fi
    };
    if
    :: got ->
        atomic {
            if
            :: spare -> temp_idle++
            :: else -> busy++
            fi;
            unlock()
        };
        if
        :: join -> join = false; slot_done == 1
        :: else -> skip
        fi;
        atomic { slot_done = 0; run Temp(spare) }
    :: else -> skip
    fi
}

/* spawner_main: clear spawn_pending, read the epoch, then look; sleep on the
 * epoch. With BUG_SPAWNER_PENDING_LATE it looks first and clears the flag
 * only before it sleeps: a request made between its look and the clear finds
 * the flag set, moves nothing, and is lost. */
proctype Spawner() {
    byte t, ab, aa, tmp;
    bool x, hw, got, join;
again:
    /* One step: the read of the epoch, the clear of spawn_pending and the
     * load of stop commute with every step of another thread that may come
     * between them (a request's exchange touches only spawn_pending and may
     * move before the read, its epoch bump and destroy's stop store touch
     * neither of the other two and may move after the load of stop or
     * before the clear): Lipton's reduction, no behaviour lost. */
#if defined(BUG_SPAWNER_EPOCH_AFTER_CLEAR)
    /* c/src/worker.c at 8814f8e: clear, then read the epoch. */
    spawn_pending = 0;
    atomic {
        spawn_moved = 0;
        if
        :: stop -> goto done
        :: else -> skip
        fi
    };
#elif defined(BUG_SPAWNER_PENDING_LATE)
    atomic {
        spawn_moved = 0;   /* the flag is cleared after the look, below */
        if
        :: stop -> goto done
        :: else -> skip
        fi
    };
#else
    atomic {
        spawn_moved = 0;   /* read the epoch, then clear, then look */
        spawn_pending = 0;
        if
        :: stop -> goto done
        :: else -> skip
        fi
    };
#endif
    atomic { x = spawn_for_high; spawn_for_high = 0 };
    if
    :: x ->
        x = false;
        has_work_sc(hw); /* wp_ring_nonempty(High) */
        if
        :: hw ->
            hw = false;
            ab = busy; /* every_thread_busy */
            aa = temp_alive;
            if
            :: ab >= NW + aa -> atomic { ab = 0; aa = 0 }; spawn_temp(0); got = false
            :: else -> atomic { ab = 0; aa = 0 }
            fi
        :: else -> skip
        fi
    :: else -> skip
    fi;
#if SPARES > 0
    do
    :: temp_idle < SPARES ->
        spawn_temp(1);
        if
        :: got -> got = false
        :: else -> break /* at the limit */
        fi
    :: else -> break
    od;
#endif
#ifdef BUG_SPAWNER_PENDING_LATE
    spawn_pending = 0;
#endif
    spawn_moved == 1; /* futex_wait(spawn_epoch, the value read) */
    goto again;
done:
    spawner_done = 1
}
#endif

/* ---- regular workers -------------------------------------------------- */

/* pass_baton of a regular worker that went from idle to busy and took a job:
 * High work queued gets the whole High notify; after a wake-up from a park,
 * other work wakes the next parked regular worker. */
inline pass_baton() {
#ifndef BUG_NO_BATON_SPAWN
    if
    :: R == HIGH ->
        has_work_sc(hw); /* wp_ring_nonempty(High) */
        if
        :: hw -> hw = false; notify()
        :: else -> skip
        fi
    :: else ->
        if
        :: baton == B_ALL ->
            has_work_hint(hw);
            if
            :: hw -> hw = false; wake_one_regular(woken); woken = false
            :: else -> skip
            fi
        :: else -> skip
        fi
    fi
#else
    /* the code before a7e6411: after a park, wake the next parked regular
     * worker, whatever the level; nothing after polling */
    if
    :: baton == B_ALL ->
        has_work_hint(hw);
        if
        :: hw -> hw = false; wake_one_regular(woken); woken = false
        :: else -> skip
        fi
    :: else -> skip
    fi
#endif
}

proctype Worker(byte me) {
    byte t, pos, tmp, m, old, b, ab, aa, baton;
    bool got, hw, claimed, woken, join;
take:
    pop(got, pos);
    if
    :: got ->
        got = false;
        wake_room();
        if
        :: baton != B_NONE -> pass_baton(); baton = B_NONE
        :: else -> skip
        fi;
        run_job(pos);
        goto take
    :: else -> skip
    fi;
    has_work_hint(hw);
    if
    :: hw -> hw = false; goto take
    :: true -> hw = false
    fi;
    mark_idle();
    has_work_hint(hw);
    if
#ifndef BUG_NO_BATON_SPAWN
    :: hw -> hw = false; mark_busy(); baton = B_HIGH; goto take
#else
    :: hw -> hw = false; mark_busy(); goto take
#endif
    :: true -> hw = false
    fi;
idle_wait:
    park_state[me] = SLEEPING;          /* rule 2 */
    sleep_mask = sleep_mask | (1 << me); /* W1 */
    has_work_sc(hw);                    /* W2 */
    if
    :: hw -> hw = false
    :: else ->
        if
        :: stop -> skip
        :: else -> park_state[me] != SLEEPING /* futex_wait */
        fi
    fi;
    atomic {
        old = sleep_mask;
        sleep_mask = sleep_mask & ~(1 << me);
        claimed = ((old & (1 << me)) == 0);
        old = 0
    };
    park_state[me] = AWAKE;
    if
    :: stop -> goto exit_path
    :: else -> skip
    fi;
    if
    :: claimed -> claimed = false; mark_busy(); baton = B_ALL; goto take
    :: else ->
        has_work_sc(hw);
        if
        :: hw -> hw = false; await_published(); mark_busy(); baton = B_ALL; goto take
        :: else -> goto idle_wait
        fi
    fi;
exit_path:
    assert(!freed);
    wdone[me] = 1
}

/* ---- the API ---------------------------------------------------------- */

/* wait_for_room(FOREVER), rule 3 (no wpool_help: an application thread). */
inline wait_for_room(rc) {
    do
    :: push(rc, pos);
        if
        :: rc != R_FULL -> break
        :: else -> skip
        fi;
        e = room_epoch;
        room_wanted = 1; /* P1 */
        if
        :: rclosed -> e = 0
        :: else ->
            if
            :: CAP - (tail - head) >= THRESH -> e = 0 /* P2: room; yield, retry */
            :: else ->
                if
                :: room_epoch != e -> e = 0 /* futex_wait */
#ifdef ROOM_TIMEOUT
                :: e = 0 /* the timed re-check */
#endif
                fi
            fi
        fi
    od
}

/* wpool_submit(prio R, FOREVER) */
inline submit(rc) {
    if
    :: closed -> rc = ECLOSED
    :: else ->
        push(rc, pos);
        if
        :: rc == R_FULL -> wait_for_room(rc)
        :: else -> skip
        fi;
        if
        :: rc == R_OK -> rc = OK; notify()
        :: else -> rc = ECLOSED
        fi
    fi
}

/* wait_quiescent; with has_deadline the deadline may pass at any time. */
inline wait_quiescent(has_deadline, rc) {
    idle_waiters++; /* Q1 */
    do
    :: e = idle_epoch;
        qd = completed + discarded; /* done (acquire loads), then accepted */
        atomic { quiet = (qd == tail); qd = 0 };
        if
        :: quiet -> atomic { rc = OK; e = 0; quiet = false }; break
        :: else ->
            if
            :: idle_epoch != e -> e = 0 /* futex_wait */
            :: has_deadline ->
                e = 0;
                qd = completed + discarded;
                atomic { quiet = (qd == tail); qd = 0 };
                if
                :: !quiet -> rc = ETIMEDOUT; break
                :: else -> quiet = false
                fi
            fi
        fi
    od;
    idle_waiters--
}

inline close_ring() {
    rclosed = 1;
    room_wanted = 0;
    room_epoch++
}

inline shutdown(has_deadline, rc) {
    atomic { was = closed; closed = 1 };
#ifdef BUG_SHUTDOWN_NO_CLOSE
    if
    :: !was -> close_ring()
    :: else -> skip
    fi;
#else
    close_ring(); /* FIX 3: every call closes every ring */
#endif
    was = false;
    wait_quiescent(has_deadline, rc);
    if
    :: rc == OK -> shut_ok = 1
    :: else ->
        discarding = 1;
        /* discard_queued */
        do
        :: t = tail;
            if
            :: t != head ->
                t = 0;
                pop(got, pos);
                if
                :: got -> atomic { assert(cnt[pos] == 0); cnt[pos]++; discarded++; pos = 0; got = false }
                :: else -> skip /* claimed, not yet published: back off */
                fi
            :: else -> t = 0; break
            fi
        od;
#ifndef BUG_DISCARD_NOWAKE
        idle_epoch++; /* FIX 2: wake the quiescence waiters */
#endif
        skip
    fi
}

/* wpool_destroy: shutdown(FOREVER), then teardown. */
inline destroy() {
    shutdown(false, rc);
    atomic { lock(); stop = 1; unlock() };
#if MAXT > 0
    spawn_moved = 1;   /* wp_spawner_stop: spawn_epoch++, then join */
    spawner_done == 1;
#endif
    i = 0;
    do
    :: i < NW -> park_state[i] = NOTIFIED; i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < NW -> wdone[i] == 1; i++
    :: else -> break
    od;
#if MAXT > 0
    atomic { lock(); st = slot_state; unlock() };
    if
    :: st == RUNNING -> tpark = NOTIFIED
    :: else -> skip
    fi;
    if
    :: st != FREE -> slot_done == 1
    :: else -> skip
    fi;
#ifndef BUG_RETIRE_SLOT
    temp_exiting == 0; /* FIX 1: detached workers are done with the pool */
#endif
#endif
    freed = 1;
    /* exactly once: every accepted job run or discarded once, no other */
    atomic {
        i = 0;
        do
        :: i < NJ -> assert(cnt[i] == (i < tail -> 1 : 0)); i++
        :: else -> break
        od;
        assert(completed + discarded == tail)
    }
}

/* Application threads. The locals every API inline may use: */
#define API_LOCALS \
    byte t, pos, tmp, m, old, b, e, qd, rc, i, st, ab, aa; \
    bool got, woken, was, join, quiet

proctype Waiter() {
    API_LOCALS;
    wait_quiescent(false, rc);
    assert(rc == OK);
    udone++
}

proctype Shutdown() {
    API_LOCALS;
    shutdown(true, rc);
    udone++
}

proctype Producer(byte n) {
    API_LOCALS;
    byte k = 0;
    do
    :: k < n -> submit(rc); rc = 0; k++
    :: else -> break
    od;
    udone++
}

/* The main thread: start what the configuration needs, submit, wait for
 * the application threads (the API forbids destroy concurrent with other
 * calls), destroy the pool. */
init {
    API_LOCALS;
    byte k, nthreads;
    atomic {
        k = 0;
        do
        :: k < NW -> run Worker(k); k++
        :: else -> break
        od;
#if MAXT > 0
        /* wpool_create: the spares, then the spawner, from this thread */
        k = 0;
        do
        :: k < SPARES -> spawn_temp(1); assert(got); got = false; k++
        :: else -> break
        od;
        run Spawner();
#endif
#if defined(CFG_IDLE)
        run Waiter();
        run Shutdown();
        nthreads = 2;
#elif defined(CFG_SHUT2)
        run Shutdown();
        run Shutdown();
        nthreads = 2;
#elif defined(CFG_ROOM) && defined(ROOM_SHUTDOWN)
        run Shutdown();
        nthreads = 1;
#elif defined(CFG_ROOM)
        run Producer(1);
        nthreads = 1;
#endif
        k = 0
    }
#if defined(CFG_TEMP)
    submit(rc);       /* job A: waits for B */
#ifndef TEMP_BURST
    a_started == 1;   /* a gate: A is running */
#endif
    submit(rc);       /* job B */
#elif defined(CFG_IDLE) || defined(CFG_SHUT2)
    submit(rc);
#elif defined(CFG_ROOM) && defined(ROOM_SHUTDOWN)
    submit(rc);
    submit(rc);
    submit(rc);
#elif defined(CFG_ROOM) || defined(CFG_TWO)
    submit(rc);
    submit(rc);
#endif
    rc = 0;
    udone == nthreads;
    destroy();
    main_done = 1
}

#ifdef LIVENESS
ltl done { <> main_done }
#endif
