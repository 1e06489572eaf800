#!/usr/bin/env bash
# Builds the WinEventEngine MSI on Linux from a Windows (mingw-w64) build tree with wixl (msitools).
#   packaging/windows/build-msi.sh BUILD_DIR OUT.msi [VERSION]
# BUILD_DIR: a built Windows tree (host.exe + modules). VERSION: MAJOR.MINOR.PATCH, default the project
# version of BUILD_DIR (project(... VERSION) in CMakeLists.txt). `cmake --build BUILD_DIR -t msi` runs this.
# Signing: with WEE_SIGN_PFX (or WEE_SIGN_CERT + WEE_SIGN_KEY) set, host.exe and modules\*.dll are
# Authenticode-signed before they go into the MSI, and the MSI itself last (sign.sh; README.md here).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
die() { echo "build-msi.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: build-msi.sh BUILD_DIR OUT.msi [VERSION]"
BUILD=$1 OUT=$2 VERSION=${3:-}
[ -n "$VERSION" ] || VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
# Windows Installer compares the first three fields only (major.minor.build, 255.255.65535).
[[ "$VERSION" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,5}$ ]] || die "version \"$VERSION\" is not MAJOR.MINOR.PATCH"
for tool in wixl wixl-heat msibuild msiinfo cmake; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian packages wixl, msitools: tools/install-deps.sh)"
done
signing=
if [ -n "${WEE_SIGN_PFX:-}${WEE_SIGN_CERT:-}" ]; then signing=1; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wee-msi.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/stage
# The zip's layout (packaging/CMakeLists.txt install rules) is the MSI's INSTALLDIR.
cmake --install "$BUILD" --prefix "$STAGE" >"$WORK/install.log" || { cat "$WORK/install.log" >&2; die "cmake --install $BUILD failed (build it first)"; }
[ -f "$STAGE/host.exe" ] || die "$BUILD is not a Windows build (no host.exe after cmake --install)"
if [ -n "$signing" ]; then
  bash "$HERE/sign.sh" "$STAGE/host.exe" "$STAGE"/modules/*.dll
fi

# Every file but host.exe (its own component, with the service) as one component each; wixl derives
# stable component GUIDs from the paths.
(cd "$STAGE" && find . -type f ! -path ./host.exe | sed 's|^\./||' | LC_ALL=C sort) |
  wixl-heat --prefix "" --directory-ref INSTALLDIR --component-group Payload --var var.StageDir --win64 \
  >"$WORK/payload.wxs"
MSI=$WORK/WinEventEngine.msi
# wixl resolves File sources relative to the current folder only (absolute paths fail).
cp "$HERE/config.json" "$WORK/starter-config.json"
(cd "$WORK" && wixl -a x64 -D Version="$VERSION" -D StageDir=stage -D DataFile=starter-config.json -D Win64=yes \
  -o "$MSI" "$HERE/WinEventEngine.wxs" payload.wxs) || die "wixl failed"

# What wixl 0.101 cannot express, as the Windows Installer's own tables (README.md here, "How it is built").
q() { msibuild "$MSI" -q "$1" || die "msibuild: $1"; }
# StarterConfig: msidbComponentAttributes64bit | NeverOverwrite | Permanent = 256 + 128 + 16.
q "UPDATE \`Component\` SET \`Attributes\` = 400 WHERE \`Component\` = 'StarterConfig'"
# ProgramData\WinEventEngine: SYSTEM and Administrators full control, Users read; not inherited from
# ProgramData (whose default lets Users create files), inherited by config.json and the service logs.
q "CREATE TABLE \`MsiLockPermissionsEx\` (\`MsiLockPermissionsEx\` CHAR(72) NOT NULL, \`LockObject\` CHAR(72) NOT NULL, \`Table\` CHAR(32) NOT NULL, \`SDDLText\` LONGCHAR NOT NULL, \`Condition\` CHAR(255) PRIMARY KEY \`MsiLockPermissionsEx\`)"
q "INSERT INTO \`MsiLockPermissionsEx\` (\`MsiLockPermissionsEx\`, \`LockObject\`, \`Table\`, \`SDDLText\`) VALUES ('DataDirAcl', 'DATADIR', 'CreateFolder', 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)')"
# Restart on failure like `host service install` does: twice after 5 s, counters reset after a day, also
# when the host exits non-zero (FAILURE_ACTIONS_FLAG). Applied by MsiConfigureServices (Windows Installer 5).
q "CREATE TABLE \`MsiServiceConfigFailureActions\` (\`MsiServiceConfigFailureActions\` CHAR(72) NOT NULL, \`Name\` CHAR(255) NOT NULL, \`Event\` SHORT NOT NULL, \`ResetPeriod\` LONG, \`RebootMessage\` CHAR(255) LOCALIZABLE, \`Command\` CHAR(255) LOCALIZABLE, \`Actions\` CHAR(255), \`DelayActions\` CHAR(255), \`Component_\` CHAR(72) NOT NULL PRIMARY KEY \`MsiServiceConfigFailureActions\`)"
q "INSERT INTO \`MsiServiceConfigFailureActions\` (\`MsiServiceConfigFailureActions\`, \`Name\`, \`Event\`, \`ResetPeriod\`, \`Actions\`, \`DelayActions\`, \`Component_\`) VALUES ('WeeRestart', 'WinEventEngine', 5, 86400, '1[~]1[~]0', '5000[~]5000[~]0', 'HostExe')"
q "CREATE TABLE \`MsiServiceConfig\` (\`MsiServiceConfig\` CHAR(72) NOT NULL, \`Name\` CHAR(255) NOT NULL, \`Event\` SHORT NOT NULL, \`ConfigType\` LONG NOT NULL, \`Argument\` CHAR(255), \`Component_\` CHAR(72) NOT NULL PRIMARY KEY \`MsiServiceConfig\`)"
q "INSERT INTO \`MsiServiceConfig\` (\`MsiServiceConfig\`, \`Name\`, \`Event\`, \`ConfigType\`, \`Argument\`, \`Component_\`) VALUES ('WeeRestartOnExit', 'WinEventEngine', 5, 4, '1', 'HostExe')"
# Feature AddToPath: appended to the system PATH (removed again on uninstall), chosen with ADDTOPATH=1 and
# kept on upgrade while the installed version has it (WEE_PATH_INSTALLED), unless ADDTOPATH=0.
q "CREATE TABLE \`Environment\` (\`Environment\` CHAR(72) NOT NULL, \`Name\` CHAR(255) NOT NULL LOCALIZABLE, \`Value\` CHAR(255) LOCALIZABLE, \`Component_\` CHAR(72) NOT NULL PRIMARY KEY \`Environment\`)"
q "INSERT INTO \`Environment\` (\`Environment\`, \`Name\`, \`Value\`, \`Component_\`) VALUES ('PathEntry', '=-*PATH', '[~];[INSTALLDIR]', 'PathEntry')"
q "CREATE TABLE \`Condition\` (\`Feature_\` CHAR(38) NOT NULL, \`Level\` SHORT NOT NULL, \`Condition\` CHAR(255) PRIMARY KEY \`Feature_\`, \`Level\`)"
q "INSERT INTO \`Condition\` (\`Feature_\`, \`Level\`, \`Condition\`) VALUES ('AddToPath', 1, 'ADDTOPATH=\"1\" OR (WEE_PATH_INSTALLED AND ADDTOPATH<>\"0\")')"
secure=$(msiinfo export "$MSI" Property | awk -F'\t' '$1 == "SecureCustomProperties" { print $2 }')
q "UPDATE \`Property\` SET \`Value\` = '${secure:+$secure;}ADDTOPATH' WHERE \`Property\` = 'SecureCustomProperties'"
# The standard actions for those tables (wixl sequences only the ones of tables it writes).
seq_add() {
  msiinfo export "$MSI" InstallExecuteSequence | awk -F'\t' -v a="$1" '$1 == a { found = 1 } END { exit !found }' ||
    q "INSERT INTO \`InstallExecuteSequence\` (\`Action\`, \`Condition\`, \`Sequence\`) VALUES ('$1', '$2', $3)"
}
seq_add RemoveEnvironmentStrings "" 3300
seq_add RemoveFolders "" 3600
seq_add CreateFolders "" 3700
seq_add WriteEnvironmentStrings "" 5200
seq_add MsiConfigureServices 'VersionMsi >= "5.00"' 5850

if [ -n "$signing" ]; then
  bash "$HERE/sign.sh" "$MSI"
fi
mkdir -p "$(dirname "$OUT")"
mv -f "$MSI" "$OUT"
echo "build-msi.sh: $OUT (WinEventEngine $VERSION${signing:+, signed})"
