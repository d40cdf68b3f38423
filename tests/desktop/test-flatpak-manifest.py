#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 The bTorrent authors
#
# The Flatpak manifest cannot be built on offline CI machines, so this
# checks what can drift without a build: that it builds this repository's
# meson project, under our app id, runs the binary meson installs, and asks
# for no more sandbox holes than the app needs. Output is TAP.

import json
import os
import re
import sys

MANIFEST, APP_ID, PROJECT, SOURCE_ROOT = sys.argv[1:5]

# What a BitTorrent client needs from the sandbox, and nothing else: peers
# and trackers, a display (Wayland, X11 only as a fallback), GPU rendering,
# and the download folder. Notifications and file choosers go through
# portals, which need no permission here.
ALLOWED_FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
    "--filesystem=xdg-download",
}

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))


with open(MANIFEST, encoding="utf-8") as f:
    manifest = json.load(f)

with open(os.path.join(SOURCE_ROOT, "meson.build"), encoding="utf-8") as f:
    top_meson = f.read()

check("app-id matches the meson project",
      manifest.get("app-id") == APP_ID and f"app_id = '{APP_ID}'" in top_meson,
      f"manifest {manifest.get('app-id')!r}, meson {APP_ID!r}")

# The command must be an executable that meson installs.
installed = set(re.findall(r"executable\(\s*'([^']+)'[^)]*?install:\s*true", "".join(
    open(os.path.join(root, name), encoding="utf-8").read()
    for root, _dirs, names in os.walk(os.path.join(SOURCE_ROOT, "src"))
    for name in names if name == "meson.build"), re.S))
check("command is a binary meson installs",
      manifest.get("command") in installed and manifest.get("command") == "btorrent",
      f"command {manifest.get('command')!r}, installed {sorted(installed)}")

check("runtime is the GNOME platform with its SDK",
      manifest.get("runtime") == "org.gnome.Platform" and manifest.get("sdk") == "org.gnome.Sdk"
      and re.fullmatch(r"\d+", str(manifest.get("runtime-version", ""))) is not None,
      f"{manifest.get('runtime')} {manifest.get('runtime-version')} / {manifest.get('sdk')}")

finish = manifest.get("finish-args", [])
extra = sorted(set(finish) - ALLOWED_FINISH_ARGS)
check("finish-args are no wider than needed", not extra, f"not allowed: {extra}")
check("finish-args give network and a display",
      "--share=network" in finish and "--socket=wayland" in finish
      and "--socket=fallback-x11" in finish and "--socket=x11" not in finish,
      f"{finish}")

modules = manifest.get("modules", [])
last = modules[-1] if modules else {}
check("the last module is this meson project",
      last.get("name") == PROJECT and last.get("buildsystem") == "meson"
      and re.search(r"project\(\s*'" + re.escape(PROJECT) + "'", top_meson) is not None,
      f"module {last.get('name')!r} ({last.get('buildsystem')!r}), project {PROJECT!r}")

dir_sources = [s for s in last.get("sources", []) if s.get("type") == "dir"]
manifest_dir = os.path.dirname(os.path.abspath(MANIFEST))
points_home = any(os.path.realpath(os.path.join(manifest_dir, s.get("path", "")))
                  == os.path.realpath(SOURCE_ROOT) for s in dir_sources)
check("the module builds this checkout", points_home,
      f"dir sources {[s.get('path') for s in dir_sources]}")

opts = last.get("config-opts", [])
check("the Flatpak build skips the test suite", "-Dtests=false" in opts, f"{opts}")

print(f"1..{len(results)}")
failed = 0
for i, (name, ok, detail) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        failed += 1
        print(f"# {detail}")
sys.exit(1 if failed else 0)
