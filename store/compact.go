package store

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Compact rewrites the vault file without its free pages: bbolt's file
// never shrinks by itself, and a practice that rewrites lists and
// histories for years leaves much of it free. The values are copied
// sealed, as they are (their associated data names bucket and key, not a
// place in the file). The copy is written beside the vault, checked with
// the keys in memory, and only then renamed over it; on any failure (a
// full disk...) the vault is untouched and the copy removed. Every
// transaction waits meanwhile, so run it while the practice is idle.
func (v *Vault) Compact() (before, after int64, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.db == nil {
		return 0, 0, ErrClosed
	}
	if v.keys == nil {
		return 0, 0, ErrLocked
	}
	path := v.Path()
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", classifyFSError(err))
	}
	before = st.Size()
	tmp := path + ".compact"
	os.Remove(tmp)
	keep := false
	defer func() {
		if !keep {
			os.Remove(tmp)
		}
	}()
	dst, err := openBolt(tmp, v.opts, false)
	if err != nil {
		return before, 0, fmt.Errorf("compact: %w", err)
	}
	if err := guarded(func() error { return bolt.Compact(dst, v.db, 64<<20) }); err != nil {
		dst.Close()
		return before, 0, fmt.Errorf("compact: %w", classifyFSError(err))
	}
	if err := dst.Close(); err != nil {
		return before, 0, fmt.Errorf("compact: %w", classifyFSError(err))
	}
	if err := v.checkCopyLocked(tmp); err != nil {
		return before, 0, fmt.Errorf("compact: the copy does not check: %w", err)
	}
	if err := v.db.Close(); err != nil {
		return before, 0, fmt.Errorf("compact: %w", err)
	}
	v.db = nil
	renameErr := os.Rename(tmp, path)
	keep = renameErr == nil
	syncDir(filepath.Dir(path))
	db, err := openBolt(path, v.opts, false)
	if err != nil {
		return before, 0, fmt.Errorf("compact: reopen: %w", err)
	}
	v.db = db
	if renameErr != nil {
		return before, 0, fmt.Errorf("compact: %w", classifyFSError(renameErr))
	}
	if st, err := os.Stat(path); err == nil {
		after = st.Size()
	}
	err = v.update(v.keys, func(tx *Tx) error {
		return tx.Audit(AuditEntry{Action: "vault.compact", Detail: fmt.Sprintf("%d -> %d bytes", before, after)})
	})
	return before, after, err
}
