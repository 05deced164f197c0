// Package assets holds the files built into the binary: the application
// icon. It has no dependency so that any layer may use it; app/ui wraps
// the bytes into Fyne resources.
package assets

import _ "embed"

// IconSVG is Cabinet's application icon.
//
//go:embed icon.svg
var IconSVG []byte
