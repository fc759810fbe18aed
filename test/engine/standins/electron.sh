#!/bin/sh
# A stand-in for desktop VS Code's executable (Electron's helper): it runs as Node only when ELECTRON_RUN_AS_NODE=1, as Electron
# does; otherwise it would start a second VS Code window, which here is an error exit. STANDIN_NODE is the real Node to hand over to.
if [ "$ELECTRON_RUN_AS_NODE" != "1" ]; then
  echo "stand-in Electron: started without ELECTRON_RUN_AS_NODE=1 (a real one would open a window)" >&2
  exit 3
fi
echo "$0" > "$STANDIN_LOG"
exec "$STANDIN_NODE" "$@"
