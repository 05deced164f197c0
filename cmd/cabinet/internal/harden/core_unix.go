//go:build !linux && unix

package harden

import "syscall"

func setCoreLimit() error {
	return syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: 0})
}
