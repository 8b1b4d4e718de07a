// Race detection for race_check=True (compiled with -DMTL_RACE=1).
//
// The kernel is compiled with SanitizerCoverage's load/store tracing, so every
// load and store of kernel code calls __sanitizer_cov_load<N>/store<N> with the
// address; the return address identifies the instruction, which Python maps to a
// .metal line through the binary's DWARF line table. The runtime is untraced and
// atomics are out-of-line untraced functions, so neither counts as an access.
//
// Only device memory (the argument file) and the running group's threadgroup
// memory are tracked, per 4-byte granule: the last write of every byte (up to
// four write records with disjoint byte masks, so a write of a neighbouring
// half, bfloat or uchar does not evict an older write of the other bytes) and
// the last two reads. Two accesses race when they come from different threads,
// at least one writes, their bytes overlap, and nothing orders them:
//   * threads of different threadgroups are never ordered within a launch;
//   * threads of one group are ordered by a threadgroup_barrier between them
//     (different barrier epochs), and lanes of one simdgroup also by a simd or
//     quad function between them (different simd epochs).
// This is exact for Metal's happens-before within a launch, not a timing-based
// heuristic: a race is reported even if the schedule happened to order it.
#pragma once

namespace metal {

struct mtl_race_rec {
  uint32_t group;  // linear threadgroup index + 1; 0 = empty
  uint16_t thread;
  uint16_t epoch;
  uint16_t simd;
  uint16_t site;   // index into mtl_race_pcs
  uint8_t mask;    // bytes of the granule accessed
  uint8_t write;
  uint16_t pad;
};
struct mtl_race_cell {
  mtl_race_rec w[4];  // last writes, disjoint masks: each byte is in at most one
  mtl_race_rec r1, r2;
};

constexpr int MTL_RACE_SITES = 8192;
constexpr int MTL_RACE_MAX_REPORTS = 64;
constexpr int MTL_RACE_LOCKS = 4096;
constexpr size_t MTL_ARENA_CELLS = MTL_TG_LIMIT / 4;

struct mtl_race_report {
  mtl_race_rec a, b;
  uint32_t ga[3], gb[3];
};

static mtl_race_cell* mtl_race_device;  // shadow of the argument file
static uintptr_t mtl_race_pcs[MTL_RACE_SITES];
static int mtl_race_pcs_lock;
static int mtl_race_locks[MTL_RACE_LOCKS];
static mtl_race_report mtl_race_reports[MTL_RACE_MAX_REPORTS];
static int mtl_race_nreports;
static int mtl_race_reports_lock;
static unsigned long mtl_race_total;

MTL_UNTRACED static inline void mtl_lock(int* l) {
  while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
    while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
    }
  }
}
MTL_UNTRACED static inline void mtl_unlock(int* l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

MTL_UNTRACED static void* mtl_race_zeroed(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) mtl_fail(0, "race detector: cannot map %zu bytes of shadow memory", bytes);
  return p;
}

MTL_UNTRACED static void mtl_race_init(size_t map_size) {
  mtl_race_device = static_cast<mtl_race_cell*>(
      mtl_race_zeroed((map_size / 4 + 1) * sizeof(mtl_race_cell)));
}

MTL_UNTRACED static void mtl_race_init_worker(mtl_worker* w) {
  w->shadow = static_cast<mtl_race_cell*>(mtl_race_zeroed(MTL_ARENA_CELLS * sizeof(mtl_race_cell)));
}

// A new threadgroup owns the arena: forget the previous group's accesses to it.
MTL_UNTRACED static void mtl_race_group_start(mtl_worker* w) {
  memset(w->shadow, 0, (w->arena_used + 3) / 4 * sizeof(mtl_race_cell));
}

MTL_UNTRACED static uint16_t mtl_race_site(uintptr_t pc) {
  uint32_t h = (uint32_t)((pc * 0x9E3779B97F4A7C15ull) >> 51) % MTL_RACE_SITES;
  for (int probe = 0; probe < MTL_RACE_SITES; ++probe, h = (h + 1) % MTL_RACE_SITES) {
    uintptr_t cur = __atomic_load_n(&mtl_race_pcs[h], __ATOMIC_ACQUIRE);
    if (cur == pc) return (uint16_t)h;
    if (cur == 0) {
      mtl_lock(&mtl_race_pcs_lock);
      if (mtl_race_pcs[h] == 0) __atomic_store_n(&mtl_race_pcs[h], pc, __ATOMIC_RELEASE);
      cur = mtl_race_pcs[h];
      mtl_unlock(&mtl_race_pcs_lock);
      if (cur == pc) return (uint16_t)h;
    }
  }
  return 0xffff;
}

MTL_UNTRACED static bool mtl_race_conflict(const mtl_race_rec& old, const mtl_race_rec& me) {
  if (!old.group || !(old.mask & me.mask) || !(old.write || me.write)) return false;
  if (old.group != me.group) return true;
  if (old.thread == me.thread || old.epoch != me.epoch) return false;
  bool same_simdgroup = old.thread / MTL_SIMD_WIDTH == me.thread / MTL_SIMD_WIDTH;
  return !(same_simdgroup && old.simd != me.simd);
}

MTL_UNTRACED static void mtl_race_group_pos(uint32_t group, uint32_t out[3]) {
  uint3 n = mtl_cur_worker->L->ngroups;
  uint32_t g = group - 1;
  out[0] = g % n.x;
  out[1] = (g / n.x) % n.y;
  out[2] = g / (n.x * n.y);
}

MTL_UNTRACED static void mtl_race_note(const mtl_race_rec& old, const mtl_race_rec& me) {
  __atomic_fetch_add(&mtl_race_total, 1, __ATOMIC_RELAXED);
  mtl_lock(&mtl_race_reports_lock);
  bool seen = false;
  for (int i = 0; i < mtl_race_nreports && !seen; ++i) {
    const mtl_race_report& r = mtl_race_reports[i];
    seen = (r.a.site == old.site && r.b.site == me.site && r.a.write == old.write &&
            r.b.write == me.write) ||
           (r.a.site == me.site && r.b.site == old.site && r.a.write == me.write &&
            r.b.write == old.write);
  }
  if (!seen && mtl_race_nreports < MTL_RACE_MAX_REPORTS) {
    mtl_race_report& r = mtl_race_reports[mtl_race_nreports++];
    r.a = old;
    r.b = me;
    mtl_race_group_pos(old.group, r.ga);
    mtl_race_group_pos(me.group, r.gb);
  }
  mtl_unlock(&mtl_race_reports_lock);
}

MTL_UNTRACED static void mtl_race_access(void* addr, unsigned size, bool write, void* pc) {
  mtl_thread* t = mtl_self;
  mtl_worker* w = mtl_cur_worker;
  if (!t || !w) return;
  uintptr_t a = (uintptr_t)addr;
  mtl_race_cell* cells;
  uintptr_t off;
  bool device;
  if (a >= (uintptr_t)mtl_map_base && a < (uintptr_t)mtl_map_base + mtl_map_size) {
    cells = mtl_race_device;
    off = a - (uintptr_t)mtl_map_base;
    device = true;
  } else if (a >= (uintptr_t)w->arena && a < (uintptr_t)w->arena + MTL_TG_LIMIT) {
    cells = w->shadow;
    off = a - (uintptr_t)w->arena;
    device = false;  // only this worker touches its arena: no lock
  } else {
    return;  // stack, runtime data
  }
  mtl_race_rec me;
  me.group = w->group_index + 1;
  me.thread = (uint16_t)t->index;
  me.epoch = w->barrier_epoch;
  me.simd = w->simd_epoch[t->index / MTL_SIMD_WIDTH];
  me.site = mtl_race_site((uintptr_t)pc);
  me.write = write;
  me.pad = 0;
  for (uintptr_t g = off / 4; g <= (off + size - 1) / 4; ++g) {
    uintptr_t lo = g * 4 > off ? g * 4 : off;
    uintptr_t hi = g * 4 + 4 < off + size ? g * 4 + 4 : off + size;
    me.mask = (uint8_t)(((1u << (hi - lo)) - 1) << (lo - g * 4));
    int* lock = device ? &mtl_race_locks[(g / 16) % MTL_RACE_LOCKS] : nullptr;
    if (lock) mtl_lock(lock);
    mtl_race_cell& c = cells[g];
    int free_slot = 0;
    for (int i = 3; i >= 0; --i) {
      mtl_race_rec& old = c.w[i];
      if (mtl_race_conflict(old, me)) mtl_race_note(old, me);
      if (write && old.group && !(old.mask &= (uint8_t)~me.mask)) old.group = 0;
      if (!old.group) free_slot = i;
    }
    if (write) {
      if (mtl_race_conflict(c.r1, me)) mtl_race_note(c.r1, me);
      if (mtl_race_conflict(c.r2, me)) mtl_race_note(c.r2, me);
      c.w[free_slot] = me;  // the other records keep only bytes this write missed
    } else if (!c.r1.group || (c.r1.group == me.group && c.r1.thread == me.thread)) {
      c.r1 = me;
    } else {
      c.r2 = me;
    }
    if (lock) mtl_unlock(lock);
  }
}

// Prints the races found (one line per distinct pair of instructions) and exits 87.
MTL_UNTRACED static void mtl_race_finish() {
  if (!mtl_race_nreports) return;
  char buf[256];
  int n = snprintf(buf, sizeof buf, "MTLCPU-RACE %lu\n", mtl_race_total);
  ssize_t r = write(2, buf, n);
  for (int i = 0; i < mtl_race_nreports; ++i) {
    const mtl_race_report& x = mtl_race_reports[i];
    n = snprintf(buf, sizeof buf, "%s 0x%lx %u %u %u %u %s 0x%lx %u %u %u %u\n",
                 x.a.write ? "write" : "read", (unsigned long)mtl_race_pcs[x.a.site], x.a.thread,
                 x.ga[0], x.ga[1], x.ga[2], x.b.write ? "write" : "read",
                 (unsigned long)mtl_race_pcs[x.b.site], x.b.thread, x.gb[0], x.gb[1], x.gb[2]);
    r = write(2, buf, n);
  }
  (void)r;
  _exit(87);
}

}  // namespace metal

// SanitizerCoverage callbacks: edge guards (required by the instrumentation, unused)
// and the load/store hooks.
extern "C" {
MTL_UNTRACED void __sanitizer_cov_trace_pc_guard_init(uint32_t*, uint32_t*) {}
MTL_UNTRACED void __sanitizer_cov_trace_pc_guard(uint32_t*) {}
#define MTL_RACE_HOOK(N, T)                                                          \
  MTL_UNTRACED void __sanitizer_cov_load##N(T* p) {                                  \
    metal::mtl_race_access(p, N, false, __builtin_return_address(0));               \
  }                                                                                  \
  MTL_UNTRACED void __sanitizer_cov_store##N(T* p) {                                 \
    metal::mtl_race_access(p, N, true, __builtin_return_address(0));                \
  }
MTL_RACE_HOOK(1, uint8_t)
MTL_RACE_HOOK(2, uint16_t)
MTL_RACE_HOOK(4, uint32_t)
MTL_RACE_HOOK(8, uint64_t)
MTL_RACE_HOOK(16, __int128)
#undef MTL_RACE_HOOK
}
