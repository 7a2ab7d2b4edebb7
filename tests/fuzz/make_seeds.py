#!/usr/bin/env python3
"""Writes the hand-made seeds of tests/fuzz/corpus/ (the input format is
described at the top of fuzz_api.c; run this from anywhere to regenerate
them). Inputs the fuzzer found and that were minimised are checked in beside
these under their own names (found-*)."""
import os

OPS = ["submit", "try", "timeout", "task_discard", "task", "batch", "wait_idle",
       "wait_idle_long", "shutdown", "shutdown_long", "stats", "pause", "help", "bad", "await",
       "gate", "job", "job_deadline", "cancel", "pause_prio", "resume_prio", "set_workers",
       "set_temp", "bad_job"]
KINDS = ["nop", "spin", "child", "help", "wait_idle", "shutdown", "join", "wait_high", "stats", "gate",
         "cancel", "pause", "resize", "job_child"]
HOOKS = ["none", "try", "timeout", "help", "help4", "stats", "sleep", "sleep_help"]
# What every hook does after its own action (h2 / 64).
LIFE = ["none", "cancel", "pause_resume", "job"]
CAPS = [1, 2, 3, 4, 5, 6, 8, 64]
SAMPLING = [0, 1, 2, 4, 8, 16, 1024]
HIGH, NORMAL, LOW = 0, 1, 2
# Job parameters (c) for K_SPIN: c % 8 picks 0, 1, 2, 5, 10, 50, 200, 1000 us.
SPIN50, SPIN200, SPIN1000 = 5, 6, 7
# OP_AWAIT conditions.
NO_TEMP_ALIVE, NONE_BUSY, NONE_QUEUED, SOME_RUNNING, CLOSED = 0, 1, 2, 3, 4
# wpool_submit_job's wait for room (JOB_WAIT_NS) and deadlines.
TRY, WAIT200US, WAIT1MS, FOREVER = 0, 1, 2, 3
WHEN = ["past", "now", "near", "far"]  # near: NEAR_NS = 20 us, 100 us, 500 us, 2 ms ahead


def header(workers=2, temp=1, starvation=0, drivers=1, cap=(4, 4, 4), ttl=1, sampling=0,
           start="none", stop="none", hook_prio=NORMAL, default_discard=False,
           final_resume=False, hook_life="none"):
    h0 = ((workers - 1) + 3 * temp + 9 * starvation + 18 * (drivers - 1) + 54 * default_discard
          + 108 * final_resume)
    h1 = CAPS.index(cap[0]) + 8 * CAPS.index(cap[1]) + 64 * ttl
    h2 = CAPS.index(cap[2]) + 8 * SAMPLING.index(sampling) + 64 * LIFE.index(hook_life)
    h3 = HOOKS.index(start) + 8 * HOOKS.index(stop) + 64 * hook_prio
    return bytes([h0, h1, h2, h3])


def job_c(wait=TRY, discard=False, zeroed=False, cancel=False, no_ticket=False):
    """c of a "job" op (wpool_submit_job without a deadline)."""
    return wait + 4 * discard + 8 * zeroed + 16 * cancel + 224 * no_ticket


def deadline_c(when, near=0, discard=False, cancel=False, wait=TRY):
    """c of a "job_deadline" op; also a "job_child" job's parameter."""
    return WHEN.index(when) + 4 * discard + 8 * cancel + 16 * near + 64 * wait


def latest(back=0):
    """c of a "cancel" op (and a "cancel" job's parameter): the back-th latest ticket."""
    return 2 * back


def any_ticket(i):
    """c of a "cancel" op: ticket i % (tickets recorded)."""
    return 1 + 2 * i


SELF = 3  # a "cancel" job's parameter (mod 4): its own ticket


def pause_param(mode, prio):
    """A "pause" job's parameter: mode pause, resume, pause_resume, resume_all."""
    return ["pause", "resume", "pause_resume", "resume_all"].index(mode) + 4 * prio


def resize_param(workers=None, temp=None):
    """A "resize" job's parameter: wpool_set_workers(1-4) or wpool_set_max_temp_workers(0-3)."""
    return 2 * (workers - 1) if temp is None else 1 + 2 * temp


def op(driver, name, prio=NORMAL, kind="nop", c=0):
    return bytes([OPS.index(name) + 32 * driver, prio + 3 * KINDS.index(kind), c])


SEEDS = {
    # Every submission kind, then a long wait_idle and stats.
    "basic": header() + b"".join([
        op(0, "submit", HIGH, "nop"), op(0, "try", NORMAL, "spin", 3),
        op(0, "timeout", LOW, "nop", 2), op(0, "task_discard", NORMAL, "spin", 1),
        op(0, "task", HIGH, "nop", 1), op(0, "batch", LOW, "spin", 5),
        op(0, "wait_idle_long"), op(0, "stats", c=40), op(0, "help"), op(0, "bad", c=3),
        op(0, "bad", c=18)]),
    # Jobs that submit, help, join, call wait_idle/shutdown, read stats.
    "nested": header(workers=2, temp=2, cap=(2, 2, 2), start="try", stop="help") + b"".join([
        op(0, "submit", NORMAL, "child", 0), op(0, "submit", NORMAL, "child", 23),
        op(0, "submit", LOW, "join", 7), op(0, "submit", HIGH, "join", 9),
        op(0, "submit", NORMAL, "wait_high", 6), op(0, "submit", LOW, "wait_idle", 2),
        op(0, "submit", NORMAL, "shutdown", 3), op(0, "submit", HIGH, "help", 3),
        op(0, "submit", LOW, "stats", 11), op(0, "wait_idle_long")]),
    # Full rings: blocking, timed and batch submissions from three drivers.
    "backpressure": header(workers=1, temp=1, drivers=3, cap=(1, 2, 2), ttl=0) + b"".join([
        op(d, name, prio, kind, c) for d in range(3)
        for name, prio, kind, c in [("submit", NORMAL, "spin", 4), ("batch", NORMAL, "spin", 17),
                                    ("timeout", LOW, "nop", 1), ("submit", HIGH, "spin", 2),
                                    ("batch", LOW, "nop", 23), ("try", NORMAL, "nop", 0)]]
        + [op(0, "wait_idle_long")]),
    # Concurrent shutdowns with short timeouts against submitters and waiters.
    "shutdown_race": header(workers=2, temp=1, drivers=3, cap=(2, 4, 4), ttl=0) + b"".join([
        op(0, "batch", NORMAL, "spin", 11), op(1, "batch", LOW, "spin", 13),
        op(2, "wait_idle", c=2), op(0, "shutdown", c=0), op(1, "shutdown", c=1),
        op(2, "submit", HIGH, "nop"), op(0, "wait_idle_long"), op(1, "stats", c=9)]),
    # Defect 2 (b09358f): a short shutdown discards the last queued job (its
    # discard callback spins 1 ms) while the only worker, released from a
    # gate job meanwhile, goes idle: the discard is the last thing to finish
    # and nothing woke the driver waiting for idle.
    "discard_wakeup": header(workers=1, temp=0, drivers=3, cap=(2, 8, 8)) + b"".join([
        op(0, "submit", NORMAL, "gate"), op(1, "await", c=SOME_RUNNING),
        op(2, "await", c=SOME_RUNNING), op(0, "await", c=SOME_RUNNING),
        op(0, "task_discard", NORMAL, "spin", 7), op(1, "wait_idle_long"),
        op(0, "shutdown", c=0), op(2, "await", c=CLOSED), op(2, "pause", c=100),
        op(2, "gate", c=1)]),
    # Defect 4 (b09358f): a temporary worker retiring (TTL 0, stop hook that
    # sleeps then helps) keeps its slot, so a High job submitted meanwhile
    # starts no temporary worker (defect 1); the stop hook runs it through
    # wpool_help while counted idle, and the long wait_idle is never woken.
    "temp_retire_help": header(workers=1, temp=1, drivers=2, cap=(4, 4, 4), ttl=0,
                               stop="sleep_help") + b"".join([
        op(0, "submit", NORMAL, "gate"), op(0, "await", c=SOME_RUNNING),
        op(0, "submit", HIGH, "nop"), op(0, "await", c=NO_TEMP_ALIVE),
        op(0, "submit", HIGH, "spin", SPIN1000), op(1, "await", c=SOME_RUNNING),
        op(1, "wait_idle_long"), op(0, "pause", c=250), op(0, "gate", c=1)]),
    # Defect 1 (b09358f): a Normal job waits, without helping, for a High
    # child while the only temporary slot is still held by a retiring worker
    # (TTL 0, stop hook that sleeps): no temporary worker starts for the child.
    "temp_retire_wait_high": header(workers=1, temp=1, drivers=1, cap=(4, 4, 4), ttl=0,
                                    stop="sleep") + b"".join([
        op(0, "submit", NORMAL, "gate"), op(0, "await", c=SOME_RUNNING),
        op(0, "submit", HIGH, "nop"), op(0, "await", c=NO_TEMP_ALIVE), op(0, "gate", c=1),
        op(0, "submit", NORMAL, "wait_high", 0), op(0, "wait_idle_long")]),
    # Starvation bound, sampling 1, start hooks that submit.
    "starvation": header(workers=2, temp=1, starvation=1, cap=(4, 4, 4), sampling=1,
                         start="timeout", stop="stats", hook_prio=LOW) + b"".join([
        op(0, "batch", LOW, "spin", 3), op(0, "batch", NORMAL, "spin", 3),
        op(0, "submit", HIGH, "spin", 4), op(0, "submit", HIGH, "spin", 4),
        op(0, "pause", c=100), op(0, "submit", LOW, "nop"), op(0, "wait_idle_long")]),
    # Capacity 64: backlogs large enough for workers to take batches (held jobs).
    "batching": header(workers=3, temp=1, drivers=2, cap=(4, 64, 64), sampling=8) + b"".join([
        op(d, "batch", p, "nop", 5) for d in range(2) for p in (NORMAL, LOW) for _ in range(6)]
        + [op(0, "shutdown", c=1), op(1, "wait_idle_long")]),
    # wpool_submit_job: deadlines past, now, near and far, with and without a
    # discard callback, behind a gate job so that they wait; cancels of the
    # latest tickets (queued, expired, run) and of stale ones.
    "job_deadlines": header(workers=1, temp=1, cap=(4, 8, 8)) + b"".join([
        op(0, "submit", NORMAL, "gate"), op(0, "await", c=SOME_RUNNING),
        op(0, "job_deadline", NORMAL, "spin", deadline_c("past", discard=True)),
        op(0, "job_deadline", NORMAL, "nop", deadline_c("now")),
        op(0, "job_deadline", LOW, "spin", deadline_c("near", near=1, discard=True)),
        op(0, "job_deadline", LOW, "nop", deadline_c("far", discard=True)),
        op(0, "job_deadline", HIGH, "spin", deadline_c("near", near=0, discard=True)),
        op(0, "job", NORMAL, "spin", job_c(WAIT1MS, discard=True)),
        op(0, "job", LOW, "nop", job_c(zeroed=True)),
        op(0, "cancel", c=latest(1)), op(0, "cancel", c=latest(3)), op(0, "pause", c=150),
        op(0, "gate", c=1), op(0, "wait_idle_long"), op(0, "cancel", c=latest(0)),
        op(0, "cancel", c=any_ticket(0)), op(0, "cancel", c=latest(3)), op(0, "stats", c=60)]),
    # Jobs queued at a paused priority are still queued: each first cancel
    # must win (WPOOL_OK, discard on this thread), the second one lose; the
    # pool's default discard callback stands in for the missing ones.
    "cancel_paused": header(workers=2, temp=1, cap=(4, 4, 8), default_discard=True) + b"".join([
        op(0, "pause_prio", LOW), op(0, "job", LOW, "spin", job_c(discard=True)),
        op(0, "job", LOW, "nop", job_c()), op(0, "job_deadline", LOW, "cancel", deadline_c("far")),
        op(0, "job_deadline", LOW, "nop", deadline_c("past", discard=True)),
        op(0, "cancel", c=latest(0)), op(0, "cancel", c=latest(2)), op(0, "cancel", c=latest(0)),
        op(0, "stats", c=3), op(0, "wait_idle_long"), op(0, "resume_prio", LOW),
        op(0, "cancel", c=latest(1)), op(0, "wait_idle_long"), op(0, "cancel", c=latest(3))]),
    # A busy worker (Normal spin jobs) while Low is paused: it must not take
    # the Low jobs queued behind the pause, nor the ones that cancels win.
    "pause_busy": header(workers=1, temp=0, drivers=2, cap=(4, 8, 8)) + b"".join([
        op(0, "pause_prio", LOW), op(1, "batch", NORMAL, "spin", 5), op(0, "batch", LOW, "nop", 5),
        op(1, "batch", NORMAL, "spin", 5), op(0, "job", LOW, "spin", job_c(discard=True)),
        op(0, "job", LOW, "nop", job_c()), op(1, "wait_idle_long"), op(0, "cancel", c=latest(1)),
        op(0, "wait_idle_long"), op(0, "cancel", c=latest(0))]),
    # A shutdown while a cancel's discard callback (1 ms) runs, the job's
    # priority paused: a cancelled job is not waited for (wpool_cancel).
    "cancel_shutdown": header(workers=2, temp=2, drivers=2, cap=(4, 1, 64)) + b"".join([
        op(0, "pause_prio", HIGH), op(1, "pause", c=40),
        op(0, "job_deadline", HIGH, "spin", deadline_c("far", discard=True, cancel=True,
                                                       wait=FOREVER)),
        op(1, "shutdown", c=1), op(0, "wait_idle_long"), op(1, "wait_idle_long")]),
    # Priorities left paused at the end: wait_idle returns, a long shutdown
    # discards their jobs (reason SHUTDOWN) and returns WPOOL_OK in time.
    "pause_shutdown": header(workers=2, temp=1, drivers=2, cap=(4, 8, 8)) + b"".join([
        op(0, "pause_prio", LOW), op(0, "batch", LOW, "spin", 3), op(0, "submit", LOW, "nop"),
        op(0, "job", LOW, "spin", job_c(discard=True)), op(1, "pause_prio", HIGH),
        op(1, "task_discard", HIGH, "nop", 1), op(1, "submit", NORMAL, "spin", 4),
        op(0, "wait_idle_long"), op(1, "stats", c=7), op(1, "job", NORMAL, "nop", job_c())]),
    # The same, with every priority resumed at the end, and a shutdown
    # racing pauses (ECLOSED once it began) and resumes (allowed).
    "pause_resume_final": header(workers=2, temp=1, drivers=3, cap=(2, 4, 4),
                                 final_resume=True) + b"".join([
        op(0, "pause_prio", NORMAL), op(0, "batch", NORMAL, "spin", 5),
        op(1, "submit", LOW, "pause", pause_param("pause", HIGH)),
        op(1, "submit", LOW, "pause", pause_param("pause_resume", NORMAL)),
        op(2, "job", HIGH, "spin", job_c(discard=True)), op(2, "job", HIGH, "nop", job_c()),
        op(0, "wait_idle_long"), op(1, "resume_prio", NORMAL), op(2, "shutdown_long"),
        op(0, "pause_prio", LOW), op(1, "resume_prio", HIGH), op(0, "stats", c=8)]),
    # A blocking submit into a full, paused queue: only a resume frees it
    # (the harness's rescue after 10 ms); a job waiting for a paused child.
    "blocked_paused": header(workers=1, temp=1, drivers=2, cap=(2, 2, 2)) + b"".join([
        op(0, "pause_prio", NORMAL), op(0, "submit", NORMAL, "nop"), op(0, "submit", NORMAL, "nop"),
        op(0, "submit", NORMAL, "spin", 2), op(1, "pause_prio", HIGH),
        op(1, "submit", LOW, "join", 12), op(1, "wait_idle_long"),
        op(0, "job", NORMAL, "nop", job_c(FOREVER)), op(0, "wait_idle_long")]),
    # Resizing under load: grow, shrink below the busy count, temporary
    # workers to 0 and back; jobs that resize; stop hooks that help.
    "resize": header(workers=2, temp=1, drivers=2, cap=(4, 8, 8), ttl=0, stop="help",
                     start="try") + b"".join([
        op(0, "batch", NORMAL, "spin", 5), op(0, "set_workers", c=3), op(1, "set_temp", c=0),
        op(1, "submit", HIGH, "spin", 5), op(0, "set_workers", c=0), op(1, "set_temp", c=3),
        op(1, "submit", HIGH, "nop"), op(0, "submit", LOW, "resize", resize_param(workers=4)),
        op(0, "submit", LOW, "resize", resize_param(temp=1)),
        op(1, "submit", NORMAL, "resize", resize_param(workers=1)), op(0, "stats", c=9),
        op(1, "wait_idle_long"), op(0, "set_workers", c=1), op(0, "shutdown", c=2),
        op(1, "set_workers", c=2), op(1, "set_temp", c=2)]),
    # Jobs that cancel (others, themselves), pause and resume, submit jobs
    # with deadlines; discard callbacks that cancel (nested reasons); hooks
    # that cancel the latest ticket.
    "job_kinds": header(workers=2, temp=2, drivers=2, cap=(4, 8, 8), ttl=0, stop="sleep",
                        hook_life="cancel") + b"".join([
        op(0, "job", NORMAL, "spin", job_c(discard=True)),
        op(0, "job", NORMAL, "cancel", job_c(discard=True)),
        op(0, "job", LOW, "cancel", job_c(discard=True)),
        # Its parameter, 7, is SELF (mod 4): the job cancels itself.
        op(0, "job", LOW, "cancel", job_c(FOREVER, discard=True)),
        op(0, "job_deadline", LOW, "cancel", deadline_c("now", discard=True)),
        op(1, "submit", NORMAL, "job_child", deadline_c("near", near=2, discard=True)),
        op(1, "submit", NORMAL, "job_child", deadline_c("past", discard=True, cancel=True)),
        op(1, "submit", LOW, "job_child", 15 + 16 * job_c(WAIT200US, discard=True, zeroed=True)),
        op(0, "submit", LOW, "cancel", latest(0)), op(1, "submit", HIGH, "cancel", latest(1)),
        op(0, "submit", NORMAL, "pause", pause_param("pause_resume", LOW)),
        op(1, "submit", HIGH, "job_child", deadline_c("far", discard=True)),
        op(0, "shutdown", c=1), op(1, "wait_idle_long")]),
    # Hooks that pause and resume, and that submit jobs with deadlines, on
    # temporary workers that come and go.
    "hooks_life": header(workers=1, temp=2, drivers=2, cap=(2, 4, 4), ttl=0, start="timeout",
                         stop="stats", hook_prio=HIGH, hook_life="pause_resume") + b"".join([
        op(0, "submit", NORMAL, "gate"), op(0, "submit", HIGH, "spin", 4),
        op(1, "submit", HIGH, "spin", 5), op(0, "await", c=NO_TEMP_ALIVE), op(0, "gate", c=1),
        op(1, "submit", HIGH, "spin", 3), op(0, "wait_idle_long")]),
    "hooks_job": header(workers=1, temp=1, cap=(2, 4, 4), ttl=0, start="try", stop="sleep",
                        hook_prio=LOW, hook_life="job") + b"".join([
        op(0, "submit", HIGH, "spin", 5), op(0, "submit", HIGH, "spin", 5),
        op(0, "await", c=NO_TEMP_ALIVE), op(0, "cancel", c=latest(0)), op(0, "wait_idle_long")]),
    # Invalid arguments to the lifecycle API.
    "bad_job": header() + b"".join([op(0, "bad_job", c=i) for i in range(8)]
                                   + [op(0, "shutdown_long")]
                                   + [op(0, "bad_job", c=i) for i in range(8)]),
    # Three drivers cancelling the same tickets as workers take their jobs.
    "cancel_race": header(workers=2, temp=1, drivers=3, cap=(8, 8, 8)) + b"".join([
        op(d, name, prio, kind, c) for d in range(3)
        for name, prio, kind, c in [
            ("job", NORMAL, "spin", job_c(WAIT200US, discard=True, cancel=True)),
            ("job", LOW, "nop", job_c(WAIT200US, cancel=True)),
            ("cancel", NORMAL, "nop", latest(0)), ("cancel", NORMAL, "nop", latest(1)),
            ("job_deadline", HIGH, "spin", deadline_c("near", discard=True, cancel=True)),
            ("cancel", NORMAL, "nop", latest(0))]]
        + [op(0, "wait_idle_long")]),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
