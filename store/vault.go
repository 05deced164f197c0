package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterr "go.etcd.io/bbolt/errors"
	"golang.org/x/crypto/nacl/box"
)

// FileName is the name of the bbolt file inside a vault directory.
const FileName = "cabinet.vault"

// BackupDir is the folder inside the vault directory for backups.
const BackupDir = "backups"

// The meta bucket is the only bucket with a clear name; it holds the header
// (clear) and sealed bookkeeping values.
var (
	metaBucket   = []byte("cabinet")
	headerKey    = []byte("header")
	failBoxKey   = []byte("failbox")
	auditHeadKey = []byte("chain")
	auditCPKey   = []byte("chain-checkpoint")
	bucketsKey   = []byte("buckets")
	failedBucket = []byte("failed")
)

// Options tune a vault. The zero value and nil mean defaults.
type Options struct {
	// KDF sets the Argon2id parameters of a new vault. Nil calibrates
	// [DefaultKDF] to about half a second on this machine.
	KDF *KDFParams
	// LockTimeout is how long Open waits for another process to release the
	// vault (default 500 ms).
	LockTimeout time.Duration
	// Actor is written in audit entries made by the vault itself
	// (unlock, lock...). Default "practitioner".
	Actor string
	// Now is the clock (default time.Now).
	Now func() time.Time

	sleep func(time.Duration) // the brute-force delay; tests record it
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.LockTimeout == 0 {
		r.LockTimeout = 500 * time.Millisecond
	}
	if r.Actor == "" {
		r.Actor = "practitioner"
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// Vault is an open vault. It is locked until [Vault.Unlock] succeeds. Its
// methods are safe for concurrent use.
type Vault struct {
	dir  string
	db   *bolt.DB
	opts Options

	mu   sync.RWMutex // guards keys, hdr and hook; held for reading by every transaction
	hdr  *header
	keys *keys // nil while locked
	hook ChangeHook
}

type keys struct {
	data, records, names, audit, sync []byte
	failPriv                          *[32]byte
	keyFile                           []byte // SHA-256 of the key file the vault was unlocked with, if any
}

func (k *keys) wipe() {
	wipe(k.keyFile)
	wipe(k.data)
	wipe(k.records)
	wipe(k.names)
	wipe(k.audit)
	wipe(k.sync)
	if k.failPriv != nil {
		wipe(k.failPriv[:])
	}
}

func deriveKeys(data []byte) *keys {
	return &keys{
		data:    data,
		records: subKey(data, "records"),
		names:   subKey(data, "bucket names"),
		audit:   subKey(data, "audit mac"),
		sync:    subKey(data, "sync"),
	}
}

// Dir is the vault's directory.
func (v *Vault) Dir() string { return v.dir }

// Path is the bbolt file's path.
func (v *Vault) Path() string { return filepath.Join(v.dir, FileName) }

// Exists reports whether dir holds a vault file.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, FileName))
	return err == nil
}

// Create makes a new vault in dir (created if needed) protected by
// passphrase. It returns the vault, unlocked, and the recovery key, which is
// shown once and never stored.
func Create(dir string, passphrase []byte, o *Options) (*Vault, string, error) {
	return create(dir, passphrase, o, nil, nil, nil)
}

// create makes a vault with a new data key and recovery key, or, for a
// device joining a practice, with the given data key and its recovery
// wrapping.
func create(dir string, passphrase []byte, o *Options, data, recoverySalt, byRecovery []byte) (*Vault, string, error) {
	opts := o.withDefaults()
	if len(passphrase) == 0 {
		return nil, "", errors.New("create vault: empty passphrase")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", fmt.Errorf("create vault directory: %w", classifyFSError(err))
	}
	if Exists(dir) {
		return nil, "", ErrVaultExists
	}
	kdf := DefaultKDF
	if opts.KDF != nil {
		kdf = *opts.KDF
	} else {
		kdf = calibrate(kdf, 500*time.Millisecond)
	}
	db, err := openBolt(filepath.Join(dir, FileName), opts, false)
	if err != nil {
		return nil, "", err
	}
	v := &Vault{dir: dir, db: db, opts: opts}

	var display string
	if data == nil {
		var secret []byte
		data = randomBytes(keySize)
		display, secret = newRecoveryKey()
		recoverySalt = randomBytes(16)
		rkek := recoveryKEK(secret, recoverySalt)
		h := &header{RecoverySalt: recoverySalt}
		byRecovery = seal(rkek, data, h.wrapAD("recovery"))
		wipe(rkek)
		wipe(secret)
	} else if err := checkDataKey(data); err != nil {
		db.Close()
		removeNew(dir)
		return nil, "", err
	}
	pub, priv, err := box.GenerateKey(rand.Reader)
	if err != nil {
		db.Close()
		return nil, "", err
	}
	h := &header{
		Format:        formatVersion,
		KDF:           kdf,
		Salt:          randomBytes(16),
		RecoverySalt:  recoverySalt,
		ByRecovery:    byRecovery,
		FailBoxPublic: pub[:],
	}
	kek := deriveKEK(passphrase, h.Salt, kdf)
	h.ByPassphrase = seal(kek, data, h.wrapAD("passphrase"))
	wipe(kek)
	k := deriveKeys(data)
	k.failPriv = priv
	err = v.update(k, func(tx *Tx) error {
		meta, err := tx.tx.CreateBucket(metaBucket)
		if err != nil {
			return err
		}
		if _, err := meta.CreateBucket(failedBucket); err != nil {
			return err
		}
		if err := meta.Put(headerKey, h.encode()); err != nil {
			return err
		}
		if err := meta.Put(failBoxKey, seal(k.records, priv[:], associatedData("meta", failBoxKey))); err != nil {
			return err
		}
		return tx.appendAudit(AuditEntry{Actor: opts.Actor, Action: "vault.create"})
	})
	if err != nil {
		db.Close()
		os.Remove(filepath.Join(dir, FileName))
		return nil, "", fmt.Errorf("create vault: %w", err)
	}
	v.hdr = h
	v.keys = k
	return v, display, nil
}

// calibrate raises the Argon2id time cost until one derivation takes about
// target on this machine. It never goes below p.
func calibrate(p KDFParams, target time.Duration) KDFParams {
	start := time.Now()
	deriveKEK([]byte("calibration"), make([]byte, 16), p)
	took := time.Since(start)
	if took <= 0 || took >= target*8/10 {
		return p
	}
	t := uint32(float64(p.Time) * float64(target) / float64(took))
	if t > 12 {
		t = 12
	}
	if t > p.Time {
		p.Time = t
	}
	return p
}

// Open opens the vault in dir, locked. It fails with [ErrNoVault],
// [ErrAlreadyOpen] (within LockTimeout), [ErrReadOnly] or [ErrCorrupt].
func Open(dir string, o *Options) (*Vault, error) {
	opts := o.withDefaults()
	path := filepath.Join(dir, FileName)
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoVault
	}
	if err != nil {
		return nil, fmt.Errorf("open vault: %w", classifyFSError(err))
	}
	if st.IsDir() {
		return nil, ErrNoVault
	}
	if err := checkWritableDir(dir); err != nil {
		return nil, err
	}
	db, err := openBolt(path, opts, false)
	if err != nil {
		return nil, err
	}
	v := &Vault{dir: dir, db: db, opts: opts}
	h, err := readHeader(db, st.Size())
	if err != nil {
		db.Close()
		return nil, err
	}
	v.hdr = h
	return v, nil
}

// checkWritableDir makes sure backups and the bbolt file can be written:
// permission bits do not tell when running as root or on a read-only mount.
func checkWritableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".cabinet-probe-*")
	if err != nil {
		return fmt.Errorf("%w: %s: the folder must be writable", ErrReadOnly, dir)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

func openBolt(path string, opts Options, readOnly bool) (db *bolt.DB, err error) {
	if err := preflight(path); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = corrupt("file structure", "the file cannot be read as a vault")
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.LockTimeout, ReadOnly: readOnly})
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, bolterr.ErrTimeout):
		return nil, ErrAlreadyOpen
	case errors.Is(err, bolterr.ErrInvalid), errors.Is(err, bolterr.ErrChecksum),
		errors.Is(err, bolterr.ErrVersionMismatch):
		return nil, corrupt("file structure", "not a Cabinet vault, or its first pages are damaged")
	default:
		cerr := classifyFSError(err)
		if cerr != err {
			return nil, cerr
		}
		// bbolt reports short and garbled files with plain errors.
		return nil, corrupt("file structure", "the file is too short or damaged")
	}
}

func classifyFSError(err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%w: %v", ErrReadOnly, err)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EFBIG), errors.Is(err, syscall.EDQUOT),
		// bbolt wraps some errors with %s: match their text too.
		err != nil && (strings.Contains(err.Error(), syscall.ENOSPC.Error()) || strings.Contains(err.Error(), syscall.EFBIG.Error()) ||
			strings.Contains(err.Error(), syscall.EDQUOT.Error())):
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	return err
}

func readHeader(db *bolt.DB, fileSize int64) (h *header, err error) {
	err = guarded(func() error {
		return db.View(func(tx *bolt.Tx) error {
			if tx.Size() > fileSize {
				return corrupt("file structure", fmt.Sprintf("the file is truncated (%d of %d bytes)", fileSize, tx.Size()))
			}
			meta := tx.Bucket(metaBucket)
			if meta == nil {
				return corrupt("header", "missing: this file is not a Cabinet vault")
			}
			var derr error
			h, derr = decodeHeader(meta.Get(headerKey))
			return derr
		})
	})
	return h, err
}

// guarded runs fn, turning a panic or memory fault inside bbolt (a damaged
// page) into an ErrCorrupt.
func guarded(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = corrupt("file structure", "a page of the file is damaged")
		}
	}()
	return fn()
}

// KDF returns the Argon2id parameters in the header.
func (v *Vault) KDF() KDFParams {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.hdr.KDF
}

// Unlocked reports whether the keys are in memory.
func (v *Vault) Unlocked() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys != nil
}

// Unlock derives the key from passphrase and unwraps the data key. A wrong
// passphrase is recorded, sealed, and shows in the audit journal at the next
// successful unlock.
func (v *Vault) Unlock(passphrase []byte) error { return v.UnlockWith(passphrase, nil) }

// NeedsKeyFile reports whether the vault asks for a key file besides the
// passphrase (readable while locked).
func (v *Vault) NeedsKeyFile() bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.hdr != nil && v.hdr.KeyFile
}

// kekFor derives the key that wraps the data key under the passphrase and,
// when the vault has one, the key file's hash: neither opens it alone.
func kekFor(passphrase, keyFileHash []byte, h *header) []byte {
	kek := deriveKEK(passphrase, h.Salt, h.KDF)
	if !h.KeyFile {
		return kek
	}
	both := subKey(append(kek, keyFileHash...), "kek with key file")
	wipe(kek)
	return both
}

// UnlockWith opens the vault with the passphrase and, when the vault was
// set up with one, the contents of the key file.
func (v *Vault) UnlockWith(passphrase, keyFile []byte) error {
	v.mu.RLock()
	h := v.hdr
	v.mu.RUnlock()
	if h == nil {
		return ErrClosed
	}
	if h.KeyFile && len(keyFile) == 0 {
		return ErrKeyFileNeeded
	}
	var kf []byte
	if h.KeyFile {
		sum := sha256.Sum256(keyFile)
		kf = sum[:]
	}
	kek := kekFor(passphrase, kf, h)
	data, err := open(kek, h.ByPassphrase, h.wrapAD("passphrase"))
	wipe(kek)
	if err != nil {
		v.failedUnlock("passphrase")
		return ErrWrongPassphrase
	}
	if err := v.finishUnlock(data, "passphrase"); err != nil {
		return err
	}
	v.mu.Lock()
	if v.keys != nil {
		v.keys.keyFile = kf
	}
	v.mu.Unlock()
	return nil
}

// SetKeyFile adds a key file as a second factor (or replaces it; nil
// removes it): the data key is rewrapped under the passphrase and the new
// factor. The recovery key still opens the vault alone.
func (v *Vault) SetKeyFile(passphrase, keyFile []byte) error {
	return v.setFactor(passphrase, keyFile, nil)
}

// NewTokenChallenge returns a random challenge for [Vault.SetToken].
func NewTokenChallenge() []byte { return randomBytes(32) }

// SetToken makes a PKCS#11 token the second factor: signature is the
// token's signature of challenge, which the vault keeps (in clear: it is
// no secret) so that each unlock asks the token to sign it again.
func (v *Vault) SetToken(passphrase, challenge, signature []byte) error {
	if len(challenge) < 16 || len(signature) == 0 {
		return errors.New("token factor: empty challenge or signature")
	}
	return v.setFactor(passphrase, signature, challenge)
}

// TokenChallenge is what the token must sign to unlock, or nil when the
// second factor is not a token (readable while locked).
func (v *Vault) TokenChallenge() []byte {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.hdr == nil || !v.hdr.KeyFile {
		return nil
	}
	return append([]byte(nil), v.hdr.TokenChallenge...)
}

func (v *Vault) setFactor(passphrase, keyFile, challenge []byte) error {
	v.mu.RLock()
	k := v.keys
	old := v.hdr
	v.mu.RUnlock()
	if k == nil {
		return ErrLocked
	}
	// The passphrase must be the current one (with the current factor).
	kek := kekFor(passphrase, k.keyFile, old)
	if _, err := open(kek, old.ByPassphrase, old.wrapAD("passphrase")); err != nil {
		wipe(kek)
		v.recordFailedUnlock("second factor change")
		return ErrWrongPassphrase
	}
	wipe(kek)
	h := *old
	h.KeyFile = len(keyFile) > 0
	h.TokenChallenge = nil
	if h.KeyFile {
		h.TokenChallenge = challenge
	}
	var kf []byte
	if h.KeyFile {
		sum := sha256.Sum256(keyFile)
		kf = sum[:]
	}
	h.Salt = randomBytes(16)
	kek = kekFor(passphrase, kf, &h)
	h.ByPassphrase = seal(kek, k.data, h.wrapAD("passphrase"))
	wipe(kek)
	action := "vault.second-factor-remove"
	if h.KeyFile {
		action = "vault.second-factor-set"
	}
	err := v.Update(func(tx *Tx) error {
		if err := tx.tx.Bucket(metaBucket).Put(headerKey, h.encode()); err != nil {
			return err
		}
		return tx.appendAudit(AuditEntry{Actor: v.opts.Actor, Action: action})
	})
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.hdr = &h
	if v.keys != nil {
		v.keys.keyFile = kf
	}
	v.mu.Unlock()
	return nil
}

// UnlockWithRecovery unwraps the data key with the recovery key shown at
// creation. The caller should then ask for a new passphrase
// ([Vault.SetPassphrase]).
func (v *Vault) UnlockWithRecovery(recoveryKey string) error {
	v.mu.RLock()
	h := v.hdr
	v.mu.RUnlock()
	if h == nil {
		return ErrClosed
	}
	secret, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		v.failedUnlock("recovery key")
		return err
	}
	rkek := recoveryKEK(secret, h.RecoverySalt)
	wipe(secret)
	data, err := open(rkek, h.ByRecovery, h.wrapAD("recovery"))
	wipe(rkek)
	if err != nil {
		v.failedUnlock("recovery key")
		return ErrWrongRecoveryKey
	}
	return v.finishUnlock(data, "recovery key")
}

func (v *Vault) finishUnlock(data []byte, how string) error {
	k := deriveKeys(data)
	var failed []failedUnlock
	err := guarded(func() error {
		return v.db.View(func(tx *bolt.Tx) error {
			meta := tx.Bucket(metaBucket)
			priv, err := open(k.records, meta.Get(failBoxKey), associatedData("meta", failBoxKey))
			if err != nil || len(priv) != 32 {
				return corrupt("meta", "failed-unlock key does not authenticate")
			}
			k.failPriv = new([32]byte)
			copy(k.failPriv[:], priv)
			wipe(priv)
			return nil
		})
	})
	if err != nil {
		k.wipe()
		return err
	}
	// Move sealed failed attempts into the audit journal, then log this unlock.
	err = v.update(k, func(tx *Tx) error {
		fb := tx.tx.Bucket(metaBucket).Bucket(failedBucket)
		pub := (*[32]byte)(v.hdr.FailBoxPublic)
		var dels [][]byte
		err := fb.ForEach(func(key, val []byte) error {
			dels = append(dels, append([]byte(nil), key...))
			pt, ok := box.OpenAnonymous(nil, val, pub, k.failPriv)
			var f failedUnlock
			if !ok || json.Unmarshal(pt, &f) != nil {
				f = failedUnlock{How: "unreadable record"}
			}
			failed = append(failed, f)
			return nil
		})
		if err != nil {
			return err
		}
		for _, key := range dels {
			if err := fb.Delete(key); err != nil {
				return err
			}
		}
		for _, f := range failed {
			if err := tx.appendAudit(AuditEntry{Time: f.Time, Actor: "unknown", Action: "vault.unlock-failed", Detail: f.How}); err != nil {
				return err
			}
		}
		return tx.appendAudit(AuditEntry{Actor: v.opts.Actor, Action: "vault.unlock", Detail: how})
	})
	if err != nil {
		k.wipe()
		return fmt.Errorf("unlock: %w", err)
	}
	v.mu.Lock()
	if v.keys != nil {
		v.keys.wipe()
	}
	v.keys = k
	v.mu.Unlock()
	return nil
}

// UnlockDelay is the wait after the n-th failed unlock since the last
// success: none for the first two (a typo), then doubling from half a
// second up to 30 seconds, so that guessing online stays slow even before
// the key derivation's own cost.
func UnlockDelay(n int) time.Duration {
	if n < 3 {
		return 0
	}
	d := 500 * time.Millisecond << min(n-3, 10)
	return min(d, 30*time.Second)
}

// failedUnlock records the attempt, then makes the caller wait according
// to how many attempts failed since the last success (kept in the file, so
// restarting the program does not reset it).
func (v *Vault) failedUnlock(how string) {
	v.recordFailedUnlock(how)
	n := 0
	_ = guarded(func() error {
		return v.db.View(func(tx *bolt.Tx) error {
			if meta := tx.Bucket(metaBucket); meta != nil {
				if fb := meta.Bucket(failedBucket); fb != nil {
					n = fb.Stats().KeyN
				}
			}
			return nil
		})
	})
	if d := UnlockDelay(n); d > 0 {
		sleep := v.opts.sleep
		if sleep == nil {
			sleep = time.Sleep
		}
		sleep(d)
	}
}

type failedUnlock struct {
	Time time.Time `json:"time"`
	How  string    `json:"how"`
}

// recordFailedUnlock seals the attempt to the failed-unlock public key: the
// file shows neither its time nor its kind, and only an unlocked vault reads
// it back into the audit journal.
func (v *Vault) recordFailedUnlock(how string) {
	pt, _ := json.Marshal(failedUnlock{Time: v.opts.Now().UTC(), How: how})
	sealed, err := box.SealAnonymous(nil, pt, (*[32]byte)(v.hdr.FailBoxPublic), rand.Reader)
	if err != nil {
		return
	}
	_ = guarded(func() error {
		return v.db.Update(func(tx *bolt.Tx) error {
			meta := tx.Bucket(metaBucket)
			if meta == nil {
				return nil
			}
			fb, err := meta.CreateBucketIfNotExists(failedBucket)
			if err != nil {
				return err
			}
			return fb.Put(randomBytes(16), sealed)
		})
	})
}

// Lock writes a lock entry to the audit journal and drops every key from
// memory. It waits for transactions under way.
func (v *Vault) Lock() {
	v.mu.RLock()
	k := v.keys
	v.mu.RUnlock()
	if k == nil {
		return
	}
	_ = v.Update(func(tx *Tx) error {
		return tx.appendAudit(AuditEntry{Actor: v.opts.Actor, Action: "vault.lock"})
	})
	v.mu.Lock()
	if v.keys != nil {
		v.keys.wipe()
		v.keys = nil
	}
	v.mu.Unlock()
}

// Close locks the vault and releases the file.
func (v *Vault) Close() error {
	v.Lock()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.db == nil {
		return nil
	}
	err := v.db.Close()
	v.db = nil
	v.hdr = nil
	return err
}

// ChangePassphrase checks old and rewraps the data key under new. Records
// are not re-encrypted. The vault must be unlocked.
func (v *Vault) ChangePassphrase(old, new []byte) error {
	v.mu.RLock()
	h := v.hdr
	v.mu.RUnlock()
	var kf []byte
	v.mu.RLock()
	if v.keys != nil {
		kf = v.keys.keyFile
	}
	v.mu.RUnlock()
	if h.KeyFile && kf == nil {
		return ErrKeyFileNeeded
	}
	kek := kekFor(old, kf, h)
	data, err := open(kek, h.ByPassphrase, h.wrapAD("passphrase"))
	wipe(kek)
	if err != nil {
		v.recordFailedUnlock("passphrase change")
		return ErrWrongPassphrase
	}
	wipe(data)
	return v.SetPassphrase(new)
}

// SetPassphrase rewraps the data key under a new passphrase with a fresh
// salt. The vault must be unlocked (by passphrase or recovery key).
func (v *Vault) SetPassphrase(passphrase []byte) error {
	if len(passphrase) == 0 {
		return errors.New("set passphrase: empty passphrase")
	}
	v.mu.RLock()
	k := v.keys
	old := v.hdr
	v.mu.RUnlock()
	if k == nil {
		return ErrLocked
	}
	h := *old
	h.Salt = randomBytes(16)
	if h.KeyFile && k.keyFile == nil {
		// Opened with the recovery key: the key file is not known, so the
		// new passphrase alone will open the vault again.
		h.KeyFile = false
		h.TokenChallenge = nil
	}
	kek := kekFor(passphrase, k.keyFile, &h)
	h.ByPassphrase = seal(kek, k.data, h.wrapAD("passphrase"))
	wipe(kek)
	err := v.Update(func(tx *Tx) error {
		if err := tx.tx.Bucket(metaBucket).Put(headerKey, h.encode()); err != nil {
			return err
		}
		return tx.appendAudit(AuditEntry{Actor: v.opts.Actor, Action: "vault.passphrase-change"})
	})
	if err != nil {
		return fmt.Errorf("change passphrase: %w", err)
	}
	v.mu.Lock()
	v.hdr = &h
	v.mu.Unlock()
	return nil
}

// ID is a short public identifier of the vault (from its header's public
// key), for support logs: it says which vault, not what is in it.
func (v *Vault) ID() string {
	s := sha256.Sum256(v.hdr.FailBoxPublic)
	return hex.EncodeToString(s[:6])
}

// Stats describes the file, for diagnosis: its size and how much of it
// is free pages that a compaction would return.
type Stats struct {
	FileSize  int64
	PageSize  int
	FreePages int
}

// Stats reports the file's size and free pages.
func (v *Vault) Stats() (Stats, error) {
	st, err := os.Stat(v.Path())
	if err != nil {
		return Stats{}, err
	}
	s := v.db.Stats()
	return Stats{FileSize: st.Size(), PageSize: v.db.Info().PageSize, FreePages: s.FreePageN + s.PendingPageN}, nil
}
