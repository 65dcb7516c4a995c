#!/usr/bin/env bash
# Finishes the install of code-server (VS Code in the browser) that `npm ci --ignore-scripts` in this folder
# leaves undone, without downloading anything outside the npm registry: code-server's own postinstall runs
# `npm install` in lib/vscode, whose @vscode/ripgrep postinstall downloads rg from GitHub. This does that
# postinstall's work by hand (each install pinned by the npm-shrinkwrap.json code-server ships) and uses
# Debian's rg. Needs Debian's build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev
# libsecret-1-dev ripgrep (native modules are compiled from source).
set -euo pipefail
cd "$(dirname "$0")"
npm_install() { npm install --omit=dev --ignore-scripts --no-fund --no-audit --loglevel=error; }

npm rebuild argon2 --loglevel=error # its prebuilt download fails offline; it compiles from source
cd node_modules/code-server/lib/vscode
npm_install
npm rebuild kerberos @parcel/watcher @vscode/deviceid @vscode/spdlog native-watchdog --loglevel=error
# node-pty's own build succeeds; only its postinstall's `npx node-gyp configure -f compile_commands_json`
# (a developer convenience) cannot fetch node-gyp: accept the build when pty.node exists.
npm rebuild node-pty --loglevel=error || test -f node_modules/node-pty/build/Release/pty.node
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm_install)
touch ../../../.code-server-installed
