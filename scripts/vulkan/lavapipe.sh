#!/usr/bin/env bash
# scripts/vulkan/lavapipe.sh <dir>: Mesa 25's lavapipe (a software Vulkan driver) from
# bookworm-backports, unpacked into <dir> without installing or upgrading anything, and <dir>/env
# to source, which points the Vulkan loader at it (docs/engines-and-gpu.md, "Backends"). Dawn refuses
# Debian 12's own lavapipe (Mesa 22.3 lacks dynamic indexing of uniform arrays) and accepts
# Mesa 25's, which needs newer libdrm than Debian 12 has: those come from backports too, unpacked
# beside it. The loader (libvulkan1) is Debian 12's; it is unpacked as well if not installed.
# apt runs on its own lists in <dir>, so the system's sources and package state stay as they are;
# no root needed.
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 <dir>" >&2; exit 2; fi
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
  echo "$0: made for Debian 12 (bookworm), this is ${PRETTY_NAME:-unknown}" >&2
  exit 1
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd)
apt_dir=$dir/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dir/debs"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
for suite in bookworm bookworm-updates bookworm-backports; do
  echo "deb [signed-by=$keyring] http://deb.debian.org/debian $suite main"
done > "$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User="$(id -un)"
)
apt-get "${apt_opts[@]}" -qq update

# What installing Mesa 25's drivers would add or upgrade here (apt's own answer, simulated):
# exactly the packages to unpack.
mapfile -t packages < <(apt-get "${apt_opts[@]}" -s -qq install --no-install-recommends mesa-vulkan-drivers/bookworm-backports |
  sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\?(\([^ ]*\) .*/\1=\3/p')
if [ ${#packages[@]} -eq 0 ]; then echo "$0: apt found nothing to unpack for mesa-vulkan-drivers/bookworm-backports" >&2; exit 1; fi
rm -rf "$dir/root" "$dir/debs"/*.deb
(cd "$dir/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}")
for deb in "$dir/debs"/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done

lib=$(find "$dir/root" -name libvulkan_lvp.so -print -quit)
icd=$(find "$dir/root/usr/share/vulkan/icd.d" -name 'lvp_icd*.json' -print -quit)
if [ -z "$lib" ] || [ -z "$icd" ]; then echo "$0: the unpacked packages hold no lavapipe (libvulkan_lvp.so, lvp_icd*.json)" >&2; exit 1; fi
# The packaged ICD file names the library for the system's search path; point it at ours.
sed "s|\"library_path\": *\"[^\"]*\"|\"library_path\": \"$lib\"|" "$icd" > "$dir/lvp_icd.json"
printf 'export VK_ICD_FILENAMES=%q\nexport LD_LIBRARY_PATH=%q${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n' "$dir/lvp_icd.json" "$(dirname "$lib")" > "$dir/env"
mesa=$(printf '%s\n' "${packages[@]}" | sed -n 's/^mesa-vulkan-drivers=//p')
echo "lavapipe: Mesa $mesa and ${#packages[@]} packages (${packages[*]}) unpacked into $dir; source $dir/env"
