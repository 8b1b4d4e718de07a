// The kernel process: maps the argument file written by Python, runs every
// threadgroup (groups in parallel on pthread workers, the threads of one group as
// fibers with Metal's barrier semantics) and reports errors on stderr with a
// machine-readable first line "MTLCPU-ERROR <kind>" and exit status 86.
//
// The generated translation unit defines, before including this file:
//   MTL_KERNEL_NAME (const char*), MTL_USE_FIBERS (bool) and
//   void mtl_invoke(const mtl_launch&, const mtl_thread_info&).
#pragma once
// The kernel's address-space macros must not leak into the system headers below.
#undef device
#undef constant
#undef thread
#undef threadgroup
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <ucontext.h>  // the crash handler's faulting pc (macOS's header needs _XOPEN_SOURCE)
#endif

#include "metal_runtime.h"

// Linux-only mmap flags, absent on macOS: pre-faulting and not reserving swap are
// optimisations, so they degrade to nothing there.
#ifndef MAP_POPULATE
#define MAP_POPULATE 0
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

extern "C" void mtl_fiber_switch(void** save_sp, void* next_sp);
extern "C" void mtl_fiber_start();

// Race detection (MTL_RACE, see race_detector.h): the kernel is compiled with
// SanitizerCoverage load/store tracing; the runtime itself is left untraced.
#if MTL_RACE
#define MTL_UNTRACED __attribute__((no_sanitize("coverage")))
#else
#define MTL_UNTRACED
#endif

namespace metal {

constexpr uint64_t MTL_MAGIC = 0x3130555043544d4dull;  // "MMTCPU01"
constexpr size_t MTL_TG_LIMIT = 32768;                  // Apple's threadgroup memory cap
constexpr size_t MTL_STACK_BYTES = 256 * 1024;
constexpr int MTL_MAX_TG_SITES = 64;

// Layout of the argument file's header (mirrored in executor.py).
struct mtl_header {
  uint64_t magic;
  uint32_t nparams;
  uint32_t nworkers;
  uint32_t grid[3];
  uint32_t group[3];  // min(threadgroup, grid) per axis, as MLX dispatches
  uint64_t offsets[64];  // where each parameter's data starts in the file
  uint32_t nguards;
  uint32_t reserved;
  uint64_t guards[64];   // pages made inaccessible to catch out-of-bounds accesses
};

struct mtl_launch {
  unsigned char* base;
  const mtl_header* h;
  uint3 grid, group, ngroups;
  template <class T> T* param(int i) const { return reinterpret_cast<T*>(base + h->offsets[i]); }
};

// Every builtin attribute MLX can pass; mtl_invoke picks the ones the signature names.
struct mtl_thread_info {
  uint3 thread_position_in_grid, threadgroup_position_in_grid, thread_position_in_threadgroup,
      threads_per_threadgroup, threadgroups_per_grid, threads_per_grid, grid_size, grid_origin,
      dispatch_threads_per_threadgroup;
  uint thread_index_in_threadgroup, thread_index_in_simdgroup, simdgroup_index_in_threadgroup,
      threads_per_simdgroup, simdgroups_per_threadgroup, thread_execution_width,
      thread_index_in_quadgroup, quadgroup_index_in_threadgroup, quadgroups_per_threadgroup,
      dispatch_quadgroups_per_threadgroup, dispatch_simdgroups_per_threadgroup;
};

struct mtl_tg_site {
  long offset;  // -1 until first allocated
  size_t bytes;
  const char* name;
  const char* decl;  // the declaration's text, `float tile[16][17]`
  const char* file;
  uint32_t line;
};

// One per pthread worker: runs one threadgroup at a time.
struct mtl_worker {
  const mtl_launch* L;
  unsigned char* arena;
  size_t arena_used;
  mtl_tg_site sites[MTL_MAX_TG_SITES];
  mtl_thread* threads;
  unsigned char* stacks;
  uint32_t nthreads_max;
  void* sched_sp;
  uint3 group_pos, group_size;
  uint32_t nthreads;
  uint32_t live;           // threads of the running group that have not returned
  mtl_simd_view* views;
  mtl_thread_info* infos;
  uint32_t group_index;    // linear index of the running threadgroup
  uint16_t barrier_epoch;  // barriers released so far in this group
  uint16_t simd_epoch[32]; // simd rendezvous released so far, per simdgroup
#if MTL_RACE
  struct mtl_race_cell* shadow;  // race detector state of the arena
#endif
};

thread_local mtl_thread* mtl_self;
thread_local bool mtl_fibers;
thread_local mtl_worker* mtl_cur_worker;
static unsigned char* mtl_map_base;
static size_t mtl_map_size;
static size_t mtl_page = 4096;  // sysconf(_SC_PAGESIZE): 16 KiB on Apple Silicon
}  // namespace metal

#if MTL_RACE
#include "race_detector.h"
#endif

namespace metal {

[[noreturn]] void mtl_fail(int kind_code, const char* fmt, ...) {
  static const char* kinds[] = {"internal", "launch", "divergence", "bounds"};
  char buf[8192];
  int n = snprintf(buf, sizeof buf, "MTLCPU-ERROR %s\n", kinds[kind_code]);
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof buf - 2) n = (int)sizeof buf - 2;
  buf[n++] = '\n';
  ssize_t w = write(2, buf, n);
  (void)w;
  _exit(86);
}

// Fills threadgroup memory with the 16-bit word 0x7FF4 (bytes f4 7f): a quiet NaN as
// float (0x7FF47FF4), half and bfloat16, with a payload unlike the output poison, so a
// NaN that reaches an output from an uninitialised read is told apart from an unwritten
// element (fixturepipe/poison.py keeps the same constant).
// Never inlined: its stores would otherwise be traced by the race detector wherever it
// is inlined into kernel code (mtl_tg_alloc is called from the kernel).
MTL_UNTRACED __attribute__((noinline)) static void mtl_fill(unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = (i & 1) ? 0x7f : 0xf4;
}

MTL_UNTRACED const mtl_simd_view& mtl_simd_snapshot() {
  mtl_worker* w = mtl_cur_worker;
  return w->views[mtl_self->index / MTL_SIMD_WIDTH];
}

MTL_UNTRACED void* mtl_tg_alloc(size_t bytes, size_t align, int site, const char* name,
                                const char* decl, const char* file, uint32_t line) {
  mtl_worker* w = mtl_cur_worker;
  mtl_tg_site& s = w->sites[site];
  if (s.offset < 0) {
    size_t off = (w->arena_used + align - 1) / align * align;
    s.offset = (long)off;
    s.bytes = bytes;
    s.name = name;
    s.decl = decl;
    s.file = file;
    s.line = line;
    if (off + bytes > MTL_TG_LIMIT) {
      char list[4096];
      int n = 0;
      for (int i = 0; i < MTL_MAX_TG_SITES && n < (int)sizeof list - 200; ++i) {
        if (w->sites[i].offset < 0) continue;
        n += snprintf(list + n, sizeof list - n, "%s  threadgroup %s: %zu bytes (%s:%u)",
                      n ? "\n" : "", w->sites[i].name, w->sites[i].bytes, w->sites[i].file,
                      w->sites[i].line);
      }
      mtl_fail(1,
               "kernel %s declares %zu bytes of threadgroup memory, more than Apple's limit of "
               "%zu bytes (32 KiB):\n%s",
               MTL_KERNEL_NAME, off + bytes, MTL_TG_LIMIT, list);
    }
    w->arena_used = off + bytes;
    mtl_fill(w->arena + off, bytes);
  }
  return w->arena + s.offset;
}

// Called by mtl_tg_array::operator[] (metal_sync.h) on an index outside a dimension of
// a threadgroup array; never inlined so the check stays a compare-and-branch.
MTL_UNTRACED __attribute__((noinline, cold)) void mtl_tg_out_of_bounds(
    const void* array, int dim, unsigned long long extent, long long index, const char* file,
    uint32_t line, uint32_t col) {
  mtl_worker* w = mtl_cur_worker;
  // The declaration whose arena bytes hold the (sub)array: arrays carry no site.
  long at = static_cast<const unsigned char*>(array) - w->arena;
  mtl_tg_site unknown = {-1, 0, "?", "?", "?", 0};
  const mtl_tg_site* found = &unknown;
  for (const mtl_tg_site& c : w->sites)
    if (c.offset >= 0 && c.offset <= at && at < c.offset + (long)c.bytes) found = &c;
  if (found == &unknown)  // a per-thread array (mtl_thread_array), not in the arena
    mtl_fail(3,
             "kernel %s: index %lld is out of bounds of a per-thread array at %s:%u:%u: "
             "dimension %d has extent %llu (valid indices 0..%llu); in threadgroup (%u, %u, %u), "
             "thread_index_in_threadgroup %u",
             MTL_KERNEL_NAME, index, file, line, col, dim, extent, extent - 1, w->group_pos.x,
             w->group_pos.y, w->group_pos.z, mtl_self->index);
  const mtl_tg_site& s = *found;
  mtl_fail(3,
           "kernel %s: index %lld is out of bounds of threadgroup array `%s` at %s:%u:%u: "
           "dimension %d has extent %llu (valid indices 0..%llu); `threadgroup %s` is declared "
           "at %s:%u; in threadgroup (%u, %u, %u), thread_index_in_threadgroup %u",
           MTL_KERNEL_NAME, index, s.name, file, line, col, dim, extent, extent - 1, s.decl,
           s.file, s.line, w->group_pos.x, w->group_pos.y, w->group_pos.z, mtl_self->index);
}

}  // namespace metal

// clang's -fsanitize=array-bounds (toolchain.BASE_FLAGS, with -fno-sanitize-recover) calls
// this on a subscript outside a vector (`thread_elements()[2]` of a two-element vector,
// `v[i]` of a float4) or outside a per-thread array of constant size; the executor links
// no sanitizer runtime and defines the handler itself, so the fault is a `bounds` error
// naming the .metal line (the unit's `#line` directives) instead of a read of the stack.
// The layouts are compiler-rt's ubsan ABI (ubsan_handlers.h: SourceLocation,
// TypeDescriptor, OutOfBoundsData), unchanged since clang 3.x.
struct mtl_ubsan_location {
  const char* file;
  uint32_t line, column;
};
struct mtl_ubsan_type {
  uint16_t kind;  // 0: integer, info = log2(bit width) << 1 | signed
  uint16_t info;
  char name[1];  // NUL-terminated, e.g. 'float2' (vector of 2 'float' values)
};
struct mtl_ubsan_out_of_bounds {
  mtl_ubsan_location location;
  const mtl_ubsan_type* array;
  const mtl_ubsan_type* index;
};

extern "C" MTL_UNTRACED __attribute__((noinline, cold, noreturn)) void
__ubsan_handle_out_of_bounds_abort(mtl_ubsan_out_of_bounds* data, uintptr_t value) {
  const mtl_ubsan_type* t = data->index;
  const unsigned bits = t->kind == 0 ? 1u << (t->info >> 1) : 64u;
  long long index = (long long)value;
  if (t->kind == 0 && (t->info & 1) && bits < 64)  // a signed index narrower than 64 bits
    index = (long long)(value << (64 - bits)) >> (64 - bits);
  metal::mtl_worker* w = metal::mtl_cur_worker;
  metal::mtl_fail(3,
                  "kernel %s: index %lld is out of bounds of %s at %s:%u:%u; in threadgroup "
                  "(%u, %u, %u), thread_index_in_threadgroup %u",
                  MTL_KERNEL_NAME, index, data->array->name, data->location.file,
                  data->location.line, data->location.column, w->group_pos.x, w->group_pos.y,
                  w->group_pos.z, metal::mtl_self->index);
}

namespace metal {

MTL_UNTRACED static void mtl_fill_info(const mtl_launch& L, mtl_worker* w, uint32_t tid, mtl_thread_info& t) {
  uint3 gs = w->group_size;
  uint3 pos = uint3{tid % gs.x, (tid / gs.x) % gs.y, tid / (gs.x * gs.y)};
  uint n = gs.x * gs.y * gs.z;
  uint dn = L.group.x * L.group.y * L.group.z;
  t.thread_position_in_threadgroup = pos;
  t.threadgroup_position_in_grid = w->group_pos;
  t.thread_position_in_grid = w->group_pos * L.group + pos;
  t.threads_per_threadgroup = gs;
  t.dispatch_threads_per_threadgroup = L.group;
  t.threadgroups_per_grid = L.ngroups;
  t.threads_per_grid = L.grid;
  t.grid_size = L.grid;
  t.grid_origin = uint3{0, 0, 0};
  t.thread_index_in_threadgroup = tid;
  t.thread_index_in_simdgroup = tid % MTL_SIMD_WIDTH;
  t.simdgroup_index_in_threadgroup = tid / MTL_SIMD_WIDTH;
  t.threads_per_simdgroup = MTL_SIMD_WIDTH;
  t.thread_execution_width = MTL_SIMD_WIDTH;
  t.simdgroups_per_threadgroup = (n + MTL_SIMD_WIDTH - 1) / MTL_SIMD_WIDTH;
  t.dispatch_simdgroups_per_threadgroup = (dn + MTL_SIMD_WIDTH - 1) / MTL_SIMD_WIDTH;
  t.thread_index_in_quadgroup = tid % 4;
  t.quadgroup_index_in_threadgroup = tid / 4;
  t.quadgroups_per_threadgroup = (n + 3) / 4;
  t.dispatch_quadgroups_per_threadgroup = (dn + 3) / 4;
}

// Never inlined into the (untraced) scheduler in race builds: code inlined into an
// untraced function would lose its load/store tracing.
#if MTL_RACE
__attribute__((noinline))
#endif
static void mtl_invoke(const mtl_launch& L, const mtl_thread_info& t);

// Hands the worker from the calling fiber (its stack pointer saved in *save) to the next
// runnable fiber of this scheduling round, or back to the scheduler when the round is over:
// one stack switch per park, where going through the scheduler took two.
MTL_UNTRACED static void mtl_yield(mtl_worker* w, void** save) {
  for (uint32_t i = mtl_self->index + 1; i < w->nthreads; ++i) {
    mtl_thread& t = w->threads[i];
    if (t.state == MTL_RUNNABLE) {
      mtl_self = &t;
      mtl_fiber_switch(save, t.sp);
      return;
    }
  }
  mtl_fiber_switch(save, w->sched_sp);
}

MTL_UNTRACED static void mtl_fiber_entry(void* arg) {
  mtl_thread* t = static_cast<mtl_thread*>(arg);
  mtl_worker* w = mtl_cur_worker;
  mtl_invoke(*w->L, w->infos[t->index]);
  t->state = MTL_DONE;
  --w->live;
  mtl_yield(w, &t->sp);
  __builtin_trap();
}

MTL_UNTRACED void mtl_park(uint32_t state, const char* file, uint32_t line, uint32_t col) {
  if (!mtl_fibers) mtl_fail(0, "a synchronising function ran on the fast path");
  mtl_thread* t = mtl_self;
  t->state = state;
  t->site_file = file;
  t->site_line = line;
  t->site_col = col;
  mtl_yield(mtl_cur_worker, &t->sp);
}

// Deposits this lane's operand (runtime memory, so not instrumented) and parks.
MTL_UNTRACED void mtl_park_simd(const void* value, size_t bytes, const char* file, uint32_t line,
                               uint32_t col) {
  volatile unsigned char* slot = mtl_self->slot;
  const unsigned char* src = static_cast<const unsigned char*>(value);
  for (size_t i = 0; i < bytes; ++i) slot[i] = src[i];
  mtl_park(MTL_AT_SIMD, file, line, col);
}

MTL_UNTRACED static void* mtl_prepare_stack(unsigned char* stack_top, mtl_thread* t) {
  uintptr_t top = (uintptr_t)stack_top & ~(uintptr_t)15;
#if defined(__x86_64__)
  uint64_t* sp = (uint64_t*)(top - 56);
  sp[0] = 0;                              // r15
  sp[1] = 0;                              // r14
  sp[2] = (uint64_t)(void*)&mtl_fiber_entry;  // r13: entry
  sp[3] = (uint64_t)t;                    // r12: argument
  sp[4] = 0;                              // rbx
  sp[5] = 0;                              // rbp
  sp[6] = (uint64_t)(void*)&mtl_fiber_start;
  return sp;
#elif defined(__aarch64__)
  uint64_t* sp = (uint64_t*)(top - 160);
  memset(sp, 0, 160);
  sp[0] = (uint64_t)t;                        // x19: argument
  sp[1] = (uint64_t)(void*)&mtl_fiber_entry;  // x20: entry
  sp[11] = (uint64_t)(void*)&mtl_fiber_start; // x30
  return sp;
#endif
}

static const char* mtl_state_name(uint32_t s) {
  return s == MTL_AT_BARRIER ? "threadgroup_barrier" : "a simdgroup function";
}

// All live threads are parked at barriers: release them if they wait at the same
// call site, otherwise the kernel would deadlock on a GPU.
MTL_UNTRACED static void mtl_release_barrier(mtl_worker* w, uint32_t live) {
  mtl_thread* first = nullptr;
  bool same = true;
  for (uint32_t i = 0; i < w->nthreads; ++i) {
    mtl_thread& t = w->threads[i];
    if (t.state != MTL_AT_BARRIER) continue;
    if (!first) first = &t;
    else if (t.site_line != first->site_line || t.site_col != first->site_col ||
             strcmp(t.site_file, first->site_file) != 0)
      same = false;
  }
  if (same) {
    for (uint32_t i = 0; i < w->nthreads; ++i)
      if (w->threads[i].state == MTL_AT_BARRIER) w->threads[i].state = MTL_RUNNABLE;
    ++w->barrier_epoch;
    return;
  }
  char msg[6000];
  int n = snprintf(msg, sizeof msg,
                   "kernel %s: barrier divergence in threadgroup (%u, %u, %u): the %u live "
                   "threads wait at different threadgroup_barrier calls, which deadlocks on a GPU:",
                   MTL_KERNEL_NAME, w->group_pos.x, w->group_pos.y, w->group_pos.z, live);
  // One line per distinct call site with its thread count and first thread.
  for (uint32_t i = 0; i < w->nthreads && n < (int)sizeof msg - 300; ++i) {
    mtl_thread& t = w->threads[i];
    if (t.state != MTL_AT_BARRIER) continue;
    bool seen = false;
    for (uint32_t j = 0; j < i && !seen; ++j) {
      mtl_thread& u = w->threads[j];
      seen = u.state == MTL_AT_BARRIER && u.site_line == t.site_line &&
             u.site_col == t.site_col && strcmp(u.site_file, t.site_file) == 0;
    }
    if (seen) continue;
    uint32_t count = 0;
    for (uint32_t j = i; j < w->nthreads; ++j) {
      mtl_thread& u = w->threads[j];
      count += u.state == MTL_AT_BARRIER && u.site_line == t.site_line &&
               u.site_col == t.site_col && strcmp(u.site_file, t.site_file) == 0;
    }
    n += snprintf(msg + n, sizeof msg - n, "\n  %u thread(s) (first: thread %u) at %s:%u:%u",
                  count, t.index, t.site_file, t.site_line, t.site_col);
  }
  mtl_fail(2, "%s", msg);
}

// Releases, per simdgroup, the lanes parked at the same simd call site as its first
// parked lane. Returns whether any lane was released.
MTL_UNTRACED static bool mtl_release_simd(mtl_worker* w) {
  bool any = false;
  uint32_t nsg = (w->nthreads + MTL_SIMD_WIDTH - 1) / MTL_SIMD_WIDTH;
  for (uint32_t s = 0; s < nsg; ++s) {
    mtl_thread* lead = nullptr;
    uint32_t mask = 0;
    uint32_t end = (s + 1) * MTL_SIMD_WIDTH < w->nthreads ? (s + 1) * MTL_SIMD_WIDTH : w->nthreads;
    for (uint32_t i = s * MTL_SIMD_WIDTH; i < end; ++i) {
      mtl_thread& t = w->threads[i];
      if (t.state != MTL_AT_SIMD) continue;
      if (!lead) lead = &t;
      if (t.site_line == lead->site_line && t.site_col == lead->site_col &&
          strcmp(t.site_file, lead->site_file) == 0) {
        mask |= 1u << (i % MTL_SIMD_WIDTH);
        memcpy(w->views[s].lanes[i % MTL_SIMD_WIDTH], t.slot, MTL_SLOT_BYTES);
        t.state = MTL_RUNNABLE;
      }
    }
    if (lead) {
      w->views[s].mask = mask;
      any = true;
      ++w->simd_epoch[s];
    } else if (mtl_release_simd_matrix(w, s, s * MTL_SIMD_WIDTH, end, MTL_KERNEL_NAME)) {
      any = true;  // simdgroup matrix calls (metal_simdgroup_matrix.h) release all lanes or fail
    }
  }
  return any;
}

MTL_UNTRACED static void mtl_run_group_fibers(mtl_worker* w) {
  uint32_t n = w->nthreads;
  for (uint32_t i = 0; i < n; ++i) {
    mtl_thread& t = w->threads[i];
    t.index = i;
    t.state = MTL_RUNNABLE;
    t.sp = mtl_prepare_stack(w->stacks + (size_t)(i + 1) * (MTL_STACK_BYTES + mtl_page), &t);
  }
  w->live = n;
  while (w->live > 0) {
    // A round: the runnable fibers in index order, each handing on to the next (mtl_yield)
    // until every one has parked or returned.
    for (uint32_t i = 0; i < n; ++i) {
      mtl_thread& t = w->threads[i];
      if (t.state != MTL_RUNNABLE) continue;
      mtl_self = &t;
      mtl_fiber_switch(&w->sched_sp, t.sp);
      break;
    }
    if (w->live == 0) break;
    if (!mtl_release_simd(w)) mtl_release_barrier(w, w->live);
  }
}

MTL_UNTRACED static void mtl_run_group(mtl_worker* w, uint32_t g) {
  const mtl_launch& L = *w->L;
  w->group_pos = uint3{g % L.ngroups.x, (g / L.ngroups.x) % L.ngroups.y,
                       g / (L.ngroups.x * L.ngroups.y)};
  uint3 start = w->group_pos * L.group;
  w->group_size = min(L.group, L.grid - start);  // partial edge threadgroups
  w->nthreads = w->group_size.x * w->group_size.y * w->group_size.z;
  w->group_index = g;
  w->barrier_epoch = 0;
  memset(w->simd_epoch, 0, sizeof w->simd_epoch);
  if (w->arena_used) mtl_fill(w->arena, w->arena_used);
#if MTL_RACE
  mtl_race_group_start(w);
#endif
  for (uint32_t i = 0; i < w->nthreads; ++i) mtl_fill_info(L, w, i, w->infos[i]);
  if (MTL_USE_FIBERS) {
    mtl_run_group_fibers(w);
  } else {
    for (uint32_t i = 0; i < w->nthreads; ++i) {
      mtl_self = &w->threads[i];
      w->threads[i].index = i;
      // Keep the store visible to the crash handler (a signal can arrive mid-kernel).
      __atomic_signal_fence(__ATOMIC_SEQ_CST);
      mtl_invoke(L, w->infos[i]);
    }
  }
}

static uint32_t mtl_next_group;
static uint32_t mtl_total_groups;

MTL_UNTRACED static void* mtl_worker_main(void* arg) {
  mtl_worker* w = static_cast<mtl_worker*>(arg);
  mtl_cur_worker = w;
  mtl_fibers = MTL_USE_FIBERS;
  for (;;) {
    uint32_t g = __atomic_fetch_add(&mtl_next_group, 1, __ATOMIC_RELAXED);
    if (g >= mtl_total_groups) break;
    mtl_run_group(w, g);
  }
  return nullptr;
}

// The faulting instruction's address (the binary is not PIE, so Python maps it to a
// .metal line with the DWARF line table); 0 where the platform's context is unknown.
static unsigned long mtl_fault_pc(void* ctx) {
#if defined(__linux__) && defined(__x86_64__)
  return (unsigned long)static_cast<ucontext_t*>(ctx)->uc_mcontext.gregs[REG_RIP];
#elif defined(__linux__) && defined(__aarch64__)
  return (unsigned long)static_cast<ucontext_t*>(ctx)->uc_mcontext.pc;
#else
  (void)ctx;
  return 0;
#endif
}

// 1 for a write, 0 for a read, -1 unknown (x86-64 Linux reports it in the page-fault error
// code), so Python can tell which buffer of a line like `out[i] = in[j]` was indexed.
static int mtl_fault_is_write(void* ctx) {
#if defined(__linux__) && defined(__x86_64__)
  return (static_cast<ucontext_t*>(ctx)->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0;
#else
  (void)ctx;
  return -1;
#endif
}

static void mtl_crash_handler(int sig, siginfo_t* info, void* ctx) {
  char buf[512];
  mtl_worker* w = mtl_cur_worker;
  int n;
  // The faulting address as an offset into the argument file lets Python name the buffer.
  unsigned char* addr = static_cast<unsigned char*>(info->si_addr);
  long long file_offset = addr >= mtl_map_base && addr < mtl_map_base + mtl_map_size
                              ? (long long)(addr - mtl_map_base) : -1;
  unsigned long pc = mtl_fault_pc(ctx);
  if (w && mtl_self)
    n = snprintf(buf, sizeof buf,
                 "MTLCPU-CRASH file_offset=%lld pc=0x%lx write=%d\nin threadgroup (%u, %u, %u), "
                 "thread_index_in_threadgroup %u\n",
                 file_offset, pc, mtl_fault_is_write(ctx), w->group_pos.x, w->group_pos.y, w->group_pos.z,
                 mtl_self->index);
  else
    n = snprintf(buf, sizeof buf,
                 "MTLCPU-CRASH file_offset=%lld pc=0x%lx write=%d\noutside kernel threads\n",
                 file_offset, pc, mtl_fault_is_write(ctx));
  ssize_t r = write(2, buf, n);
  (void)r;
  signal(sig, SIG_DFL);
  raise(sig);
}

static void mtl_install_crash_handler() {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = mtl_crash_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
  sigaction(SIGFPE, &sa, nullptr);
  sigaction(SIGILL, &sa, nullptr);
}

static void* mtl_worker_thread(void* arg) {
  // Fiber stack overflows fault on a guard page: handle them on an alternate stack.
  stack_t ss;
  ss.ss_sp = mmap(nullptr, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ss.ss_size = 65536;
  ss.ss_flags = 0;
  sigaltstack(&ss, nullptr);
  return mtl_worker_main(arg);
}

MTL_UNTRACED static void mtl_init_worker(mtl_worker* w, const mtl_launch* L, uint32_t max_threads) {
  memset(w, 0, sizeof *w);
  w->L = L;
  w->arena = static_cast<unsigned char*>(aligned_alloc(64, MTL_TG_LIMIT));
  for (auto& s : w->sites) s.offset = -1;
  w->nthreads_max = max_threads;
  w->threads = static_cast<mtl_thread*>(aligned_alloc(64, (sizeof(mtl_thread) * max_threads + 63) / 64 * 64));
  w->infos = static_cast<mtl_thread_info*>(calloc(max_threads, sizeof(mtl_thread_info)));
  w->views = static_cast<mtl_simd_view*>(
      aligned_alloc(64, (sizeof(mtl_simd_view) * ((max_threads + 31) / 32) + 63) / 64 * 64));
  if (MTL_USE_FIBERS) {
    size_t each = MTL_STACK_BYTES + mtl_page;
    size_t total = each * max_threads + mtl_page;
    w->stacks = static_cast<unsigned char*>(mmap(nullptr, total, PROT_READ | PROT_WRITE,
                                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                                                 -1, 0));
    if (w->stacks == MAP_FAILED) mtl_fail(0, "cannot map %zu bytes of fiber stacks", total);
    for (uint32_t i = 0; i <= max_threads; ++i)  // guard page below each stack
      mprotect(w->stacks + i * each, mtl_page, PROT_NONE);
  }
#if MTL_RACE
  mtl_race_init_worker(w);
#endif
}

}  // namespace metal

int main(int argc, char** argv) {
  using namespace metal;
  if (argc != 2) mtl_fail(0, "usage: %s ARGS_FILE", argv[0]);
  int fd = open(argv[1], O_RDWR);
  if (fd < 0) mtl_fail(0, "cannot open %s: %s", argv[1], strerror(errno));
  struct stat st;
  fstat(fd, &st);
  void* map = mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) mtl_fail(0, "cannot map %s: %s", argv[1], strerror(errno));
  close(fd);
  mtl_map_base = static_cast<unsigned char*>(map);
  mtl_map_size = st.st_size;
#if MTL_RACE
  mtl_race_init(mtl_map_size);
#endif
  static mtl_launch L;
  L.base = static_cast<unsigned char*>(map);
  L.h = reinterpret_cast<const mtl_header*>(map);
  if (L.h->magic != MTL_MAGIC) mtl_fail(0, "%s is not an argument file", argv[1]);
  long page = sysconf(_SC_PAGESIZE);
  mtl_page = (size_t)page;
  for (uint32_t i = 0; i < L.h->nguards && i < 64; ++i)
    if (mprotect(L.base + L.h->guards[i], page, PROT_NONE) != 0)
      mtl_fail(0, "cannot protect guard page at offset %llu", (unsigned long long)L.h->guards[i]);
  L.grid = uint3{L.h->grid[0], L.h->grid[1], L.h->grid[2]};
  L.group = uint3{L.h->group[0], L.h->group[1], L.h->group[2]};
  L.ngroups = (L.grid + L.group - 1) / L.group;
  mtl_total_groups = L.ngroups.x * L.ngroups.y * L.ngroups.z;
  uint32_t max_threads = L.group.x * L.group.y * L.group.z;
  uint32_t nworkers = L.h->nworkers ? L.h->nworkers : 1;
  if (nworkers > mtl_total_groups) nworkers = mtl_total_groups ? mtl_total_groups : 1;
  mtl_install_crash_handler();
  mtl_worker* workers = static_cast<mtl_worker*>(calloc(nworkers, sizeof(mtl_worker)));
  pthread_t* tids = static_cast<pthread_t*>(calloc(nworkers, sizeof(pthread_t)));
  for (uint32_t i = 0; i < nworkers; ++i) mtl_init_worker(&workers[i], &L, max_threads);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 8u << 20);
  for (uint32_t i = 0; i < nworkers; ++i)
    if (pthread_create(&tids[i], &attr, mtl_worker_thread, &workers[i]) != 0)
      mtl_fail(0, "cannot start worker thread %u", i);
  for (uint32_t i = 0; i < nworkers; ++i) pthread_join(tids[i], nullptr);
#if MTL_RACE
  mtl_race_finish();
#endif
  return 0;
}
