{
  "targets": [
    {
      "target_name": "sanswitch",
      "sources": ["src/addon.c", "src/layout.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration", "-O2"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
