"""Keep freed memory for reuse instead of returning it to the OS (glibc only).

Every pass allocates arrays of ~0.1-10 MB (currents, spikes, traces). glibc serves blocks above
its mmap threshold (128 kB, adjusted dynamically) with fresh ``mmap`` pages and returns them on
free, so each pass pays a page fault per 4 kB page it touches: measured on a 784-256-256-10
spiking network (batch 64, 10 steps), one NP estimate took 15.1 ms with the default allocator
and 10.8 ms with freed memory kept. `keep_freed_memory` raises the mmap and trim thresholds so
freed blocks are reused. It changes the allocator of the whole process (memory that was freed
stays with it, up to ``trim``), so it is called by the training entry points (`sim.train.train`,
the benchmarks), not at import.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["keep_freed_memory"]

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


@functools.cache
def keep_freed_memory(mmap: int = 32 << 20, trim: int = 512 << 20) -> bool:
    """Serve blocks below ``mmap`` bytes from the heap and keep up to ``trim`` bytes freed.

    32 MB is glibc's largest allowed mmap threshold on 64-bit systems.

    Returns True when glibc accepted both settings, False elsewhere (other C libraries: no-op).

    Examples
    --------
    >>> keep_freed_memory() in (True, False)
    True
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, mmap)) and bool(mallopt(M_TRIM_THRESHOLD, trim))
