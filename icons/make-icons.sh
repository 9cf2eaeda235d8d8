#!/bin/sh
# Regenerates the app icon and the tray icons (one per aggregate state) with ImageMagick.
# Usage: sh icons/make-icons.sh   (run from the workspace root; needs `convert`)
set -eu
cd "$(dirname "$0")"

# App icon: an amber hexagon ("hive") with a dark inner hexagon, on transparency.
hex() { # cx cy r -> polygon points
  awk -v cx="$1" -v cy="$2" -v r="$3" 'BEGIN { for (i = 0; i < 6; i++) { a = (60 * i - 90) * 3.14159265 / 180; printf "%.1f,%.1f ", cx + r * cos(a), cy + r * sin(a) } }'
}
convert -size 512x512 xc:none \
  -fill '#F2A93B' -draw "polygon $(hex 256 256 240)" \
  -fill '#1F2430' -draw "polygon $(hex 256 256 150)" \
  -fill '#F2A93B' -draw "polygon $(hex 256 256 70)" \
  PNG32:icon.png
convert icon.png -resize 32x32 PNG32:32x32.png
convert icon.png -resize 128x128 PNG32:128x128.png
convert icon.png -resize 256x256 PNG32:128x128@2x.png

# Tray icons: the hive with a status dot in the lower right corner. Panels are light or dark,
# so every shape has a dark rim (it reads on light panels) around a bright fill (it reads on
# dark ones); the dot sits in a white ring inside a dark one. src-tauri's test
# `tray_icons_read_on_light_and_dark_panels` checks the contrast of every icon's edge.
tray() { # name colour
  convert -size 64x64 xc:none \
    -fill '#1F2430' -draw "polygon $(hex 28 30 29)" \
    -fill '#F2A93B' -draw "polygon $(hex 28 30 25)" \
    -fill '#1F2430' -draw "polygon $(hex 28 30 14)" \
    -fill '#1F2430' -draw "circle 48,48 48,31" \
    -fill '#FFFFFF' -draw "circle 48,48 48,33" \
    -fill "$2" -draw "circle 48,48 48,36" \
    PNG32:"tray-$1.png"
}
tray connected '#2E9E5B'
tray reconnecting '#E0A100'
tray offline '#8A8F98'
tray needs-sign-in '#D64545'
