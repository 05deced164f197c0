package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cabinet-sante/cabinet/store"
)

// memRemote is an in-memory object store for the protocol's unit tests;
// the integration tests run the same engine against versitygw over TLS.
type memRemote struct {
	mu   sync.Mutex
	objs map[string][]byte
}

func newMem() *memRemote { return &memRemote{objs: map[string][]byte{}} }

func (m *memRemote) Put(_ context.Context, n string, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[n] = bytes.Clone(b)
	return nil
}

func (m *memRemote) Get(_ context.Context, n string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[n]
	if !ok {
		return nil, ErrNotFound
	}
	return bytes.Clone(b), nil
}

func (m *memRemote) List(_ context.Context, p string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.objs {
		if strings.HasPrefix(n, p) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m *memRemote) Delete(_ context.Context, n string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, n)
	return nil
}

type patientRec struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
}

// device is one vault with its engine. Records in "patients" belong to
// the patient of the same id; "links" records hold lists; "local" is
// never shared.
type device struct {
	t        *testing.T
	v        *store.Vault
	e        *Engine
	excluded map[string]bool
}

func testConfig(r Remote, d *device) Config {
	return Config{
		Remote:  r,
		Tracked: func(_ *store.Tx, b string, _ store.ID) bool { return b != "local" },
		PatientOf: func(_ *store.Tx, b string, id store.ID, _ []byte) string {
			if b == "patients" || b == "links" {
				return id.String()
			}
			return ""
		},
		Excluded:     func(*store.Tx) (map[string]bool, error) { return maps.Clone(d.excluded), nil },
		CompactAfter: 3,
	}
}

var testOpts = &store.Options{KDF: &store.TestKDF}

func firstDevice(t *testing.T, r Remote) (*device, string) {
	t.Helper()
	v, rk, err := store.Create(filepath.Join(t.TempDir(), "a"), []byte("pass A"), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return &device{t: t, v: v, excluded: map[string]bool{}}, rk
}

func (d *device) start(r Remote) {
	d.t.Helper()
	if _, _, err := Setup(context.Background(), d.v, r); err != nil {
		d.t.Fatal(err)
	}
	e, err := New(d.v, testConfig(r, d))
	if err != nil {
		d.t.Fatal(err)
	}
	d.e = e
}

func joinDevice(t *testing.T, r Remote, rk string) *device {
	t.Helper()
	wrap, err := JoinRemote(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	v, err := store.Join(filepath.Join(t.TempDir(), "b"), []byte("pass B"), rk, wrap, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	d := &device{t: t, v: v, excluded: map[string]bool{}}
	d.start(r)
	return d
}

func (d *device) sync() Report {
	d.t.Helper()
	rep, err := d.e.Run(context.Background())
	if err != nil {
		d.t.Fatalf("sync: %v", err)
	}
	return rep
}

func (d *device) put(bucket string, id store.ID, v any) {
	d.t.Helper()
	if err := d.v.Update(func(t *store.Tx) error { return t.PutJSON(bucket, id, v) }); err != nil {
		d.t.Fatal(err)
	}
}

func (d *device) patient(id store.ID) (p patientRec, ok bool) {
	d.t.Helper()
	err := d.v.View(func(t *store.Tx) error { return t.GetJSON("patients", id, &p) })
	if errors.Is(err, store.ErrNotFound) {
		return p, false
	}
	if err != nil {
		d.t.Fatal(err)
	}
	return p, true
}

func (d *device) edit(id store.ID, fn func(*patientRec)) {
	d.t.Helper()
	p, _ := d.patient(id)
	fn(&p)
	d.put("patients", id, p)
}

func TestDevicesConvergeMergingFieldsAndKeepingConflicts(t *testing.T) {
	r := newMem()
	a, rk := firstDevice(t, r)
	id := store.NewID()
	a.put("patients", id, patientRec{ID: id.String(), Name: "Durand", Phone: "0600000001"})
	a.put("local", store.NewID(), "stays here")
	a.start(r)
	a.sync()
	b := joinDevice(t, r, rk)
	b.sync()
	if p, ok := b.patient(id); !ok || p.Name != "Durand" {
		t.Fatalf("joined device has %+v, %v; want the patient", p, ok)
	}
	if n := countBucket(t, b.v, "local"); n != 0 {
		t.Fatalf("a local-only record reached the other device (%d)", n)
	}
	if a.e.Device() == b.e.Device() {
		t.Fatal("two devices share a name")
	}
	st, _ := ReadStatus(b.v)
	if st.Series != "B" {
		t.Fatalf("second device's invoice series = %q, want B", st.Series)
	}

	// Different fields on each side: both edits survive, no conflict.
	a.edit(id, func(p *patientRec) { p.Phone = "0611111111" })
	b.edit(id, func(p *patientRec) { p.Address = "1 rue de la Paix" })
	a.sync()
	b.sync()
	a.sync()
	for _, d := range []*device{a, b} {
		p, _ := d.patient(id)
		if p.Phone != "0611111111" || p.Address != "1 rue de la Paix" {
			t.Fatalf("after merging edits of different fields: %+v", p)
		}
		if cs, _ := Conflicts(d.v); len(cs) != 0 {
			t.Fatalf("edits of different fields made %d conflicts", len(cs))
		}
	}

	// The same field on both sides: the newer edit wins everywhere and the
	// other is kept for review on both devices.
	a.edit(id, func(p *patientRec) { p.Phone = "0622222222" })
	b.edit(id, func(p *patientRec) { p.Phone = "0633333333" })
	a.sync()
	b.sync()
	a.sync()
	pa, _ := a.patient(id)
	loser := map[string]string{"0622222222": "0633333333", "0633333333": "0622222222"}[pa.Phone]
	if loser == "" {
		t.Fatalf("after a conflict the phone is %q, want one of the two edits", pa.Phone)
	}
	for _, d := range []*device{a, b} {
		p, _ := d.patient(id)
		if p != pa || p.Address != "1 rue de la Paix" {
			t.Fatalf("devices disagree after a conflict: %+v and %+v", p, pa)
		}
		cs, _ := Conflicts(d.v)
		if len(cs) != 1 || !slices.Equal(cs[0].Fields, []string{"phone"}) || !bytes.Contains(cs[0].Lost, []byte(loser)) {
			t.Fatalf("conflicts = %+v, want one on phone keeping %s", cs, loser)
		}
	}

	// Restoring the kept version on A is a new edit that reaches B.
	cs, _ := Conflicts(a.v)
	if _, err := Resolve(a.v, cs[0].ID, true); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()
	if p, _ := b.patient(id); p.Phone != loser {
		t.Fatalf("restored version did not reach the other device: %+v", p)
	}
	// Quiet runs send nothing and apply nothing.
	if rep := a.sync(); rep.Sent != 0 || rep.Applied != 0 {
		t.Fatalf("idle run sent %d, applied %d", rep.Sent, rep.Applied)
	}
}

func countBucket(t *testing.T, v *store.Vault, b string) int {
	n := 0
	if err := v.View(func(tx *store.Tx) error { n = tx.Count(b); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestListsMergeAsSetsAndDeletionsTravel(t *testing.T) {
	r := newMem()
	a, rk := firstDevice(t, r)
	a.start(r)
	list := store.NewID()
	gone := store.NewID()
	a.put("links", list, []string{"c1"})
	a.put("patients", gone, patientRec{Name: "Martin"})
	a.sync()
	b := joinDevice(t, r, rk)
	b.sync()
	a.put("links", list, []string{"c1", "c2"})
	b.put("links", list, []string{"c1", "c3"})
	if err := b.v.Update(func(t *store.Tx) error { return t.Delete("patients", gone) }); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()
	a.sync()
	for _, d := range []*device{a, b} {
		var got []string
		if err := d.v.View(func(t *store.Tx) error { return t.GetJSON("links", list, &got) }); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"c1", "c2", "c3"}) {
			t.Fatalf("merged list = %v, want c1 c2 c3", got)
		}
		if _, ok := d.patient(gone); ok {
			t.Fatal("a deletion did not reach the other device")
		}
	}
}

func TestExcludedPatientsNeverLeaveAndWithdrawalPurgesTheBucket(t *testing.T) {
	r := newMem()
	a, rk := firstDevice(t, r)
	a.start(r)
	refused, later := store.NewID(), store.NewID()
	a.excluded[refused.String()] = true
	a.put("patients", refused, patientRec{Name: "Refusnik-Secret"})
	a.put("patients", later, patientRec{Name: "Withdrawer-Secret"})
	rep := a.sync()
	if rep.Held != 1 {
		t.Fatalf("held = %d, want the refusing patient's record held", rep.Held)
	}
	if bucketHas(t, r, a.v, "Refusnik-Secret") {
		t.Fatal("a patient who refused hosting is in the bucket")
	}
	if !bucketHas(t, r, a.v, "Withdrawer-Secret") {
		t.Fatal("the consenting patient was not sent")
	}
	a.excluded[later.String()] = true // consent withdrawn
	a.sync()
	if bucketHas(t, r, a.v, "Withdrawer-Secret") {
		t.Fatal("a withdrawn patient is still in the bucket after the next sync")
	}
	if _, ok := a.patient(later); !ok {
		t.Fatal("withdrawal removed the patient from the device")
	}
	b := joinDevice(t, r, rk)
	b.sync()
	if _, ok := b.patient(refused); ok {
		t.Fatal("the other device received a patient who refused hosting")
	}
	// Consent given: the held records go.
	delete(a.excluded, refused.String())
	a.sync()
	b.sync()
	if p, ok := b.patient(refused); !ok || p.Name != "Refusnik-Secret" {
		t.Fatal("after consent, the patient did not reach the other device")
	}
}

// bucketHas opens every object with the practice's key and looks for s in
// the clear text; it also checks s is nowhere in the raw objects.
func bucketHas(t *testing.T, r *memRemote, v *store.Vault, s string) bool {
	t.Helper()
	key, err := v.SyncKey()
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	found := false
	for n, obj := range r.objs {
		if bytes.Contains(obj, []byte(s)) {
			t.Fatalf("object %s holds %q in clear", n, s)
		}
		if pt, err := openObject(key, n, obj); err == nil && bytes.Contains(pt, []byte(s)) {
			found = true
		}
	}
	return found
}

func TestNewDeviceStartsFromSnapshotsAfterCompaction(t *testing.T) {
	r := newMem()
	a, rk := firstDevice(t, r)
	a.start(r)
	ids := make([]store.ID, 10)
	for i := range ids {
		ids[i] = store.NewID()
		a.put("patients", ids[i], patientRec{Name: "P"})
		a.sync() // one segment each: compaction kicks in after 3
	}
	a.edit(ids[0], func(p *patientRec) { p.Name = "Edited" })
	a.sync()
	segs, _ := r.List(context.Background(), segPrefix)
	if len(segs) > 5 {
		t.Fatalf("%d segment objects after compaction, want a snapshot and a few segments", len(segs))
	}
	c := joinDevice(t, r, rk)
	rep := c.sync()
	if n := countBucket(t, c.v, "patients"); n != 10 {
		t.Fatalf("new device has %d patients, want 10", n)
	}
	if p, _ := c.patient(ids[0]); p.Name != "Edited" {
		t.Fatalf("new device has %q, want the latest version", p.Name)
	}
	if rep.Received > 12 {
		t.Fatalf("new device downloaded %d changes for 10 records: compaction did not shorten the log", rep.Received)
	}
}

func TestTamperedSegmentIsIgnoredWhole(t *testing.T) {
	r := newMem()
	a, rk := firstDevice(t, r)
	a.start(r)
	a.put("patients", store.NewID(), patientRec{Name: "One"})
	a.put("patients", store.NewID(), patientRec{Name: "Two"})
	a.sync()
	segs, _ := r.List(context.Background(), segPrefix)
	r.objs[segs[0]][len(r.objs[segs[0]])-3] ^= 1
	b := joinDevice(t, r, rk)
	if _, err := b.e.Run(context.Background()); !errors.Is(err, ErrUnauthentic) {
		t.Fatalf("run over a tampered segment: %v, want ErrUnauthentic", err)
	}
	if n := countBucket(t, b.v, "patients"); n != 0 {
		t.Fatalf("%d records applied from a tampered segment", n)
	}
}

func TestAnEmptiedRemoteNeverWipesLocalData(t *testing.T) {
	r := newMem()
	a, _ := firstDevice(t, r)
	a.start(r)
	id := store.NewID()
	a.put("patients", id, patientRec{Name: "Kept"})
	a.sync()
	// The host loses everything but the key object.
	for n := range r.objs {
		if n != keyObject {
			delete(r.objs, n)
		}
	}
	rep := a.sync()
	if _, ok := a.patient(id); !ok {
		t.Fatal("local record lost after the remote was emptied")
	}
	if rep.Sent == 0 {
		t.Fatal("the device did not send its data again to the emptied remote")
	}
}

func TestAnotherPracticesBucketIsRefused(t *testing.T) {
	r := newMem()
	a, _ := firstDevice(t, r)
	a.start(r)
	other, _ := firstDevice(t, r)
	_, _, err := Setup(context.Background(), other.v, r)
	if !errors.Is(err, ErrOtherPractice) {
		t.Fatalf("setup on another practice's bucket: %v, want ErrOtherPractice", err)
	}
}

func FuzzDecodeSegment(f *testing.F) {
	f.Add(encodeSegment([]Change{{Bucket: "patients", H: HLC{Wall: 1, Dev: "a"}, V: VV{"a": 1}, Value: []byte(`{"x":1}`)}}))
	f.Add([]byte("CSG1\x05hello"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := decodeSegment(b)
		if err != nil {
			return
		}
		again, err := decodeSegment(encodeSegment(cs))
		if err != nil || len(again) != len(cs) {
			t.Fatalf("re-encoding a decoded segment: %v, %d changes want %d", err, len(again), len(cs))
		}
	})
}

func TestMergeOfRawValuesKeepsTheLoser(t *testing.T) {
	l := meta{Change: Change{H: HLC{Wall: 1, Dev: "a"}, V: VV{"a": 1}}}
	r := Change{H: HLC{Wall: 2, Dev: "b"}, V: VV{"b": 1}, Value: []byte("remote bytes")}
	m := mergeConcurrent(l, []byte("local bytes"), r)
	if string(m.value) != "remote bytes" || string(m.lost) != "local bytes" {
		t.Fatalf("merge = %q lost %q", m.value, m.lost)
	}
	var x map[string]any
	_ = json.Unmarshal(nil, &x)
}

// failingRemote fails every Put after the first n.
type failingRemote struct {
	*memRemote
	n int
}

func (f *failingRemote) Put(ctx context.Context, name string, b []byte) error {
	if f.n <= 0 {
		return errors.New("connection reset")
	}
	f.n--
	return f.memRemote.Put(ctx, name, b)
}

func TestAnInterruptedFirstUploadResumesWhereItStopped(t *testing.T) {
	r := newMem()
	a, rk := firstDevice(t, r)
	for range 300 {
		a.put("patients", store.NewID(), patientRec{Name: strings.Repeat("n", 400)})
	}
	a.start(r)
	a.e.cfg.SegmentSize = 16 << 10 // many small segments
	a.e.Use(&failingRemote{memRemote: r, n: 10}, nil)
	if _, err := a.e.Run(context.Background()); err == nil {
		t.Fatal("the run survived a dropped connection")
	}
	a.e.Use(r, nil)
	rep := a.sync()
	if rep.Sent == 0 || rep.Sent >= 300 {
		t.Fatalf("the resumed upload sent %d records; want only those not listed yet (fewer than 300)", rep.Sent)
	}
	b := joinDevice(t, r, rk)
	b.sync()
	if n := countBucket(t, b.v, "patients"); n != 300 {
		t.Fatalf("the other device has %d patients, want 300", n)
	}
}
