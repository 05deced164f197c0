package store

import (
	"errors"
	"fmt"
)

// Errors callers branch on. Their messages are lower-case and carry no
// patient data.
var (
	// ErrNoVault: the directory holds no vault file.
	ErrNoVault = errors.New("no vault in this directory")
	// ErrVaultExists: Create was called on a directory that already has one.
	ErrVaultExists = errors.New("a vault already exists in this directory")
	// ErrAlreadyOpen: another process holds the vault's lock.
	ErrAlreadyOpen = errors.New("the vault is already open in another process")
	// ErrWrongPassphrase: the passphrase does not unwrap the data key.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrWrongRecoveryKey: the recovery key does not unwrap the data key.
	ErrWrongRecoveryKey = errors.New("wrong recovery key")
	// ErrLocked: the vault's keys are not in memory.
	ErrLocked = errors.New("the vault is locked")
	// ErrNotFound: no value under that bucket and key.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt: the file is damaged or was tampered with. Errors that wrap
	// it are a [*CorruptError] saying where.
	ErrCorrupt = errors.New("the vault is damaged")
	// ErrReadOnly: the vault file or directory cannot be written.
	ErrReadOnly = errors.New("the vault cannot be written")
	// ErrClosed: the vault was closed.
	ErrClosed = errors.New("the vault is closed")
)

// CorruptError says which part of the vault failed its integrity check. It
// names buckets and record keys, never contents.
type CorruptError struct {
	Where string // "header", "bucket patients, key 3f2a…", "file structure"
	Why   string // "checksum mismatch", "value does not authenticate", ...
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the vault is damaged: %s: %s", e.Where, e.Why)
}

// Is makes errors.Is(err, ErrCorrupt) true for every CorruptError.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corrupt(where, why string) error { return &CorruptError{Where: where, Why: why} }

// ErrDiskFull: a write failed for lack of space (or quota, or file-size
// limit). Nothing committed is lost; the write can be retried once space
// is freed.
var ErrDiskFull = errors.New("the disk is full")

// ErrKeyFileNeeded: the vault has a key file as second factor and none was
// given.
var ErrKeyFileNeeded = errors.New("this vault also needs its key file")
