package store

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20poly1305"
)

// ID is a random record key. It carries no name, date or count.
type ID [16]byte

// NewID returns a random ID.
func NewID() ID {
	var id ID
	copy(id[:], randomBytes(len(id)))
	return id
}

func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == ID{} }

// ErrBadID: the text is not an ID.
var ErrBadID = errors.New("not a record id (32 hexadecimal characters expected)")

// ParseID reads the form printed by [ID.String].
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return id, ErrBadID
	}
	copy(id[:], b)
	return id, nil
}

// MarshalText writes the ID as hex.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads the hex form.
func (id *ID) UnmarshalText(b []byte) error {
	p, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}

// Tx is a transaction on an unlocked vault. Values it returns are copies,
// valid after the transaction ends.
type Tx struct {
	v        *Vault
	tx       *bolt.Tx
	k        *keys
	newNames []string
	hook     ChangeHook
	quiet    bool
	touched  map[string]bool // buckets written in this transaction
}

// View runs fn in a read-only transaction.
func (v *Vault) View(fn func(*Tx) error) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.db == nil {
		return ErrClosed
	}
	if v.keys == nil {
		return ErrLocked
	}
	return guarded(func() error {
		return v.db.View(func(btx *bolt.Tx) error {
			return fn(&Tx{v: v, tx: btx, k: v.keys})
		})
	})
}

// Update runs fn in a read-write transaction, committed with fsync when fn
// returns nil and rolled back otherwise.
func (v *Vault) Update(fn func(*Tx) error) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.db == nil {
		return ErrClosed
	}
	if v.keys == nil {
		return ErrLocked
	}
	return v.update(v.keys, fn)
}

func (v *Vault) update(k *keys, fn func(*Tx) error) error {
	err := guarded(func() error {
		return v.db.Update(func(btx *bolt.Tx) error {
			t := &Tx{v: v, tx: btx, k: k, hook: v.hook}
			if err := fn(t); err != nil {
				return err
			}
			if err := t.bumpGenerations(); err != nil {
				return err
			}
			return t.registerNewBuckets()
		})
	})
	return classifyFSError(err)
}

// physical returns the on-disk name of a logical bucket: a keyed hash, so
// the file does not say what a bucket holds.
func (t *Tx) physical(bucket string) []byte {
	return mac(t.k.names, []byte(bucket))[:16]
}

func (t *Tx) bucket(name string, create bool) (*bolt.Bucket, error) {
	p := t.physical(name)
	if b := t.tx.Bucket(p); b != nil || !create {
		return b, nil
	}
	b, err := t.tx.CreateBucket(p)
	if err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	t.newNames = append(t.newNames, name)
	return b, nil
}

// Get returns the value under bucket and id, or [ErrNotFound].
func (t *Tx) Get(bucket string, id ID) ([]byte, error) {
	b, err := t.bucket(bucket, false)
	if err != nil || b == nil {
		return nil, ErrNotFound
	}
	raw := b.Get(id[:])
	if raw == nil {
		return nil, ErrNotFound
	}
	return t.open(bucket, id[:], raw)
}

func (t *Tx) open(bucket string, key, raw []byte) ([]byte, error) {
	pt, err := open(t.k.records, raw, associatedData(bucket, key))
	if err != nil {
		return nil, notAuthentic(bucket, key)
	}
	return pt, nil
}

func notAuthentic(bucket string, key []byte) error {
	return corrupt(fmt.Sprintf("bucket %s, key %x", bucket, key), "the value does not authenticate (changed, truncated or moved)")
}

// GetMany calls fn with the value of each of ids found in bucket, index i
// in ids; missing ids are skipped. The values are looked up in order and
// decrypted on every core, so fn may run concurrently for different i and
// must not touch the transaction. A value is valid only during its call.
func (t *Tx) GetMany(bucket string, ids []ID, fn func(i int, value []byte) error) error {
	b, err := t.bucket(bucket, false)
	if err != nil || b == nil {
		return err
	}
	// Looked up in key order, the pages are read in file order as far as
	// the tree allows, which the kernel's read-ahead rewards when they are
	// not in memory yet.
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return bytes.Compare(ids[x][:], ids[y][:]) })
	raws := make([][]byte, len(ids))
	for _, i := range order {
		raws[i] = b.Get(ids[i][:])
	}
	var next atomic.Int64
	var failed atomic.Bool
	work := func() error {
		for !failed.Load() {
			i := int(next.Add(1) - 1)
			if i >= len(ids) {
				return nil
			}
			if raws[i] == nil {
				continue
			}
			pt, err := t.open(bucket, ids[i][:], raws[i])
			if err == nil {
				err = fn(i, pt)
				wipe(pt)
			}
			if err != nil {
				failed.Store(true)
				return err
			}
		}
		return nil
	}
	// Below a few dozen values a goroutine costs more than it saves.
	workers := min(runtime.GOMAXPROCS(0), len(ids)/32)
	if workers <= 1 {
		return work()
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The raw values point into the mapped file: a damaged page
			// must end as an error here too, not as a crash.
			errs[w] = guarded(work)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Put seals value and stores it under bucket and id.
func (t *Tx) Put(bucket string, id ID, value []byte) error {
	if !t.tx.Writable() {
		return errors.New("put in a read-only transaction")
	}
	b, err := t.bucket(bucket, true)
	if err != nil {
		return err
	}
	if err := b.Put(id[:], seal(t.k.records, value, associatedData(bucket, id[:]))); err != nil {
		return err
	}
	t.touch(bucket)
	return t.changed(bucket, id, false)
}

// PutJSON stores v encoded as JSON.
func (t *Tx) PutJSON(bucket string, id ID, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", bucket, err)
	}
	defer wipe(b)
	return t.Put(bucket, id, b)
}

// GetJSON decodes the value under bucket and id into v.
func (t *Tx) GetJSON(bucket string, id ID, v any) error {
	b, err := t.Get(bucket, id)
	if err != nil {
		return err
	}
	defer wipe(b)
	if err := json.Unmarshal(b, v); err != nil {
		return corrupt(fmt.Sprintf("bucket %s, key %s", bucket, id), "the value cannot be decoded")
	}
	return nil
}

// Delete removes the value under bucket and id. Deleting a missing value is
// not an error.
func (t *Tx) Delete(bucket string, id ID) error {
	b, err := t.bucket(bucket, false)
	if err != nil || b == nil {
		return err
	}
	if b.Get(id[:]) == nil {
		return nil
	}
	if err := b.Delete(id[:]); err != nil {
		return err
	}
	t.touch(bucket)
	return t.changed(bucket, id, true)
}

// ForEach calls fn with every value of bucket, in key order (random order
// for the caller). The value slice is valid only during the call.
func (t *Tx) ForEach(bucket string, fn func(id ID, value []byte) error) error {
	b, err := t.bucket(bucket, false)
	if err != nil || b == nil {
		return err
	}
	// One cipher and one buffer for the whole pass: a scan of a large
	// bucket would otherwise allocate its whole size again.
	aead, err := chacha20poly1305.NewX(t.k.records)
	if err != nil {
		return err
	}
	var buf, ad []byte
	defer func() { wipe(buf[:cap(buf)]) }()
	return b.ForEach(func(k, raw []byte) error {
		if len(k) != len(ID{}) {
			return corrupt(fmt.Sprintf("bucket %s", bucket), "a key has the wrong length")
		}
		ad = appendAssociatedData(ad[:0], bucket, k)
		pt, err := openWith(aead, buf[:0], raw, ad)
		if err != nil {
			return notAuthentic(bucket, k)
		}
		if cap(pt) > cap(buf) {
			wipe(buf[:cap(buf)]) // outgrown: the old storage held a value
		}
		buf = pt
		err = fn(ID(k), pt)
		wipe(pt)
		return err
	})
}

// Count returns the number of values in bucket.
func (t *Tx) Count(bucket string) int {
	b, _ := t.bucket(bucket, false)
	if b == nil {
		return 0
	}
	return b.Stats().KeyN
}

// NamedID returns a stable ID for a singleton record (settings, counters),
// derived with the names key so that it says nothing either.
func (t *Tx) NamedID(name string) ID {
	var id ID
	copy(id[:], mac(t.k.names, []byte("named "+name)))
	return id
}

// registerNewBuckets records the logical names of buckets created in this
// transaction, sealed, so that a full check can open every value.
func (t *Tx) registerNewBuckets() error {
	if len(t.newNames) == 0 {
		return nil
	}
	names, err := t.bucketNames()
	if err != nil {
		return err
	}
	for _, n := range t.newNames {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	b, _ := json.Marshal(names)
	return t.tx.Bucket(metaBucket).Put(bucketsKey, seal(t.k.records, b, associatedData("meta", bucketsKey)))
}

func (t *Tx) bucketNames() ([]string, error) {
	raw := t.tx.Bucket(metaBucket).Get(bucketsKey)
	if raw == nil {
		return nil, nil
	}
	pt, err := open(t.k.records, raw, associatedData("meta", bucketsKey))
	if err != nil {
		return nil, corrupt("meta", "bucket list does not authenticate")
	}
	var names []string
	if err := json.Unmarshal(pt, &names); err != nil {
		return nil, corrupt("meta", "bucket list cannot be decoded")
	}
	return names, nil
}

// Buckets lists the logical names of the buckets that hold data, so that
// checks (a full decrypt, a scan after an erasure) can visit every value.
func (t *Tx) Buckets() ([]string, error) { return t.bucketNames() }

func (t *Tx) touch(bucket string) {
	if t.touched == nil {
		t.touched = map[string]bool{}
	}
	t.touched[bucket] = true
}

func (t *Tx) generationKey(bucket string) []byte {
	return append([]byte("gen "), t.physical(bucket)...)
}

func (t *Tx) storedGeneration(bucket string) (uint64, error) {
	key := t.generationKey(bucket)
	raw := t.tx.Bucket(metaBucket).Get(key)
	if raw == nil {
		return 0, nil
	}
	pt, err := open(t.k.records, raw, associatedData("meta", key))
	if err != nil || len(pt) != 8 {
		return 0, corrupt("meta", "a generation counter does not authenticate")
	}
	return binary.BigEndian.Uint64(pt), nil
}

// Generation counts the transactions that wrote to bucket, this one
// included when it did: a cache derived from a bucket (the search index)
// is valid while the count it was made at has not moved.
func (t *Tx) Generation(bucket string) (uint64, error) {
	g, err := t.storedGeneration(bucket)
	if t.touched[bucket] {
		g++
	}
	return g, err
}

func (t *Tx) bumpGenerations() error {
	for b := range t.touched {
		g, err := t.storedGeneration(b)
		if err != nil {
			return err
		}
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], g+1)
		key := t.generationKey(b)
		if err := t.tx.Bucket(metaBucket).Put(key, seal(t.k.records, v[:], associatedData("meta", key))); err != nil {
			return err
		}
	}
	return nil
}
