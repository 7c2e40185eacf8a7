/* libfabric, loaded on first use with dlopen rather than linked: a process that never asks
 * for the fabric provider never loads it (and never meets its signal handlers). Compiled
 * against libfabric's headers when they were found at build time (SANSWITCH_HAVE_FABRIC). */
#ifndef SANSWITCH_FABRIC_LIB_H
#define SANSWITCH_FABRIC_LIB_H

#include <stdbool.h>
#include <stdint.h>

#ifdef SANSWITCH_HAVE_FABRIC
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

/** The API version this shim is written against (Debian 12 ships 1.17). */
#define FABRIC_API_VERSION FI_VERSION(1, 17)

/** The few functions libfabric exports; every other fi_* call is an inline through its ops. */
typedef struct {
  int (*getinfo)(uint32_t, const char *, const char *, uint64_t, const struct fi_info *,
                 struct fi_info **);
  void (*freeinfo)(struct fi_info *);
  struct fi_info *(*dupinfo)(const struct fi_info *);
  int (*fabric)(struct fi_fabric_attr *, struct fid_fabric **, void *);
  const char *(*strerror)(int);
  uint32_t (*version)(void);
} fabric_api;
#endif

/** Signals whose handlers loading libfabric may replace (Debian's libinfinipath does). */
#define FABRIC_GUARDED_SIGNALS 6

/** What loading found. `replaced` names the handlers that changed and were put back. */
typedef struct {
  bool loaded;
  const char *error;
  char replaced[FABRIC_GUARDED_SIGNALS * 8];
} fabric_load_result;

/**
 * Loads libfabric once per process (later calls return the first result). Sets
 * IPATH_NO_BACKTRACE=1 unless the environment already has it, then loads the library and
 * initialises its providers with one fi_getinfo; any signal handler that changed meanwhile
 * is restored and named in `replaced`. Loop thread only.
 */
const fabric_load_result *fabric_load(void);

#ifdef SANSWITCH_HAVE_FABRIC
/** The loaded library's functions; only valid after fabric_load() reported `loaded`. */
extern fabric_api fabric;
#endif

#endif
