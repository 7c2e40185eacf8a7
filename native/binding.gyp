{
  "variables": {
    "have_fabric%": "<!(test -f /usr/include/rdma/fabric.h && echo 1 || echo 0)"
  },
  "targets": [
    {
      "target_name": "sanswitch",
      "sources": [
        "src/addon.c",
        "src/args.c",
        "src/channel.c",
        "src/channel-io.c",
        "src/doorbell.c",
        "src/fabric-cm.c",
        "src/fabric-data.c",
        "src/fabric-info.c",
        "src/fabric-lib.c",
        "src/fabric-objects.c",
        "src/fabric-probe.c",
        "src/layout.c",
        "src/segment.c",
        "src/selftest.c",
        "src/state.c",
        "src/watcher.c",
        "src/window.c"
      ],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration", "-O2"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "conditions": [
        [
          "have_fabric==1",
          { "defines": ["SANSWITCH_HAVE_FABRIC"], "libraries": ["-ldl"] }
        ]
      ]
    }
  ]
}
