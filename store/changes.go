package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ChangeHook is called inside the write transaction for every Put and
// Delete made through [Tx.Put] and [Tx.Delete], so that an adapter (sync)
// can record the change atomically with it. Writes made with
// [Tx.PutQuiet] and [Tx.DeleteQuiet] (the adapter applying remote changes)
// do not call it. An error from the hook aborts the transaction.
type ChangeHook func(t *Tx, bucket string, id ID, deleted bool) error

// SetChangeHook installs h (nil removes it). It applies to transactions
// started afterwards.
func (v *Vault) SetChangeHook(h ChangeHook) {
	v.mu.Lock()
	v.hook = h
	v.mu.Unlock()
}

func (t *Tx) changed(bucket string, id ID, deleted bool) error {
	if t.hook == nil || t.quiet {
		return nil
	}
	return t.hook(t, bucket, id, deleted)
}

// PutQuiet stores value like [Tx.Put] without calling the change hook.
func (t *Tx) PutQuiet(bucket string, id ID, value []byte) error {
	q := t.quiet
	t.quiet = true
	defer func() { t.quiet = q }()
	return t.Put(bucket, id, value)
}

// DeleteQuiet removes a value like [Tx.Delete] without calling the change
// hook.
func (t *Tx) DeleteQuiet(bucket string, id ID) error {
	q := t.quiet
	t.quiet = true
	defer func() { t.quiet = q }()
	return t.Delete(bucket, id)
}

// SyncKey returns a copy of the key that seals what leaves the device. It
// is derived from the data key, so every device of a practice shares it.
func (v *Vault) SyncKey() ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.keys == nil {
		return nil, ErrLocked
	}
	return append([]byte(nil), v.keys.sync...), nil
}

// recoveryWrap is the data key sealed by the recovery key, with its salt:
// what a new device needs, with the recovery key, to open the practice's
// data. Without the recovery key it is 160 bits away from useless.
type recoveryWrap struct {
	Salt       []byte `json:"salt"`
	ByRecovery []byte `json:"data_key_by_recovery"`
}

// RecoveryWrap returns the data key wrapped by the recovery key, for a new
// device to join with [Join].
func (v *Vault) RecoveryWrap() ([]byte, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.hdr == nil {
		return nil, ErrClosed
	}
	return json.Marshal(recoveryWrap{Salt: v.hdr.RecoverySalt, ByRecovery: v.hdr.ByRecovery})
}

// Join creates a vault in dir holding the data key of another device's
// vault, unwrapped from wrap (see [Vault.RecoveryWrap]) with the recovery
// key, and protected here by passphrase. The recovery key stays the same.
func Join(dir string, passphrase []byte, recoveryKey string, wrap []byte, o *Options) (*Vault, error) {
	var w recoveryWrap
	if err := json.Unmarshal(wrap, &w); err != nil || len(w.Salt) < 16 || len(w.ByRecovery) == 0 {
		return nil, corrupt("remote key", "unreadable")
	}
	secret, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		return nil, err
	}
	rkek := recoveryKEK(secret, w.Salt)
	wipe(secret)
	h := &header{RecoverySalt: w.Salt}
	data, err := open(rkek, w.ByRecovery, h.wrapAD("recovery"))
	wipe(rkek)
	if err != nil {
		return nil, ErrWrongRecoveryKey
	}
	v, _, err := create(dir, passphrase, o, data, w.Salt, w.ByRecovery)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// removeNew deletes a vault file that create could not finish.
func removeNew(dir string) { os.Remove(filepath.Join(dir, FileName)) }

var errNoKey = errors.New("no data key")

func checkDataKey(data []byte) error {
	if len(data) != keySize {
		return fmt.Errorf("create vault: %w", errNoKey)
	}
	return nil
}
