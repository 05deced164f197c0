//go:build windows

package harden

func setCoreLimit() error { return nil }
