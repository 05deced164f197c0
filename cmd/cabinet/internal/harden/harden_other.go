//go:build !linux

package harden

// process sets no core dumps where the platform has the limit; Windows
// writes none unless configured system-wide.
func process() error { return setCoreLimit() }
