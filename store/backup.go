package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the vault file, still sealed, to w.
// It runs in a read transaction: work goes on meanwhile.
func (v *Vault) Backup(w io.Writer) (int64, error) {
	var n int64
	err := v.View(func(tx *Tx) error {
		var err error
		n, err = tx.tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", classifyFSError(err))
	}
	return n, nil
}

// BackupFile writes a backup to path atomically (temporary file, fsync,
// rename), checks it by reopening it, and records it in the audit journal.
func (v *Vault) BackupFile(path string) (err error) {
	// The entry goes in before the copy, so that a backup carries the
	// record of its own making; a failure is recorded after it.
	if err := v.Update(func(tx *Tx) error { return tx.Audit(AuditEntry{Action: "vault.backup"}) }); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = v.Update(func(tx *Tx) error { return tx.Audit(AuditEntry{Action: "vault.backup-failed"}) })
		}
	}()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cabinet-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", classifyFSError(err))
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := v.Backup(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("backup: %w", classifyFSError(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", classifyFSError(err))
	}
	if err := v.checkCopy(tmp.Name()); err != nil {
		return fmt.Errorf("backup verification: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backup: %w", classifyFSError(err))
	}
	done = true
	syncDir(filepath.Dir(path))
	return nil
}

// checkCopy opens a copy of this vault read-only and checks it with the
// keys in memory: same data key, every value authenticates, audit intact.
func (v *Vault) checkCopy(path string) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.checkCopyLocked(path)
}

// checkCopyLocked is checkCopy with v.mu held.
func (v *Vault) checkCopyLocked(path string) error {
	k := v.keys
	if k == nil {
		return ErrLocked
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	db, err := openBolt(path, Options{LockTimeout: v.opts.LockTimeout}, true)
	if err != nil {
		return err
	}
	defer db.Close()
	h, err := readHeader(db, st.Size())
	if err != nil {
		return err
	}
	if !bytes.Equal(h.ByPassphrase, v.hdr.ByPassphrase) && !bytes.Equal(h.ByRecovery, v.hdr.ByRecovery) {
		return errors.New("the copy belongs to another vault")
	}
	c := &Vault{dir: filepath.Dir(path), db: db, opts: v.opts, hdr: h, keys: k}
	return c.check()
}

// Check opens every value of the vault and verifies the audit journal. It
// returns the first problem found, as an [ErrCorrupt].
func (v *Vault) Check() error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.keys == nil {
		return ErrLocked
	}
	return v.check()
}

func (v *Vault) check() error {
	return guarded(func() error {
		return v.db.View(func(btx *bolt.Tx) error {
			for err := range btx.Check() {
				return corrupt("file structure", err.Error())
			}
			tx := &Tx{v: v, tx: btx, k: v.keys}
			names, err := tx.bucketNames()
			if err != nil {
				return err
			}
			for _, n := range names {
				if n == auditBucket {
					continue
				}
				if err := tx.ForEach(n, func(ID, []byte) error { return nil }); err != nil {
					return err
				}
			}
			rep, err := tx.verifyAudit(nil)
			if err != nil {
				return err
			}
			if rep.Break != nil {
				return corrupt("audit journal", rep.Break.Error())
			}
			return nil
		})
	})
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Restore replaces the vault in dir with the backup at from, after checking
// that passphrase opens the backup and that every value in it
// authenticates. An existing vault is kept in dir/backups as
// "before-restore-*.vault". The restored vault is recorded in its audit
// journal. dir may be a new directory.
func Restore(dir, from string, passphrase []byte, o *Options) error {
	opts := o.withDefaults()
	st, err := os.Stat(from)
	if err != nil {
		return fmt.Errorf("restore: cannot read the backup: %w", err)
	}
	db, err := openBolt(from, opts, true)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	h, err := readHeader(db, st.Size())
	if err != nil {
		db.Close()
		return fmt.Errorf("restore: %w", err)
	}
	b := &Vault{dir: filepath.Dir(from), db: db, opts: opts, hdr: h}
	kek := deriveKEK(passphrase, h.Salt, h.KDF)
	data, err := open(kek, h.ByPassphrase, h.wrapAD("passphrase"))
	wipe(kek)
	if err != nil {
		db.Close()
		return fmt.Errorf("restore: %w (the passphrase in force when the backup was made)", ErrWrongPassphrase)
	}
	k := deriveKeys(data)
	b.keys = k
	err = b.check()
	db.Close()
	k.wipe()
	if err != nil {
		return fmt.Errorf("restore: the backup is damaged: %w", err)
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", classifyFSError(err))
	}
	target := filepath.Join(dir, FileName)
	var current *Vault
	if Exists(dir) {
		// Holding the current vault open keeps other Cabinet processes out
		// while its file is swapped.
		current, err = Open(dir, &opts)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer current.Close()
	}
	tmp, err := os.CreateTemp(dir, ".cabinet-restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", classifyFSError(err))
	}
	defer os.Remove(tmp.Name())
	src, err := os.Open(from)
	if err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	_, err = io.Copy(tmp, src)
	src.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: %w", classifyFSError(err))
	}
	if current != nil {
		keep := filepath.Join(dir, BackupDir)
		if err := os.MkdirAll(keep, 0o700); err != nil {
			return fmt.Errorf("restore: %w", classifyFSError(err))
		}
		old := filepath.Join(keep, "before-restore-"+NewID().String()[:8]+".vault")
		if err := os.Link(target, old); err != nil {
			return fmt.Errorf("restore: keep the current vault: %w", classifyFSError(err))
		}
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("restore: %w", classifyFSError(err))
	}
	syncDir(dir)
	if current != nil {
		current.Close()
	}
	v, err := Open(dir, &opts)
	if err != nil {
		return fmt.Errorf("restore: reopen: %w", err)
	}
	defer v.Close()
	if err := v.Unlock(passphrase); err != nil {
		return fmt.Errorf("restore: reopen: %w", err)
	}
	if err := v.Check(); err != nil {
		return fmt.Errorf("restore: reopen: %w", err)
	}
	return v.Update(func(tx *Tx) error {
		return tx.Audit(AuditEntry{Action: "vault.restore"})
	})
}
