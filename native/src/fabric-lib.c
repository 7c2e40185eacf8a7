/* Loads libfabric with dlopen and guards the process's signal handlers while it does: V8's
 * WASM bounds checks rely on its SIGSEGV handler, and Debian's libfabric pulls in
 * libinfinipath, whose constructor installs its own handlers without chaining
 * (notes/libfabric.md, "Hazard"). */
#include "fabric-lib.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static fabric_load_result result;
static bool attempted;

#ifdef SANSWITCH_HAVE_FABRIC
fabric_api fabric;

static const int guarded[FABRIC_GUARDED_SIGNALS] = {SIGSEGV, SIGBUS, SIGILL,
                                                    SIGABRT, SIGINT, SIGTERM};
static const char *const guarded_names[FABRIC_GUARDED_SIGNALS] = {"SEGV", "BUS", "ILL",
                                                                  "ABRT", "INT", "TERM"};

static bool same_handler(const struct sigaction *a, const struct sigaction *b) {
  bool a_info = (a->sa_flags & SA_SIGINFO) != 0;
  bool b_info = (b->sa_flags & SA_SIGINFO) != 0;
  if (a_info != b_info) return false;
  return a_info ? a->sa_sigaction == b->sa_sigaction : a->sa_handler == b->sa_handler;
}

/* Puts back every handler that differs from `saved`, naming each in result.replaced. */
static void restore_handlers(const struct sigaction *saved) {
  for (int i = 0; i < FABRIC_GUARDED_SIGNALS; i++) {
    struct sigaction now;
    if (sigaction(guarded[i], NULL, &now) != 0 || same_handler(&now, &saved[i])) continue;
    sigaction(guarded[i], &saved[i], NULL);
    if (result.replaced[0] != '\0') strcat(result.replaced, ",");
    strcat(result.replaced, guarded_names[i]);
  }
}

static bool resolve(void *library) {
  fabric.getinfo = (int (*)(uint32_t, const char *, const char *, uint64_t,
                            const struct fi_info *, struct fi_info **))dlsym(library, "fi_getinfo");
  fabric.freeinfo = (void (*)(struct fi_info *))dlsym(library, "fi_freeinfo");
  fabric.dupinfo = (struct fi_info * (*)(const struct fi_info *)) dlsym(library, "fi_dupinfo");
  fabric.fabric = (int (*)(struct fi_fabric_attr *, struct fid_fabric **, void *))dlsym(
      library, "fi_fabric");
  fabric.strerror = (const char *(*)(int))dlsym(library, "fi_strerror");
  fabric.version = (uint32_t(*)(void))dlsym(library, "fi_version");
  return fabric.getinfo && fabric.freeinfo && fabric.dupinfo && fabric.fabric &&
         fabric.strerror && fabric.version;
}
#endif

const fabric_load_result *fabric_load(void) {
  if (attempted) return &result;
  attempted = true;
#ifdef SANSWITCH_HAVE_FABRIC
  struct sigaction saved[FABRIC_GUARDED_SIGNALS];
  for (int i = 0; i < FABRIC_GUARDED_SIGNALS; i++) sigaction(guarded[i], NULL, &saved[i]);
  // Any value makes libinfinipath's constructor leave the handlers alone; a user's own
  // setting is kept.
  setenv("IPATH_NO_BACKTRACE", "1", 0);
  void *library = dlopen("libfabric.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    result.error = "libfabric.so.1 could not be loaded (install libfabric1)";
  } else if (!resolve(library)) {
    result.error = "libfabric.so.1 lacks fi_getinfo, fi_fabric or fi_strerror";
  } else if (FI_MAJOR(fabric.version()) != 1 || FI_MINOR(fabric.version()) < 17) {
    result.error = "libfabric is older than 1.17";
  } else {
    // Providers are loaded and initialised by the first fi_getinfo: guard that one too.
    struct fi_info *all = NULL;
    if (fabric.getinfo(FABRIC_API_VERSION, NULL, NULL, 0, NULL, &all) == 0) fabric.freeinfo(all);
    result.loaded = true;
  }
  restore_handlers(saved);
#else
  result.error = "the native shim was built without libfabric (install libfabric-dev, then npm run build:native)";
#endif
  return &result;
}
