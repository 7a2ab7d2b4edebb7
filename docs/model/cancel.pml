/*
 * cancel.pml: a Promela model of the cancellation protocol of wpool's ring
 * (c/src/ring.h: wp_ring_push_job, wp_ring_pop, wp_ring_settle_tomb,
 * wp_ring_cancel; docs/PARKING.md, "Cancelling a queued job"), checked with
 * spin. See docs/model/README.md for how to run it.
 *
 * THE PROTOCOL. The ring is Vyukov's bounded MPMC queue: a sequence number
 * per slot (seq == pos: free for the producer of pos; pos + 1: full for the
 * consumer of pos; the consumer frees it with pos + capacity), producers
 * claim positions by a CAS on tail, consumers by a CAS on head. Each slot
 * also has a `tomb` word, pos << 3 | flags (DEADLINE 1, CLAIMED 2,
 * CANCELLED 4), stored (release) by the producer of a job with a ticket
 * after the task and before it publishes seq. A plain job leaves the tomb
 * as it was: a value naming another position means "no ticket".
 *  - pop: CAS head pos -> pos + 1 (seq_cst), then load the tomb (seq_cst).
 *    If it names pos: wait while CLAIMED is set (reload, acquire); then if
 *    CANCELLED, free the slot (seq = pos + capacity), count a skip and go
 *    on with the next position; else take the task and free the slot.
 *  - cancel(pos): load the tomb; unless it is pos << 3 (DEADLINE allowed),
 *    EALREADY. CAS v -> v | CLAIMED (seq_cst); lost: EALREADY. Load head
 *    (seq_cst): head > pos: taken, let go (CAS v | CLAIMED -> v, release)
 *    and EALREADY; else copy the task, store v | CANCELLED (release): OK,
 *    the caller discards the copy.
 * The Dekker pair: the canceller claims then looks at head, the consumer
 * moves head then looks at the tomb; with both pairs seq_cst one of them
 * sees the other: a canceller that sees head <= pos has a consumer of pos
 * that will see its claim and wait for its decision; a canceller that sees
 * head > pos lets go, the consumer may be running the job.
 *
 * LEVEL OF DETAIL. Each atomic operation on tail, head, seq and tomb is one
 * step of an interleaving; the seq_cst ones (the CASes on head and tail,
 * the consumer's tomb load, the canceller's claim and head load) then
 * follow C11's single total order S exactly, which is what the Dekker pair
 * needs. Abstracted:
 *  - Acquire/release and relaxed accesses (the seq loads and stores, the
 *    tomb stores of producers, the let-go and the CANCELLED store, the
 *    canceller's first load, the settle loop's reloads) are treated as
 *    sequentially consistent: the model checks the protocol's logic, not
 *    the memory orders (TSan and the C tests do).
 *  - A producer's load of seq and its CAS on tail are one step, and so are a
 *    consumer's load of seq and its CAS on head (both as in parking.pml): a
 *    seq found equal to pos (pos + 1) stays so until the claimant of pos
 *    writes it, so nothing between the load and a successful CAS changes
 *    the outcome; failed CASes and retries are not modelled.
 *  - A full ring blocks the producer until its slot is free (the wait for
 *    room is parking.pml's, rule 3); an empty ring blocks the consumer until
 *    the next position is published or every position was taken (the
 *    consumers then return: "drained").
 *  - The settle loop (reload while CLAIMED), entered only when the first
 *    load saw CLAIMED (as in C: no reload otherwise), is one blocking step:
 *    wait until the tomb has no CLAIMED bit, then take its value (a reload
 *    that still sees CLAIMED changes nothing). A consumer waiting for ever
 *    is then an invalid end state.
 *  - The task is a value (the position it was submitted at, + 1), written by
 *    the producer in two steps (begin, end) and read by the canceller in two
 *    (begin, end), so that a canceller's copy that overlaps a producer's
 *    write (a data race on the non-atomic task) is an assertion violation,
 *    as is a copy of another position's task.
 *  - Not modelled: the stamp and sampling, the deadline table (DEADLINE is
 *    a bit the tomb carries: the canceller's check ignores it and its let-go
 *    restores it), the closed bit, the pool's counters and discard
 *    callbacks, expiry, ticket encoding (a ticket is the position).
 *
 * CONFIGURATIONS (one per run; -D on the spin command line). Capacity 2 and
 * 4 positions: every slot is used in two laps. Cancellers start at any time
 * after the submit that returned their ticket (so also long after the job
 * ran, when the slot holds a later lap: a stale cancel).
 *  CFG_MAIN  2 producers: P0 submits 2 jobs with tickets (the second with a
 *            deadline), P1 2 plain jobs; 2 consumers; 2 cancellers, one per
 *            ticket. P0's jobs land at positions {0,1}, {0,2}, {0,3}, {1,2},
 *            {1,3} or {2,3}: the same slot in two laps when they are 2
 *            apart, a plain job after a ticketed one (a stale tomb) when not.
 *  CFG_LAPS  2 producers, every job with a ticket (P0: 2, P1: 2, P1's
 *            second with a deadline); 2 consumers; 3 cancellers: both of
 *            P0's tickets and P1's first.
 *  CFG_SAME  2 producers: P0 submits 3 jobs with tickets, P1 1 plain job;
 *            2 consumers; 3 cancellers: two on the first ticket (concurrent
 *            cancels of one job), one on the third (the same slot two
 *            positions on when P1's job is not between them).
 *
 * BUG SWITCHES (each must make spin report an error):
 *  BUG_NO_HEAD_CHECK  (a) the canceller skips its look at head: it claims
 *                     and always succeeds.
 *  BUG_LETGO_STORE    (b) the canceller lets go with a plain store of v
 *                     instead of the CAS v | CLAIMED -> v: when the slot
 *                     has moved on, it overwrites the tomb of a later lap.
 *  BUG_NO_WAIT        (c) the consumer does not wait while CLAIMED: it
 *                     treats CLAIMED as not cancelled and runs the job.
 *  BUG_NO_LETGO       (d) the canceller that finds the job taken returns
 *                     without letting go: the consumer that saw its claim
 *                     waits for ever. There to test the deadlock check (the
 *                     end-of-run assertion that no tomb is left CLAIMED is
 *                     left out with it, or it would be reported first).
 *  BUG_TOMB_LOAD_EARLY  the consumer's tomb load is not seq_cst: then
 *                     C11 lets it be satisfied before its head CAS is (the
 *                     store-buffering outcome of the Dekker pair), modelled
 *                     as loading the tomb first, then the CAS on head. Why
 *                     the load is seq_cst.
 *  CHECK_TASK_ONLY    leaves out the exactly-once assertions: with
 *                     BUG_NO_HEAD_CHECK, spin then reports a canceller
 *                     copying a task while the producer of a later lap
 *                     writes it (the task assertions' own test).
 *
 * BUG_EARLY_EALREADY  a cancel that finds the tomb CLAIMED by a concurrent
 *                     cancel of the same ticket returns EALREADY at once, and
 *                     one that loses its claim CAS too, while the job is still
 *                     queued; the other cancel may then find it taken and let
 *                     go, and the job runs after both returned EALREADY. The
 *                     first version of c/src/ring.h did this; the model found
 *                     it (CFG_SAME). Now a cancel that finds pos << 3 |
 *                     CLAIMED waits for the decision (as the pop does), then
 *                     looks again, and one that loses its claim CAS looks
 *                     again at the value that won.
 *
 * Every configuration also asserts that a cancel returning EALREADY returns
 * it only once the job was taken by a consumer (head > pos) or discarded by a
 * successful cancel: the API's "EALREADY: the job started, finished, was
 * discarded or cancelled".
 *
 * PROPERTIES: assertions: each accepted job is run (by a consumer) or
 * discarded (by a successful cancel) at most once and never both (checked at
 * each event, so a cancel that succeeds on a job a consumer runs or ran, and
 * a consumer that runs a cancelled job, are caught whichever comes first),
 * and when every process is done exactly one of the two; a consumer that
 * skips a position skips a cancelled job; every task copied (by a consumer
 * or a canceller) is the job's own and no copy overlaps a producer's write
 * of the slot; at the end no tomb is left CLAIMED. No invalid end state: no
 * consumer waits for ever on CLAIMED, no process blocks for ever.
 */

/* ---- configuration ---------------------------------------------------- */

#define CAP 2  /* ring capacity: slots reused */
#define NJ  4  /* positions (jobs) in all: 2 laps */

#if defined(CFG_MAIN)
#define NC 2   /* consumers */
#define NT 2   /* tickets */
#define P0_N 2
#define P0_T 3 /* bit k: job k has a ticket */
#define P0_D 2 /* bit k: job k has a deadline */
#define P1_N 2
#define P1_T 0
#define P1_D 0
#elif defined(CFG_LAPS)
#define NC 2
#define NT 4
#define P0_N 2
#define P0_T 3
#define P0_D 0
#define P1_N 2
#define P1_T 3
#define P1_D 2
#elif defined(CFG_SAME)
#define NC 2
#define NT 3
#define P0_N 3
#define P0_T 7
#define P0_D 0
#define P1_N 1
#define P1_T 0
#define P1_D 0
#else
#error "define one of CFG_MAIN CFG_LAPS CFG_SAME"
#endif

#if P0_N + P1_N != NJ
#error "the producers submit NJ jobs"
#endif

/* The exactly-once assertions; CHECK_TASK_ONLY leaves them out, so that a
 * bug switch shows what the task assertions alone catch. */
#ifdef CHECK_TASK_ONLY
#define ONCE(x) skip
#else
#define ONCE(x) assert(x)
#endif

/* tomb flags */
#define DEADLINE  1
#define CLAIMED   2
#define CANCELLED 4
#define NONE      255 /* a new slot's tomb, all ones as WP_TOMB_NONE (names
                       * position 31: none) */
#define NOTICKET  255

/* ---- shared state ----------------------------------------------------- */

byte tail;           /* positions claimed by producers */
byte head;           /* positions claimed by consumers */
byte seq[CAP];       /* Vyukov's sequence numbers: slot i starts at i */
byte tomb[CAP];      /* pos << 3 | flags; NONE at first */
byte task[CAP];      /* the task in the slot: pos + 1 of its job, 0: none */
bit writing[CAP];    /* ghost: a producer is writing the slot's task */
byte reading[CAP];   /* ghost: cancellers copying the slot's task */
byte skipped;        /* positions a consumer skipped (cancelled) */

byte ticket[NT];     /* ghost: the position the k-th ticket names, once the
                      * submit returned it; NOTICKET before */
byte ran[NJ];        /* ghost: times the job at a position was run */
byte disc[NJ];       /* ghost: times it was discarded by a successful cancel */
byte cancels;        /* ghost: successful cancels */

/* ---- producers: wp_ring_push_job -------------------------------------- */

/* n jobs; bit k of tmask: job k has a ticket (the tickets are numbered from
 * tbase on), bit k of dmask: and a deadline. */
proctype Producer(byte n; byte tmask; byte dmask; byte tbase) {
    byte k, pos, s, tk;
    do
    :: k < n ->
        /* load seq (acquire), CAS tail (seq_cst): one step; a full ring
         * blocks until the slot's consumer freed it */
        atomic { seq[tail % CAP] == tail -> pos = tail; tail++; s = pos % CAP };
        /* s->task = *t (non-atomic): a copy must not overlap it */
        atomic { assert(reading[s] == 0); writing[s] = 1 };
        atomic { task[s] = pos + 1; writing[s] = 0 };
        if
        :: (tmask >> k) & 1 ->
            /* store the tomb (release) */
            tomb[s] = pos * 8 + ((dmask >> k) & 1)
        :: else -> skip /* plain job: the tomb keeps an older value */
        fi;
        seq[s] = pos + 1; /* publish (release) */
        if
        :: (tmask >> k) & 1 ->
            /* the submit returns the ticket: a canceller may use it */
            atomic { ticket[tbase + tk] = pos; tk++ }
        :: else -> skip
        fi;
        atomic { k++; pos = 0; s = 0 }
    :: else -> break
    od
}

/* ---- consumers: wp_ring_pop, wp_ring_settle_tomb ---------------------- */

proctype Consumer() {
    byte pos, s, t;
    do
    :: atomic {
        if
        :: head == NJ -> goto done /* drained: every position taken */
        :: head < NJ && seq[head % CAP] == head + 1 ->
#ifndef BUG_TOMB_LOAD_EARLY
            /* load seq (acquire), CAS head (seq_cst): one step */
            pos = head; head++; s = pos % CAP
#else
            pos = head; s = pos % CAP /* load seq (acquire) */
#endif
        fi
       };
#ifndef BUG_TOMB_LOAD_EARLY
        t = tomb[s]; /* seq_cst: after our head CAS */
#else
        t = tomb[s]; /* before the CAS: a load not seq_cst may be */
        atomic { /* CAS head: lost, retry */
            if
            :: head == pos -> head++
            :: else -> pos = 0; s = 0; t = 0; goto next
            fi
        };
#endif
        if
        :: t / 8 == pos -> /* a ticket: wp_ring_settle_tomb */
#ifndef BUG_NO_WAIT
            if
            :: t & CLAIMED -> /* reload (acquire) while CLAIMED */
                atomic { (tomb[s] & CLAIMED) == 0 -> t = tomb[s] }
            :: else -> skip
            fi;
#endif
            if
            :: t & CANCELLED ->
                /* skip: the canceller discarded it; free the slot (release) */
                atomic {
                    ONCE(disc[pos] == 1 && ran[pos] == 0);
                    seq[s] = pos + CAP;
                    skipped++;
                    pos = 0; s = 0; t = 0
                };
                goto next
            :: else -> skip
            fi
        :: else -> skip /* no ticket: the tomb names another position */
        fi;
        /* *out = s->task, run it (ghost), free the slot (release) */
        atomic {
            assert(!writing[s] && task[s] == pos + 1);
            ONCE(ran[pos] == 0 && disc[pos] == 0);
            ran[pos]++
        };
        atomic { seq[s] = pos + CAP; pos = 0; s = 0; t = 0 };
next:
        skip
    od;
done:
    skip
}

/* ---- cancellers: wp_ring_cancel --------------------------------------- */

/* Cancels the job of ticket tk, at any time after the submit returned it. */
proctype Canceller(byte tk) {
    byte p, s, t, v;
    ticket[tk] != NOTICKET;
    atomic { p = ticket[tk]; s = p % CAP };
again:
    t = tomb[s]; /* relaxed load */
#ifndef BUG_EARLY_EALREADY
    /* another cancel of this ticket is deciding: wait for it, look again */
    if
    :: t == p * 8 + CLAIMED || t == p * 8 + DEADLINE + CLAIMED ->
        atomic { tomb[s] != t -> t = 0 };
        goto again
    :: else -> skip
    fi;
#endif
    if
    :: (t & ~DEADLINE) != p * 8 -> goto fail
    :: else -> skip
    fi;
    /* the claim: CAS v -> v | CLAIMED (seq_cst) */
    atomic {
        if
        :: tomb[s] == t -> tomb[s] = t | CLAIMED
#ifndef BUG_EARLY_EALREADY
        :: else -> goto again /* lost: look at the value that won */
#else
        :: else -> goto fail
#endif
        fi
    };
#ifndef BUG_NO_HEAD_CHECK
    if
    :: head > p -> /* seq_cst load: taken; let go */
#if defined(BUG_LETGO_STORE)
        tomb[s] = t; /* a plain store (release) */
#elif defined(BUG_NO_LETGO)
        skip; /* returns EALREADY still holding the claim */
#else
        atomic { /* CAS v | CLAIMED -> v (release) */
            if
            :: tomb[s] == (t | CLAIMED) -> tomb[s] = t
            :: else -> skip /* the slot moved on: a new producer's tomb */
            fi
        };
#endif
        goto fail
    :: else -> skip
    fi;
#endif
    /* *out = s->task (non-atomic): must not overlap a producer's write */
    atomic { assert(!writing[s]); reading[s]++ };
    atomic { assert(!writing[s]); v = task[s]; reading[s]-- };
    assert(v == p + 1); /* the copy is the cancelled job's task */
    /* store v | CANCELLED (release): OK, the caller discards the copy */
    atomic {
        tomb[s] = t | CANCELLED;
        ONCE(ran[p] == 0 && disc[p] == 0);
        disc[p]++;
        cancels++;
        v = 0
    };
    goto end;
fail:
    /* EALREADY only for a job taken by a consumer or already cancelled */
    assert(head > p || disc[p] > 0);
    skip;
end:
    atomic { p = 0; s = 0; t = 0; v = 0 }
}

/* ---- the main thread -------------------------------------------------- */

init {
    byte i;
    atomic {
        i = 0;
        do
        :: i < CAP -> seq[i] = i; tomb[i] = NONE; i++
        :: else -> break
        od;
        i = 0;
        do
        :: i < NT -> ticket[i] = NOTICKET; i++
        :: else -> break
        od;
        run Producer(P0_N, P0_T, P0_D, 0);
#if P1_T != 0
        run Producer(P1_N, P1_T, P1_D, 2);
#else
        run Producer(P1_N, 0, 0, 0);
#endif
        i = 0;
        do
        :: i < NC -> run Consumer(); i++
        :: else -> break
        od;
#if defined(CFG_MAIN)
        run Canceller(0);
        run Canceller(1);
#elif defined(CFG_LAPS)
        run Canceller(0);
        run Canceller(1);
        run Canceller(2);
#elif defined(CFG_SAME)
        run Canceller(0);
        run Canceller(0);
        run Canceller(2);
#endif
        i = 0
    };
    _nr_pr == 1; /* every process done */
    /* exactly once: every job run or discarded, not both */
    atomic {
        assert(tail == NJ && head == NJ);
        i = 0;
        do
        :: i < NJ -> ONCE(ran[i] + disc[i] == 1); i++
        :: else -> break
        od;
        ONCE(skipped == cancels);
#ifndef BUG_NO_LETGO /* (its switch is there to test the deadlock check) */
        i = 0;
        do
        :: i < CAP -> assert(tomb[i] == NONE || (tomb[i] & CLAIMED) == 0); i++
        :: else -> break
        od
#endif
    }
}
