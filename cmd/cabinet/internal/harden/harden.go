// Package harden lowers what the process leaves behind if it crashes:
// no core dump (which would hold the keys and decrypted records of an
// unlocked vault) and, on Linux, a process other programs of the same
// user cannot attach to or read through /proc.
package harden

// Process applies the hardening; it returns what could not be applied.
func Process() error { return process() }
