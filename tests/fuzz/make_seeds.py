#!/usr/bin/env python3
"""Writes the hand-made seeds of tests/fuzz/corpus/ (the input format is
described at the top of fuzz_api.c; run this from anywhere to regenerate
them). Inputs the fuzzer found and that were minimised are checked in beside
these under their own names (found-*)."""
import os

OPS = ["submit", "try", "timeout", "task_discard", "task", "batch", "wait_idle",
       "wait_idle_long", "shutdown", "shutdown_long", "stats", "pause", "help", "bad", "await",
       "gate"]
KINDS = ["nop", "spin", "child", "help", "wait_idle", "shutdown", "join", "wait_high", "stats", "gate"]
HOOKS = ["none", "try", "timeout", "help", "help4", "stats", "sleep", "sleep_help"]
CAPS = [1, 2, 3, 4, 5, 6, 8, 64]
SAMPLING = [0, 1, 2, 4, 8, 16, 1024]
HIGH, NORMAL, LOW = 0, 1, 2
# Job parameters (c) for K_SPIN: c % 8 picks 0, 1, 2, 5, 10, 50, 200, 1000 us.
SPIN50, SPIN200, SPIN1000 = 5, 6, 7
# OP_AWAIT conditions.
NO_TEMP_ALIVE, NONE_BUSY, NONE_QUEUED, SOME_RUNNING, CLOSED = 0, 1, 2, 3, 4


def header(workers=2, temp=1, starvation=0, drivers=1, cap=(4, 4, 4), ttl=1, sampling=0,
           start="none", stop="none", hook_prio=NORMAL):
    h0 = (workers - 1) + 3 * temp + 9 * starvation + 18 * (drivers - 1)
    h1 = CAPS.index(cap[0]) + 8 * CAPS.index(cap[1]) + 64 * ttl
    h2 = CAPS.index(cap[2]) + 8 * SAMPLING.index(sampling)
    h3 = HOOKS.index(start) + 8 * HOOKS.index(stop) + 64 * hook_prio
    return bytes([h0, h1, h2, h3])


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
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
