#!/usr/bin/env bash
# Windows PowerShell 7 for the tests under Wine (Wine's own powershell.exe is a stub that prints
# nothing). Everything comes from the NuGet feed through the ordinary client (`dotnet restore` of a
# throwaway project with PackageDownload items): the framework-dependent PowerShell global tool
# package (its tools/net10.0/any/win folder holds pwsh.exe + pwsh.dll) and the Windows x64 .NET
# runtime packages it needs (pwsh.runtimeconfig.json names Microsoft.NETCore.App and
# Microsoft.WindowsDesktop.App 10.0).
#
#   tools/install-pwsh-wine.sh              download once and lay out $LAYOUT (below); idempotent
#   tools/install-pwsh-wine.sh --prefix P   also link it into the Wine prefix P:
#       C:\Program Files\dotnet                 -> $LAYOUT/dotnet  (where pwsh.exe's host looks)
#       %USERPROFILE%\.dotnet\tools\pwsh.exe    -> $LAYOUT/tools   (where the pwsh module's probe looks)
#
# Needs `dotnet` (the .NET SDK) on Linux; without it, says so and exits 0 (the pwsh tests under Wine
# then skip with the probe's reason). Measured under Wine 8.0: the engine's runner starts it
# (CreateProcess with pipes), but only with Wine's builtin mscoree.dll enabled - CoreCLR loads
# IL-only assemblies through it - so the tests that run it drop "mscoree" from WINEDLLOVERRIDES
# (tests/CMakeLists.txt). Started from a Unix shell without any Windows console, pwsh exits 0 silently.
set -euo pipefail
: "${HOME:=$(getent passwd "$(id -un)" | cut -d: -f6)}"; export HOME   # dotnet needs it
PWSH_VERSION=7.6.9
NET_VERSION=10.0.12
LAYOUT=${WEE_PWSH_WIN_LAYOUT:-$HOME/.cache/wee/pwsh-win-$PWSH_VERSION-net$NET_VERSION}

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-pwsh-wine: no 'dotnet' (.NET SDK) here: Windows PowerShell for the Wine tests NOT installed;" \
       "the pwsh tests under Wine will be skipped" >&2
  exit 0
fi

if [ ! -f "$LAYOUT/.complete" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cat > "$work/download.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="PowerShell" Version="[$PWSH_VERSION]" />
    <PackageDownload Include="Microsoft.NETCore.App.Runtime.win-x64" Version="[$NET_VERSION]" />
    <PackageDownload Include="Microsoft.WindowsDesktop.App.Runtime.win-x64" Version="[$NET_VERSION]" />
  </ItemGroup>
</Project>
EOF
  NUGET_PACKAGES="$work/packages" dotnet restore "$work/download.csproj" --verbosity quiet
  pk="$work/packages"
  rm -rf "$LAYOUT.tmp"
  fxr="$LAYOUT.tmp/dotnet/host/fxr/$NET_VERSION"
  core="$LAYOUT.tmp/dotnet/shared/Microsoft.NETCore.App/$NET_VERSION"
  desk="$LAYOUT.tmp/dotnet/shared/Microsoft.WindowsDesktop.App/$NET_VERSION"
  mkdir -p "$fxr" "$core" "$desk" "$LAYOUT.tmp/tools"
  rt="$pk/microsoft.netcore.app.runtime.win-x64/$NET_VERSION/runtimes/win-x64"
  cp "$rt/native/hostfxr.dll" "$fxr/"
  cp -r "$rt/lib/net10.0/." "$rt/native/." "$core/"
  rm "$core/hostfxr.dll"
  wd="$pk/microsoft.windowsdesktop.app.runtime.win-x64/$NET_VERSION/runtimes/win-x64"
  cp -r "$wd/lib/net10.0/." "$wd/native/." "$desk/"
  cp -r "$pk/powershell/$PWSH_VERSION/tools/net10.0/any/win/." "$LAYOUT.tmp/tools/"
  test -f "$LAYOUT.tmp/tools/pwsh.exe"
  touch "$LAYOUT.tmp/.complete"
  rm -rf "$LAYOUT"
  mv "$LAYOUT.tmp" "$LAYOUT"
  echo "install-pwsh-wine: PowerShell $PWSH_VERSION for Windows on .NET $NET_VERSION laid out in $LAYOUT"
fi

if [ "${1:-}" = "--prefix" ] && [ -n "${2:-}" ]; then
  drive="$2/drive_c"
  if [ ! -d "$drive/users" ]; then
    echo "install-pwsh-wine: $2 is not a booted Wine prefix" >&2
    exit 1
  fi
  rm -rf "$drive/Program Files/dotnet"
  ln -s "$LAYOUT/dotnet" "$drive/Program Files/dotnet"
  home="$drive/users/$(id -un)"
  mkdir -p "$home/.dotnet"
  rm -rf "$home/.dotnet/tools"
  ln -s "$LAYOUT/tools" "$home/.dotnet/tools"
fi
