package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cabinet-sante/cabinet/store"
)

// Local buckets of the engine; none of them is synced.
const (
	bMeta      = "sync-meta"      // per record: its version (meta)
	bOutbox    = "sync-outbox"    // per record changed here and not yet sent
	bState     = "sync-state"     // the device's state
	bSent      = "sync-sent"      // per patient: some of their records left the device
	bConflicts = "sync-conflicts" // versions that lost a merge, for review
	bHeld      = "sync-held"      // per excluded patient: their changes kept off the host
)

// Object names on the remote.
const (
	root       = "cabinet/"
	keyObject  = root + "key"
	headPrefix = root + "h/"
	segPrefix  = root + "s/"
)

// Errors callers branch on.
var (
	// ErrOtherPractice: the bucket holds another practice's data.
	ErrOtherPractice = errors.New("the bucket holds another practice's data")
	// ErrNotJoined: the bucket holds no practice to join.
	ErrNotJoined = errors.New("the bucket holds no practice")
	// ErrOff: sync is not turned on for this vault.
	ErrOff = errors.New("sync is off")
)

// Config wires the engine to the practice. Tracked and PatientOf carry the
// domain knowledge the engine lacks.
type Config struct {
	Remote Remote
	// Tracked says whether a record is shared between devices (patients,
	// consultations...) or stays local (drafts, mail credentials, sync
	// state...).
	Tracked func(t *store.Tx, bucket string, id store.ID) bool
	// PatientOf names the patient a record belongs to ("" for none), so
	// that excluded patients' records stay on the device.
	PatientOf func(t *store.Tx, bucket string, id store.ID, value []byte) string
	// Excluded lists the patients this device keeps off the host (no
	// consent to hosting, withdrawn, restricted).
	Excluded func(t *store.Tx) (map[string]bool, error)
	// Progress, when set, hears about uploads: bytes sent of the total.
	Progress func(done, total int64)
	// SegmentSize is the target size of a segment (default 4 MiB).
	SegmentSize int
	// CompactAfter is the number of segments after which a device
	// compacts its log into a snapshot (default 64).
	CompactAfter int
	Now          func() time.Time
}

// state is the device's sync state, kept in the vault.
type state struct {
	Device  string            `json:"device"`
	Series  string            `json:"series"`
	Seq     uint64            `json:"seq"`     // last segment this device wrote
	Applied map[string]uint64 `json:"applied"` // per other device: last segment applied
	// Marked: every shared record was given a version and queued once
	// (the first upload); false until the first run has done it.
	Marked bool `json:"marked,omitempty"`
	Clock  HLC  `json:"clock"`
	// Purged lists the excluded patients already removed from this
	// device's log.
	Purged      []string  `json:"purged,omitempty"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

type ref struct {
	Seq  uint64 `json:"seq"`
	Name string `json:"name"`
	Size int    `json:"size"`
}

// head is a device's manifest: its snapshot and the segments since.
type head struct {
	Format   int    `json:"format"`
	Device   string `json:"device"`
	Series   string `json:"series"`
	Seq      uint64 `json:"seq"`
	SnapSeq  uint64 `json:"snap_seq"`
	Snapshot []ref  `json:"snapshot,omitempty"`
	Segments []ref  `json:"segments,omitempty"`
}

// keyFile is the practice's key object: the data key wrapped by the
// recovery key, and a check sealed with the sync key.
type keyFile struct {
	Wrap  []byte `json:"wrap"`
	Check []byte `json:"check"`
}

// Engine syncs one vault.
type Engine struct {
	v     *store.Vault
	cfg   Config
	key   []byte
	clock *Clock
	dev   string
	run   sync.Mutex
	// probed: excluded patients already checked against the sent set;
	// held: patients with changes in the held bucket (both guarded by run).
	probed map[string]bool
	held   map[string]bool
}

// Report counts what a run did. It never holds contents.
type Report struct {
	Sent, Received, Applied, Conflicts, Held, Segments int
	Bytes                                              int64
	Changed                                            []Ref // records changed here by the run
	Devices                                            int
}

// Ref names a record.
type Ref struct {
	Bucket string
	ID     store.ID
}

// Conflict is a version that lost a merge.
type Conflict struct {
	ID       store.ID  `json:"id"`
	Bucket   string    `json:"bucket"`
	Record   store.ID  `json:"record"`
	At       time.Time `json:"at"`
	Fields   []string  `json:"fields"`
	Lost     []byte    `json:"lost"`
	LostHere bool      `json:"lost_here"` // the losing version was this device's
}

func stateID(t *store.Tx) store.ID { return t.NamedID("sync state") }

func metaID(t *store.Tx, bucket string, id store.ID) store.ID {
	return t.NamedID("sync meta " + bucket + " " + id.String())
}

// LoadState reads the device's sync state; ok is false when sync was never
// turned on.
func loadState(t *store.Tx) (state, bool, error) {
	var st state
	err := t.GetJSON(bState, stateID(t), &st)
	if errors.Is(err, store.ErrNotFound) {
		return st, false, nil
	}
	return st, err == nil, err
}

func saveState(t *store.Tx, st state) error { return t.PutJSON(bState, stateID(t), st) }

// New returns the engine of an unlocked vault on which sync was set up
// ([Setup] or [Join]). It installs the change hook.
func New(v *store.Vault, cfg Config) (*Engine, error) {
	if cfg.SegmentSize == 0 {
		cfg.SegmentSize = 4 << 20
	}
	if cfg.CompactAfter == 0 {
		cfg.CompactAfter = 64
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var st state
	var on bool
	err := v.View(func(t *store.Tx) (err error) {
		st, on, err = loadState(t)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !on {
		return nil, ErrOff
	}
	key, err := v.SyncKey()
	if err != nil {
		return nil, err
	}
	e := &Engine{v: v, cfg: cfg, key: key, dev: st.Device, clock: NewClock(st.Device, cfg.Now)}
	e.clock.Observe(st.Clock)
	v.SetChangeHook(e.hook)
	return e, nil
}

// Inspect opens an object of the bucket with the practice's sync key and
// returns the changes it holds (none for heads and the key object): for
// checks that prove what the host stores.
func Inspect(key []byte, name string, obj []byte) ([]Change, error) {
	if name == keyObject || strings.HasPrefix(name, headPrefix) {
		return nil, nil
	}
	pt, err := openObject(key, name, obj)
	if err != nil {
		return nil, err
	}
	return decodeSegment(pt)
}

// Use sets the remote and the progress listener for the next runs.
func (e *Engine) Use(r Remote, progress func(done, total int64)) {
	e.run.Lock()
	e.cfg.Remote, e.cfg.Progress = r, progress
	e.run.Unlock()
}

// Close removes the change hook and forgets the key.
func (e *Engine) Close() {
	e.v.SetChangeHook(nil)
	clear(e.key)
}

// Device is this device's random name; Series its invoice-number prefix.
func (e *Engine) Device() string { return e.dev }

func (e *Engine) hook(t *store.Tx, bucket string, id store.ID, deleted bool) error {
	if strings.HasPrefix(bucket, "sync-") || !e.cfg.Tracked(t, bucket, id) {
		return nil
	}
	var value []byte
	if !deleted {
		v, err := t.Get(bucket, id)
		if err != nil {
			return err
		}
		value = v
	}
	return e.localEdit(t, bucket, id, value, deleted)
}

func (e *Engine) localEdit(t *store.Tx, bucket string, id store.ID, value []byte, deleted bool) error {
	m, _, err := loadMeta(t, bucket, id)
	if err != nil {
		return err
	}
	fh := fieldHashes(value)
	v := VV{}
	for d, n := range m.V {
		v[d] = n
	}
	v[e.dev]++
	f := map[string]Stamp{}
	for k, s := range m.F {
		f[k] = s
	}
	stamp := Stamp{D: e.dev, C: v[e.dev]}
	for k, h := range fh {
		if m.FH[k] != h {
			f[k] = stamp
		}
	}
	for k := range m.FH {
		if _, ok := fh[k]; !ok {
			f[k] = stamp
		}
	}
	if len(f) == 0 {
		f = nil
	}
	m = meta{Change: Change{Bucket: bucket, ID: id, H: e.clock.Now(), V: v, F: f, Del: deleted}, FH: fh}
	if err := t.PutJSON(bMeta, metaID(t, bucket, id), m); err != nil {
		return err
	}
	return t.PutJSON(bOutbox, metaID(t, bucket, id), Ref{Bucket: bucket, ID: id})
}

func loadMeta(t *store.Tx, bucket string, id store.ID) (meta, bool, error) {
	var m meta
	err := t.GetJSON(bMeta, metaID(t, bucket, id), &m)
	if errors.Is(err, store.ErrNotFound) {
		return m, false, nil
	}
	return m, err == nil, err
}

func newName(prefix string) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return prefix + hex.EncodeToString(b)
}

// Setup turns sync on for a vault: it checks or writes the practice's key
// object and chooses the device's name and invoice series. The first run
// queues every shared record. Running it again on a vault already set up
// changes nothing.
func Setup(ctx context.Context, v *store.Vault, r Remote) (device, series string, err error) {
	key, err := v.SyncKey()
	if err != nil {
		return "", "", err
	}
	defer clear(key)
	var st state
	var on bool
	if err := v.View(func(t *store.Tx) (err error) { st, on, err = loadState(t); return err }); err != nil {
		return "", "", err
	}
	wrap, err := v.RecoveryWrap()
	if err != nil {
		return "", "", err
	}
	raw, err := r.Get(ctx, keyObject)
	switch {
	case errors.Is(err, ErrNotFound):
		kf := keyFile{Wrap: wrap, Check: sealObject(key, keyObject, []byte("cabinet practice"))}
		b, _ := json.Marshal(kf)
		if err := r.Put(ctx, keyObject, b); err != nil {
			return "", "", fmt.Errorf("write key object: %w", err)
		}
	case err != nil:
		return "", "", fmt.Errorf("read key object: %w", err)
	default:
		if err := checkKeyObject(key, raw); err != nil {
			return "", "", err
		}
	}
	var heads []string
	if on {
		return st.Device, st.Series, nil
	}
	series = ""
	heads, err = r.List(ctx, headPrefix)
	if err != nil {
		return "", "", fmt.Errorf("list devices: %w", err)
	}
	if len(heads) > 0 {
		series, err = freeSeries(ctx, r, key, heads)
		if err != nil {
			return "", "", err
		}
	}
	st = state{Device: newName("")[:16], Series: series, Applied: map[string]uint64{}}
	if err := v.Update(func(t *store.Tx) error { return saveState(t, st) }); err != nil {
		return "", "", err
	}
	return st.Device, st.Series, nil
}

// markAll gives every shared record a first version and queues it, a few
// thousand records per transaction so that memory stays flat whatever the
// vault's size. The change hook is live meanwhile, so a record changed
// during the marking is queued all the same. It ends by noting in the
// state that the marking is complete; a run that finds it incomplete
// (interrupted) starts it again.
func (e *Engine) markAll() error {
	var names []string
	if err := e.v.View(func(t *store.Tx) (err error) { names, err = t.Buckets(); return err }); err != nil {
		return err
	}
	for _, b := range names {
		if strings.HasPrefix(b, "sync-") || b == "audit" {
			continue // the engine's own state; the audit journal stays each device's own
		}
		var ids []store.ID
		err := e.v.View(func(t *store.Tx) error {
			return t.ForEach(b, func(id store.ID, _ []byte) error {
				if e.cfg.Tracked(t, b, id) {
					ids = append(ids, id)
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
		for start := 0; start < len(ids); start += 2000 {
			part := ids[start:min(start+2000, len(ids))]
			err := e.v.Update(func(t *store.Tx) error {
				for _, id := range part {
					if _, ok, err := loadMeta(t, b, id); err != nil || ok {
						if err != nil {
							return err
						}
						if err := t.PutJSON(bOutbox, metaID(t, b, id), Ref{Bucket: b, ID: id}); err != nil {
							return err
						}
						continue
					}
					v, err := t.Get(b, id)
					if errors.Is(err, store.ErrNotFound) {
						continue // deleted since: its deletion has a version already
					}
					if err != nil {
						return err
					}
					if err := e.localEdit(t, b, id, v, false); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return e.v.Update(func(t *store.Tx) error {
		st, on, err := loadState(t)
		if err != nil || !on {
			return err
		}
		st.Marked = true
		return saveState(t, st)
	})
}

func checkKeyObject(key, raw []byte) error {
	var kf keyFile
	if json.Unmarshal(raw, &kf) != nil {
		return ErrOtherPractice
	}
	if pt, err := openObject(key, keyObject, kf.Check); err != nil || string(pt) != "cabinet practice" {
		return ErrOtherPractice
	}
	return nil
}

// freeSeries picks the first invoice series no device uses: B, C, ...
func freeSeries(ctx context.Context, r Remote, key []byte, heads []string) (string, error) {
	used := map[string]bool{"": true}
	for _, n := range heads {
		h, err := readHead(ctx, r, key, n)
		if err != nil {
			return "", err
		}
		used[h.Series] = true
	}
	for c := 'B'; c <= 'Z'; c++ {
		if !used[string(c)] {
			return string(c), nil
		}
	}
	return "", errors.New("no invoice series left for a new device")
}

// JoinRemote reads the practice's key object, for a new device to build its
// vault with [store.Join].
func JoinRemote(ctx context.Context, r Remote) ([]byte, error) {
	raw, err := r.Get(ctx, keyObject)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotJoined
	}
	if err != nil {
		return nil, fmt.Errorf("read key object: %w", err)
	}
	var kf keyFile
	if json.Unmarshal(raw, &kf) != nil {
		return nil, ErrOtherPractice
	}
	return kf.Wrap, nil
}

func readHead(ctx context.Context, r Remote, key []byte, name string) (head, error) {
	var h head
	raw, err := r.Get(ctx, name)
	if err != nil {
		return h, err
	}
	pt, err := openObject(key, name, raw)
	if err != nil {
		return h, fmt.Errorf("device head: %w", err)
	}
	if json.Unmarshal(pt, &h) != nil || h.Device == "" || headPrefix+h.Device != name {
		return h, fmt.Errorf("device head: %w", ErrBadSegment)
	}
	return h, nil
}

func (e *Engine) writeHead(ctx context.Context, h head) error {
	h.Format = 1
	b, _ := json.Marshal(h)
	name := headPrefix + e.dev
	return e.cfg.Remote.Put(ctx, name, sealObject(e.key, name, b))
}

// Run sends this device's changes and applies the other devices'. It is
// safe to interrupt at any point: what was applied stays applied, what was
// not sent is sent next time, and nothing half-written is ever read.
func (e *Engine) Run(ctx context.Context) (rep Report, err error) {
	e.run.Lock()
	defer e.run.Unlock()
	r := e.cfg.Remote
	if r == nil {
		return rep, errors.New("sync run: no remote")
	}
	defer func() { e.finish(rep, err) }()
	raw, err := r.Get(ctx, keyObject)
	if err != nil {
		return rep, fmt.Errorf("read key object: %w", err)
	}
	if err := checkKeyObject(e.key, raw); err != nil {
		return rep, err
	}
	names, err := r.List(ctx, headPrefix)
	if err != nil {
		return rep, fmt.Errorf("list devices: %w", err)
	}
	own := head{Device: e.dev}
	heads := map[string]head{}
	for _, n := range names {
		h, err := readHead(ctx, r, e.key, n)
		if err != nil {
			return rep, err
		}
		if h.Device == e.dev {
			own = h
			continue
		}
		heads[h.Device] = h
	}
	rep.Devices = len(heads) + 1
	var st state
	var excluded map[string]bool
	err = e.v.View(func(t *store.Tx) (err error) {
		if st, _, err = loadState(t); err != nil {
			return err
		}
		excluded, err = e.cfg.Excluded(t)
		return err
	})
	if err != nil {
		return rep, err
	}
	if own.Seq == 0 && st.Seq > 0 {
		// The remote lost this device's log (reset, or "forget remote
		// copy" elsewhere): send everything again. Local data is never
		// touched because the remote is empty.
		if err := e.v.Update(func(t *store.Tx) error {
			st.Seq, st.Purged, st.Marked = 0, nil, false
			return saveState(t, st)
		}); err != nil {
			return rep, err
		}
	}
	if !st.Marked {
		// First run (or the remote was emptied): every shared record goes.
		if err := e.markAll(); err != nil {
			return rep, err
		}
	}
	own.Series = st.Series
	if err := e.send(ctx, &own, excluded, &rep); err != nil {
		return rep, err
	}
	if err := e.maybeCompact(ctx, &own, excluded, st); err != nil {
		return rep, err
	}
	devs := slices.Sorted(mapsKeys(heads))
	for _, d := range devs {
		if err := e.receive(ctx, heads[d], &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (e *Engine) finish(rep Report, runErr error) {
	detail := fmt.Sprintf("sent=%d received=%d conflicts=%d held=%d devices=%d", rep.Sent, rep.Applied, rep.Conflicts, rep.Held, rep.Devices)
	_ = e.v.Update(func(t *store.Tx) error {
		st, on, err := loadState(t)
		if err != nil {
			return err
		}
		if !on { // turned off during the run: record the run, keep it off
			return t.Audit(store.AuditEntry{Action: "sync.run", Detail: detail + " stopped=turned-off"})
		}
		st.Clock = e.clock.Now()
		if runErr == nil {
			st.LastSuccess = e.cfg.Now().UTC()
			st.LastError = ""
		} else {
			st.LastError = errorKind(runErr)
			detail += " error=" + st.LastError
		}
		if err := saveState(t, st); err != nil {
			return err
		}
		return t.Audit(store.AuditEntry{Action: "sync.run", Detail: detail})
	})
}

// errorKind is a run's error without anything a remote could have put in
// it.
func errorKind(err error) string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted"
	case errors.Is(err, ErrOtherPractice):
		return "other practice"
	case errors.Is(err, ErrUnauthentic), errors.Is(err, ErrBadSegment):
		return "unreadable object"
	}
	return "transfer failed"
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// pending is a queued change read for sending.
type pending struct {
	key store.ID
	c   Change
}

// errBatchFull stops the outbox walk once a segment is full.
var errBatchFull = errors.New("segment full")

// send uploads the queued changes one segment at a time: the segment, then
// the head that lists it, then the queue cleared of what it holds (unless
// a change came meanwhile). Memory stays at one segment whatever the
// vault's size, and an interrupted upload resumes where it stopped: what
// the head lists is never sent again.
func (e *Engine) send(ctx context.Context, own *head, excluded map[string]bool, rep *Report) error {
	if err := e.release(excluded); err != nil {
		return err
	}
	// A device's first upload is its first snapshot.
	first := len(own.Snapshot) == 0 && len(own.Segments) == 0
	var total int64
	if err := e.v.View(func(t *store.Tx) error { total = int64(t.Count(bOutbox)); return nil }); err != nil {
		return err
	}
	var done int64
	for {
		batch, stale, held, sentPatients, err := e.nextBatch(excluded)
		if err != nil {
			return err
		}
		for _, keys := range held {
			rep.Held += len(keys)
		}
		if err := e.hold(held); err != nil {
			return err
		}
		if len(batch) == 0 {
			return e.dropStale(stale)
		}
		cs := make([]Change, len(batch))
		for i, p := range batch {
			cs[i] = p.c
		}
		name := newName(segPrefix + e.dev + "/")
		obj := sealObject(e.key, name, encodeSegment(cs))
		if err := e.cfg.Remote.Put(ctx, name, obj); err != nil {
			return fmt.Errorf("upload segment: %w", err)
		}
		own.Seq++
		r := ref{Seq: own.Seq, Name: name, Size: len(obj)}
		if first {
			own.Snapshot, own.SnapSeq = append(own.Snapshot, r), own.Seq
		} else {
			own.Segments = append(own.Segments, r)
		}
		if err := e.writeHead(ctx, *own); err != nil {
			return fmt.Errorf("upload device head: %w", err)
		}
		rep.Segments++
		rep.Bytes += int64(len(obj))
		rep.Sent += len(batch)
		if err := e.sent(batch, stale, sentPatients, own.Seq); err != nil {
			return err
		}
		done += int64(len(batch))
		if e.cfg.Progress != nil {
			e.cfg.Progress(min(done, total), max(total, done))
		}
	}
}

// nextBatch reads queued changes until a segment is full. Queue entries
// that point at nothing (stale) and changes of excluded patients (held)
// come back apart.
func (e *Engine) nextBatch(excluded map[string]bool) (batch []pending, stale []store.ID, held map[string][]store.ID, patients map[string]bool, err error) {
	held, patients = map[string][]store.ID{}, map[string]bool{}
	size := 0
	err = e.v.View(func(t *store.Tx) error {
		return t.ForEach(bOutbox, func(k store.ID, v []byte) error {
			if len(batch) > 0 && size >= e.cfg.SegmentSize {
				return errBatchFull
			}
			var r Ref
			if err := json.Unmarshal(v, &r); err != nil {
				return store.ErrCorrupt
			}
			m, ok, err := loadMeta(t, r.Bucket, r.ID)
			if err != nil {
				return err
			}
			if !ok {
				stale = append(stale, k)
				return nil
			}
			c := m.Change
			if !c.Del {
				val, err := t.Get(r.Bucket, r.ID)
				if errors.Is(err, store.ErrNotFound) {
					stale = append(stale, k)
					return nil
				}
				if err != nil {
					return err
				}
				if p := e.cfg.PatientOf(t, r.Bucket, r.ID, val); p != "" {
					if excluded[p] {
						held[p] = append(held[p], k)
						return nil
					}
					patients[p] = true
				}
				c.Value = val
			}
			size += len(c.Value) + 200
			batch = append(batch, pending{key: k, c: c})
			return nil
		})
	})
	if errors.Is(err, errBatchFull) {
		err = nil
	}
	return batch, stale, held, patients, err
}

// sent clears the queue of a segment the head now lists.
func (e *Engine) sent(batch []pending, stale []store.ID, patients map[string]bool, seq uint64) error {
	return e.v.Update(func(t *store.Tx) error {
		for _, p := range batch {
			m, ok, err := loadMeta(t, p.c.Bucket, p.c.ID)
			if err != nil {
				return err
			}
			if ok && m.H != p.c.H {
				continue // changed again since: stays queued
			}
			if err := t.Delete(bOutbox, p.key); err != nil {
				return err
			}
		}
		for _, k := range stale {
			if err := t.Delete(bOutbox, k); err != nil {
				return err
			}
		}
		for pid := range patients {
			delete(e.probed, pid)
			if err := t.PutJSON(bSent, t.NamedID("sent "+pid), true); err != nil {
				return err
			}
		}
		st, on, err := loadState(t)
		if err != nil {
			return err
		}
		if !on {
			return ErrOff
		}
		st.Seq = seq
		return saveState(t, st)
	})
}

func (e *Engine) dropStale(stale []store.ID) error {
	if len(stale) == 0 {
		return nil
	}
	return e.v.Update(func(t *store.Tx) error {
		for _, k := range stale {
			if err := t.Delete(bOutbox, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// hold moves the queued changes of excluded patients out of the outbox,
// so that runs do not read them again and again; release puts them back
// when the patient is no longer excluded.
func (e *Engine) hold(held map[string][]store.ID) error {
	if len(held) == 0 {
		return nil
	}
	return e.v.Update(func(t *store.Tx) error {
		for p, keys := range held {
			pid, err := store.ParseID(p)
			if err != nil {
				continue // not a record id: leave it queued
			}
			var refs []Ref
			if err := t.GetJSON(bHeld, pid, &refs); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			for _, k := range keys {
				var r Ref
				if err := t.GetJSON(bOutbox, k, &r); err != nil {
					continue
				}
				if !slices.Contains(refs, r) {
					refs = append(refs, r)
				}
				if err := t.Delete(bOutbox, k); err != nil {
					return err
				}
			}
			if err := t.PutJSON(bHeld, pid, refs); err != nil {
				return err
			}
			e.held[p] = true
		}
		return nil
	})
}

func (e *Engine) release(excluded map[string]bool) error {
	if e.held == nil {
		e.held = map[string]bool{}
		err := e.v.View(func(t *store.Tx) error {
			return t.ForEach(bHeld, func(id store.ID, _ []byte) error { e.held[id.String()] = true; return nil })
		})
		if err != nil {
			return err
		}
	}
	var free []string
	for p := range e.held {
		if !excluded[p] {
			free = append(free, p)
		}
	}
	if len(free) == 0 {
		return nil
	}
	return e.v.Update(func(t *store.Tx) error {
		for _, p := range free {
			pid, _ := store.ParseID(p)
			var refs []Ref
			if err := t.GetJSON(bHeld, pid, &refs); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			for _, r := range refs {
				if err := t.PutJSON(bOutbox, metaID(t, r.Bucket, r.ID), r); err != nil {
					return err
				}
			}
			if err := t.Delete(bHeld, pid); err != nil {
				return err
			}
			delete(e.held, p)
		}
		return nil
	})
}

// maybeCompact rewrites the device's log as a snapshot when it has grown
// long, or when a patient whose records it sent is now excluded.
func (e *Engine) maybeCompact(ctx context.Context, own *head, excluded map[string]bool, st state) error {
	var purge []string
	err := e.v.View(func(t *store.Tx) error {
		for p := range excluded {
			if e.probed[p] {
				continue
			}
			if _, err := t.Get(bSent, t.NamedID("sent "+p)); err == nil {
				purge = append(purge, p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(purge) == 0 && !longLog(*own, e.cfg.CompactAfter) {
		e.markProbed(excluded)
		return nil
	}
	if err := e.compact(ctx, own, excluded, purge); err != nil {
		return err
	}
	e.markProbed(excluded)
	return nil
}

// longLog says when a log deserves a new snapshot: many segments that
// together weigh at least a quarter of the snapshot, so that rewriting the
// snapshot costs, spread over the changes since, a constant factor of
// those changes, whatever the vault's size.
func longLog(h head, after int) bool {
	if len(h.Segments) <= after {
		return false
	}
	var seg, snap int
	for _, r := range h.Segments {
		seg += r.Size
	}
	for _, r := range h.Snapshot {
		snap += r.Size
	}
	return seg*4 >= snap
}

// markProbed remembers the excluded patients whose records are known to
// be off the bucket, so the next runs only look at new exclusions (a send
// of a patient's records forgets them again).
func (e *Engine) markProbed(excluded map[string]bool) {
	if e.probed == nil {
		e.probed = map[string]bool{}
	}
	for p := range excluded {
		e.probed[p] = true
	}
}

// compact writes a snapshot of the latest version of every record this
// device wrote (tombstones included, excluded patients left out), points
// the head at it, then deletes the objects it replaces.
func (e *Engine) compact(ctx context.Context, own *head, excluded map[string]bool, purge []string) error {
	var snap []Change
	err := e.v.View(func(t *store.Tx) error {
		return t.ForEach(bMeta, func(_ store.ID, v []byte) error {
			var m meta
			if err := json.Unmarshal(v, &m); err != nil {
				return store.ErrCorrupt
			}
			if m.H.Dev != e.dev {
				return nil
			}
			c := m.Change
			if !c.Del {
				val, err := t.Get(c.Bucket, c.ID)
				if err != nil {
					return nil // gone locally without a tombstone: nothing to say
				}
				if p := e.cfg.PatientOf(t, c.Bucket, c.ID, val); p != "" && excluded[p] {
					return nil
				}
				c.Value = val
			}
			snap = append(snap, c)
			return nil
		})
	})
	if err != nil {
		return err
	}
	old := append(slices.Clone(own.Snapshot), own.Segments...)
	next := *own
	next.Snapshot, next.Segments, next.SnapSeq = nil, nil, own.Seq
	for start := 0; start < len(snap); {
		size, end := 0, start
		for end < len(snap) && (end == start || size+len(snap[end].Value) <= e.cfg.SegmentSize) {
			size += len(snap[end].Value) + 200
			end++
		}
		name := newName(segPrefix + e.dev + "/")
		obj := sealObject(e.key, name, encodeSegment(snap[start:end]))
		if err := e.cfg.Remote.Put(ctx, name, obj); err != nil {
			return fmt.Errorf("upload snapshot: %w", err)
		}
		next.Snapshot = append(next.Snapshot, ref{Seq: own.Seq, Name: name, Size: len(obj)})
		start = end
	}
	if err := e.writeHead(ctx, next); err != nil {
		return fmt.Errorf("upload device head: %w", err)
	}
	*own = next
	for _, o := range old {
		if err := e.cfg.Remote.Delete(ctx, o.Name); err != nil {
			return fmt.Errorf("delete compacted segment: %w", err)
		}
	}
	return e.v.Update(func(t *store.Tx) error {
		for _, p := range purge {
			if err := t.Delete(bSent, t.NamedID("sent "+p)); err != nil {
				return err
			}
		}
		return nil
	})
}

// receive applies another device's snapshot and segments not yet applied.
func (e *Engine) receive(ctx context.Context, h head, rep *Report) error {
	var applied uint64
	err := e.v.View(func(t *store.Tx) error {
		st, _, err := loadState(t)
		applied = st.Applied[h.Device]
		return err
	})
	if err != nil {
		return err
	}
	if applied > h.Seq {
		applied = 0 // that device's log was reset: read it again (applying twice changes nothing)
	}
	// Snapshot chunks carry the sequence number they cover (a compaction
	// gives them all the head's number; a first upload numbers them one
	// by one), so the same rule picks snapshot and segments.
	var todo []ref
	for _, s := range append(slices.Clone(h.Snapshot), h.Segments...) {
		if s.Seq > applied {
			todo = append(todo, s)
		}
	}
	for i, s := range todo {
		raw, err := e.cfg.Remote.Get(ctx, s.Name)
		if err != nil {
			return fmt.Errorf("download segment: %w", err)
		}
		pt, err := openObject(e.key, s.Name, raw)
		if err != nil {
			return fmt.Errorf("segment of device %s: %w", h.Device, err)
		}
		cs, err := decodeSegment(pt)
		if err != nil {
			return fmt.Errorf("segment of device %s: %w", h.Device, err)
		}
		last := i == len(todo)-1 || todo[i+1].Seq != s.Seq
		err = e.v.Update(func(t *store.Tx) error {
			for _, c := range cs {
				if err := e.apply(t, c, rep); err != nil {
					return err
				}
			}
			if !last {
				return nil
			}
			st, on, err := loadState(t)
			if err != nil {
				return err
			}
			if !on {
				return ErrOff // turned off meanwhile: apply nothing more
			}
			if st.Applied == nil {
				st.Applied = map[string]uint64{}
			}
			st.Applied[h.Device] = s.Seq
			return saveState(t, st)
		})
		if err != nil {
			return err
		}
		rep.Received += len(cs)
	}
	return nil
}

// apply merges one remote change into the vault.
func (e *Engine) apply(t *store.Tx, c Change, rep *Report) error {
	if strings.HasPrefix(c.Bucket, "sync-") {
		return nil // never let a remote write the engine's own state
	}
	e.clock.Observe(c.H)
	m, ok, err := loadMeta(t, c.Bucket, c.ID)
	if err != nil {
		return err
	}
	if ok {
		switch c.V.Compare(m.V) {
		case 0, -1:
			return nil // known already
		case 2:
			return e.applyConcurrent(t, m, c, rep)
		}
	}
	if err := write(t, c.Bucket, c.ID, c.Value, c.Del); err != nil {
		return err
	}
	rep.Applied++
	rep.Changed = append(rep.Changed, Ref{c.Bucket, c.ID})
	if ok {
		// A newer version replaces one queued here: it descends from it.
		if err := t.Delete(bOutbox, metaID(t, c.Bucket, c.ID)); err != nil {
			return err
		}
	}
	return t.PutJSON(bMeta, metaID(t, c.Bucket, c.ID), meta{Change: withoutValue(c), FH: fieldHashes(c.Value)})
}

func withoutValue(c Change) Change { c.Value = nil; return c }

func write(t *store.Tx, bucket string, id store.ID, value []byte, del bool) error {
	if del {
		return t.DeleteQuiet(bucket, id)
	}
	return t.PutQuiet(bucket, id, value)
}

func (e *Engine) applyConcurrent(t *store.Tx, m meta, c Change, rep *Report) error {
	var lv []byte
	if !m.Del {
		v, err := t.Get(c.Bucket, c.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		lv = v
	}
	res := mergeConcurrent(m, lv, c)
	h := m.H
	if h.Less(c.H) {
		h = c.H
	}
	nm := meta{Change: Change{Bucket: c.Bucket, ID: c.ID, H: h, V: m.V.Max(c.V), F: res.stamps, Del: res.del}, FH: fieldHashes(res.value)}
	if res.del != m.Del || !sameContent(res.value, lv) {
		if err := write(t, c.Bucket, c.ID, res.value, res.del); err != nil {
			return err
		}
		rep.Applied++
		rep.Changed = append(rep.Changed, Ref{c.Bucket, c.ID})
	}
	if len(res.conflict) > 0 {
		cf := Conflict{ID: store.NewID(), Bucket: c.Bucket, Record: c.ID, At: e.cfg.Now().UTC(), Fields: res.conflict, Lost: res.lost, LostHere: res.lostIsOld}
		if err := t.PutJSON(bConflicts, cf.ID, cf); err != nil {
			return err
		}
		rep.Conflicts++
	}
	return t.PutJSON(bMeta, metaID(t, c.Bucket, c.ID), nm)
}

// Status is what the sync screen shows.
type Status struct {
	On          bool
	Device      string
	Series      string
	Pending     int
	FirstUpload bool // the first upload has not been queued yet
	Conflicts   int
	Held        int // patients whose changes stay on this device
	LastSuccess time.Time
	LastError   string
	Segments    uint64
}

// ReadStatus reads the sync state of a vault (sync on or off).
func ReadStatus(v *store.Vault) (Status, error) {
	var s Status
	err := v.View(func(t *store.Tx) error {
		st, on, err := loadState(t)
		if err != nil || !on {
			return err
		}
		s = Status{On: true, Device: st.Device, Series: st.Series, LastSuccess: st.LastSuccess, LastError: st.LastError, Segments: st.Seq,
			Pending: t.Count(bOutbox), Conflicts: t.Count(bConflicts), Held: t.Count(bHeld), FirstUpload: !st.Marked}
		return nil
	})
	return s, err
}

// Conflicts lists the versions kept from merges, newest first.
func Conflicts(v *store.Vault) ([]Conflict, error) {
	var out []Conflict
	err := v.View(func(t *store.Tx) error {
		return t.ForEach(bConflicts, func(_ store.ID, b []byte) error {
			var c Conflict
			if err := json.Unmarshal(b, &c); err != nil {
				return store.ErrCorrupt
			}
			out = append(out, c)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Conflict) int { return b.At.Compare(a.At) })
	return out, err
}

// Resolve closes a conflict: with restore, the kept version becomes the
// record's current one (a new edit, sent to the other devices); without,
// it is dropped.
func Resolve(v *store.Vault, id store.ID, restore bool) (Conflict, error) {
	var c Conflict
	err := v.Update(func(t *store.Tx) error {
		if err := t.GetJSON(bConflicts, id, &c); err != nil {
			return err
		}
		if restore {
			cur, err := t.Get(c.Bucket, c.Record)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if !bytes.Equal(cur, c.Lost) {
				if err := t.Put(c.Bucket, c.Record, c.Lost); err != nil {
					return err
				}
			}
		}
		return t.Delete(bConflicts, id)
	})
	return c, err
}

// Disable turns sync off on this device: the hook is gone and the state
// forgotten (records keep their versions, so turning it on again resumes).
func Disable(v *store.Vault) error {
	v.SetChangeHook(nil)
	return v.Update(func(t *store.Tx) error {
		for _, b := range []string{bState, bOutbox, bHeld} {
			var ids []store.ID
			if err := t.ForEach(b, func(id store.ID, _ []byte) error { ids = append(ids, id); return nil }); err != nil {
				return err
			}
			for _, id := range ids {
				if err := t.Delete(b, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Forget deletes every object of the practice from the bucket.
func Forget(ctx context.Context, r Remote) (int, error) {
	names, err := r.List(ctx, root)
	if err != nil {
		return 0, fmt.Errorf("list objects: %w", err)
	}
	// Heads first, so no device reads a head whose segments are gone.
	slices.SortStableFunc(names, func(a, b string) int {
		return boolInt(!strings.HasPrefix(a, headPrefix)) - boolInt(!strings.HasPrefix(b, headPrefix))
	})
	for i, n := range names {
		if err := r.Delete(ctx, n); err != nil {
			return i, fmt.Errorf("delete object: %w", err)
		}
	}
	return len(names), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
