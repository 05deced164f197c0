package practice

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// Buckets of the vault.
const (
	bPatients      = "patients"
	bConsultations = "consultations"
	bAppointments  = "appointments"
	bPatientLinks  = "patient-links"   // per patient: ids of consultations and appointments
	bHistory       = "patient-history" // per patient: changes (who, when, which fields)
	bDays          = "agenda-days"     // per day (keyed hash): appointment ids
)

// Options tune a Practice. Nil means defaults.
type Options struct {
	Store *store.Options
	// Actor is who acts, written in the audit journal ("practitioner").
	Actor string
	Now   func() time.Time
}

// Practice is an open vault with its use cases.
type Practice struct {
	vault *store.Vault
	index *patient.Index
	actor string
	now   func() time.Time

	mu     sync.Mutex
	onLock []func()

	indexStamp  atomic.Pointer[indexStamp] // the state the index in memory was made at
	savedStamp  atomic.Pointer[indexStamp] // the state of the saved index
	indexLoaded bool                       // the last unlock loaded the saved index (tests)

	hostingMu    sync.Mutex
	hosting      map[string]bool // patients kept off the host (see SyncExcluded)
	hostingValid atomic.Bool
}

func newPractice(v *store.Vault, o *Options) *Practice {
	p := &Practice{vault: v, index: patient.NewIndex(), actor: "practitioner", now: time.Now}
	if o != nil {
		if o.Actor != "" {
			p.actor = o.Actor
		}
		if o.Now != nil {
			p.now = o.Now
		}
	}
	return p
}

func storeOptions(o *Options) *store.Options {
	var so store.Options
	if o != nil && o.Store != nil {
		so = *o.Store
	}
	if o != nil {
		if so.Actor == "" {
			so.Actor = o.Actor
		}
		if so.Now == nil {
			so.Now = o.Now
		}
	}
	return &so
}

// Create makes a new practice vault in dir. It returns the practice,
// unlocked, and the recovery key to show once.
func Create(dir string, passphrase []byte, o *Options) (*Practice, string, error) {
	v, rk, err := store.Create(dir, passphrase, storeOptions(o))
	if err != nil {
		return nil, "", err
	}
	return newPractice(v, o), rk, nil
}

// Open opens the practice vault in dir, locked.
func Open(dir string, o *Options) (*Practice, error) {
	v, err := store.Open(dir, storeOptions(o))
	if err != nil {
		return nil, err
	}
	return newPractice(v, o), nil
}

// Dir is the vault directory.
func (p *Practice) Dir() string { return p.vault.Dir() }

// Vault gives adapters (backup scheduler, sync) the vault.
func (p *Practice) Vault() *store.Vault { return p.vault }

// Unlocked reports whether the vault is unlocked.
func (p *Practice) Unlocked() bool { return p.vault.Unlocked() }

// Unlock opens the vault with the passphrase and builds the search index.
func (p *Practice) Unlock(passphrase []byte) error {
	if err := p.vault.Unlock(passphrase); err != nil {
		return err
	}
	return p.afterUnlock()
}

// UnlockWith opens the vault with the passphrase and its key file (the
// second factor, when the vault has one).
func (p *Practice) UnlockWith(passphrase, keyFile []byte) error {
	if err := p.vault.UnlockWith(passphrase, keyFile); err != nil {
		return err
	}
	return p.afterUnlock()
}

// NeedsKeyFile reports whether unlocking asks for a key file too.
func (p *Practice) NeedsKeyFile() bool { return p.vault.NeedsKeyFile() }

// SetKeyFile adds, replaces (or with nil removes) the key file second
// factor; the passphrase must be the current one.
func (p *Practice) SetKeyFile(passphrase, keyFile []byte) error {
	return p.vault.SetKeyFile(passphrase, keyFile)
}

// TokenChallenge is what the PKCS#11 token must sign to unlock, or nil
// when the vault's second factor (if any) is not a token.
func (p *Practice) TokenChallenge() []byte { return p.vault.TokenChallenge() }

// SetToken makes a token's signature of challenge the second factor; the
// passphrase must be the current one.
func (p *Practice) SetToken(passphrase, challenge, signature []byte) error {
	return p.vault.SetToken(passphrase, challenge, signature)
}

// UnlockWithRecovery opens the vault with the recovery key.
func (p *Practice) UnlockWithRecovery(key string) error {
	if err := p.vault.UnlockWithRecovery(key); err != nil {
		return err
	}
	return p.afterUnlock()
}

func (p *Practice) afterUnlock() error {
	if err := p.migrate(); err != nil {
		p.vault.Lock()
		return err
	}
	if err := p.buildIndex(); err != nil {
		p.vault.Lock()
		return err
	}
	unlockHooks.Lock()
	hooks := unlockHooks.fns
	unlockHooks.Unlock()
	for _, h := range hooks {
		if err := h(p); err != nil {
			p.vault.Lock()
			return err
		}
	}
	return nil
}

var unlockHooks struct {
	sync.Mutex
	fns []func(*Practice) error
}

// AtUnlock registers fn to run after every unlock, before the practice is
// used: adapters that must see every change (sync) attach themselves
// there, so that no caller can forget to.
func AtUnlock(fn func(*Practice) error) {
	unlockHooks.Lock()
	unlockHooks.fns = append(unlockHooks.fns, fn)
	unlockHooks.Unlock()
}

// buildIndex makes the search index at unlock: from its sealed snapshot
// when no patient changed since it was written (see saveIndex), else by
// decrypting every patient.
func (p *Practice) buildIndex() error {
	ix, stamp, err := p.loadIndex()
	if err != nil {
		return err
	}
	p.indexLoaded = ix != nil
	if ix != nil {
		p.savedStamp.Store(&stamp)
	} else {
		p.savedStamp.Store(nil)
		if ix, stamp, err = p.freshIndex(); err != nil {
			return err
		}
	}
	p.index.ReplaceWith(ix)
	p.indexStamp.Store(&stamp)
	return nil
}

// indexStamp says which state of the patients a search index reflects:
// the write counts of the buckets it is made from.
type indexStamp struct{ Patients, Flags uint64 }

const bSearchIndex = "search-index" // the sealed snapshot of the search index, on this device only

func stampOf(tx *store.Tx) (indexStamp, error) {
	pg, err := tx.Generation(bPatients)
	if err != nil {
		return indexStamp{}, err
	}
	fg, err := tx.Generation(bFlags)
	return indexStamp{pg, fg}, err
}

func (s indexStamp) bytes() []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, s.Patients), s.Flags)
}

// loadIndex returns the saved index if it is still valid, or nil.
func (p *Practice) loadIndex() (*patient.Index, indexStamp, error) {
	var now indexStamp
	var ix *patient.Index
	err := p.vault.View(func(tx *store.Tx) (err error) {
		if now, err = stampOf(tx); err != nil {
			return err
		}
		raw, err := tx.Get(bSearchIndex, tx.NamedID("snapshot"))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		defer clear(raw)
		if len(raw) < 16 || !bytes.Equal(raw[:16], now.bytes()) {
			return nil // stale: something wrote to the patients since
		}
		ix, _ = patient.LoadIndex(raw[16:]) // unreadable: nil, rebuilt from the records
		return nil
	})
	return ix, now, err
}

// writeIndex seals the index in the vault, unless a patient changed since
// the state it reflects.
func (p *Practice) writeIndex(ix *patient.Index, stamp indexStamp) error {
	data := append(stamp.bytes(), ix.Snapshot()...)
	defer clear(data)
	return p.vault.Update(func(tx *store.Tx) error {
		now, err := stampOf(tx)
		if err != nil || now != stamp {
			return err
		}
		if err := tx.Put(bSearchIndex, tx.NamedID("snapshot"), data); err != nil {
			return err
		}
		p.savedStamp.Store(&stamp)
		return nil
	})
}

// saveIndex brings the saved index up to date before the vault locks, so
// that the next unlock loads it instead of decrypting every patient. The
// index in memory is written when nothing wrote to the patients since it
// was made (it is then exactly what the records give); otherwise it is
// made afresh from the records, so it is right whatever wrote meanwhile.
func (p *Practice) saveIndex() error {
	var now indexStamp
	if err := p.vault.View(func(tx *store.Tx) (err error) { now, err = stampOf(tx); return err }); err != nil {
		return err
	}
	if saved := p.savedStamp.Load(); saved != nil && *saved == now {
		return nil
	}
	if made := p.indexStamp.Load(); made != nil && *made == now {
		return p.writeIndex(p.index, now)
	}
	ix, stamp, err := p.freshIndex()
	if err != nil {
		return err
	}
	return p.writeIndex(ix, stamp)
}

// freshIndex decrypts every patient once and indexes them. The decoding
// is spread over the CPUs.
func (p *Practice) freshIndex() (*patient.Index, indexStamp, error) {
	var raws [][]byte
	var stamp indexStamp
	archived := map[store.ID]bool{} // archived records stay out of daily search
	err := p.vault.View(func(tx *store.Tx) error {
		var err error
		if stamp, err = stampOf(tx); err != nil {
			return err
		}
		if err := tx.ForEach(bFlags, func(id store.ID, v []byte) error {
			var f Flags
			if json.Unmarshal(v, &f) == nil && f.Archived != "" {
				archived[id] = true
			}
			return nil
		}); err != nil {
			return err
		}
		raws = make([][]byte, 0, tx.Count(bPatients))
		return tx.ForEach(bPatients, func(id store.ID, v []byte) error {
			if !archived[id] {
				raws = append(raws, append([]byte(nil), v...))
			}
			return nil
		})
	})
	if err != nil {
		return nil, stamp, err
	}
	ps := make([]patient.Patient, len(raws))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(raws); i += workers {
				if err := json.Unmarshal(raws[i], &ps[i]); err != nil && errs[w] == nil {
					errs[w] = fmt.Errorf("decode patient: %w", store.ErrCorrupt)
				}
				clear(raws[i])
			}
		}(w)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, stamp, err
	}
	ix := patient.NewIndex()
	ix.PutAll(ps)
	return ix, stamp, nil
}

// OnLock registers fn to run after the vault locks (the GUI returns to the
// unlock screen).
func (p *Practice) OnLock(fn func()) {
	p.mu.Lock()
	p.onLock = append(p.onLock, fn)
	p.mu.Unlock()
}

// Lock drops the keys and the search index from memory.
func (p *Practice) Lock() {
	wasUnlocked := p.vault.Unlocked()
	if wasUnlocked {
		_ = p.saveIndex() // best effort: without it the next unlock rebuilds
	}
	p.vault.Lock()
	p.index.Clear()
	if !wasUnlocked {
		return
	}
	p.mu.Lock()
	fns := append([]func(){}, p.onLock...)
	p.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// Close locks and closes the vault.
func (p *Practice) Close() error {
	p.Lock()
	return p.vault.Close()
}

// ChangePassphrase rewraps the data key under a new passphrase.
func (p *Practice) ChangePassphrase(old, new []byte) error {
	if err := CheckPassphraseStrength(new); err != nil {
		return err
	}
	return p.vault.ChangePassphrase(old, new)
}

// SetPassphrase sets a new passphrase after a recovery-key unlock.
func (p *Practice) SetPassphrase(new []byte) error {
	if err := CheckPassphraseStrength(new); err != nil {
		return err
	}
	return p.vault.SetPassphrase(new)
}

// MinPassphraseLength is the shortest passphrase accepted for a real vault.
const MinPassphraseLength = 12

// CheckPassphraseStrength refuses passphrases too short to resist a search
// on a stolen laptop.
func CheckPassphraseStrength(pass []byte) error {
	if len([]rune(string(pass))) < MinPassphraseLength {
		return msg.New(
			fmt.Sprintf("La phrase de passe doit compter au moins %d caractères (plusieurs mots, par exemple).", MinPassphraseLength),
			fmt.Sprintf("The passphrase must be at least %d characters long (several words, for example).", MinPassphraseLength))
	}
	return nil
}

// VerifyAudit checks the audit journal's chain.
func (p *Practice) VerifyAudit() (store.AuditReport, error) { return p.vault.VerifyAudit() }

// AuditEntries lists the audit journal, oldest first.
func (p *Practice) AuditEntries(fn func(store.AuditEntry) error) error {
	return p.vault.AuditEntries(fn)
}

// Backup writes a verified, still encrypted copy of the vault to path.
func (p *Practice) Backup(ctx context.Context, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.vault.BackupFile(path)
}

// Restore replaces (or creates) the vault in dir with a backup, after
// checking it opens with passphrase and is intact.
func Restore(dir, from string, passphrase []byte, o *Options) error {
	return store.Restore(dir, from, passphrase, storeOptions(o))
}

func (p *Practice) audit(tx *store.Tx, action, object string) error {
	return tx.Audit(store.AuditEntry{Actor: p.actor, Action: action, Object: object})
}
