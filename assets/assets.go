// Package assets holds the files built into the binary: the application
// icon (SVG source, PNG sizes made with rsvg-convert for the packages). It has no dependency so that any layer may use it; app/ui wraps
// the bytes into Fyne resources.
package assets

import _ "embed"

// IconSVG is Cabinet's application icon, the source of the PNG sizes.
//
//go:embed icon.svg
var IconSVG []byte

// IconPNG is the icon at 512×512, for window managers and packages.
//
//go:embed icon-512.png
var IconPNG []byte
