"""Shared by the Python peers: what BLAS a peer of `deno task bench --peers` runs on, read with threadpoolctl: the
library, its version, the kernel (core type) OpenBLAS chose and its threads. A peer that runs on
no optimised BLAS (the reference libblas.so.3, which threadpoolctl does not list) is invalid; and the
timed loop every peer uses (rate)."""
import os
import time

from threadpoolctl import threadpool_info, threadpool_limits

OPTIMISED = ("openblas", "mkl", "blis")


def blas_info():
    """{"blas": one-line description, "valid": runs on an optimised BLAS}."""
    libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not libs:
        return {"blas": "reference (no optimised BLAS loaded)", "valid": False}
    lib = libs[0]
    core = lib.get("architecture") or "?"
    desc = f"{lib['internal_api']} {lib.get('version') or '?'} core {core} {lib.get('threading_layer') or ''}".strip()
    env = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
    if env:
        desc += " (set: " + ",".join(env) + ")"
    return {"blas": desc, "valid": lib["internal_api"] in OPTIMISED}


def with_threads(n, fn):
    """Runs fn() with the BLAS limited to n threads."""
    with threadpool_limits(limits=n, user_api="blas"):
        return fn()


def rate(fn, seconds, warmup, cpu=None):
    """Calls of fn() per second: untimed for `warmup` seconds (at least one call), then timed for
    at least `seconds`; with a list `cpu`, appends the process's CPU seconds per timed call."""
    t0 = time.perf_counter()
    while True:
        fn()
        if time.perf_counter() - t0 >= warmup:
            break
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        fn()
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds:
            if cpu is not None:
                cpu.append((time.process_time() - c0) / n)
            return n / dt
