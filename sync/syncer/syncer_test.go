package syncer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
	"github.com/cabinet-sante/cabinet/sync/engine"
	"github.com/cabinet-sante/cabinet/sync/s3/s3test"
	"github.com/cabinet-sante/cabinet/sync/syncer"
)

var pass = []byte("une phrase de passe assez longue")

func opts() *practice.Options { return &practice.Options{Store: &store.Options{KDF: &store.TestKDF}} }

func account(t testing.TB, s *s3test.Server, endpoint string) practice.SyncAccount {
	t.Helper()
	ca, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	return practice.SyncAccount{Endpoint: endpoint, Bucket: s.Bucket, AccessKey: s.AccessKey, SecretKey: s.SecretKey,
		CA: string(ca), Host: "Hébergeur de test", HDSCertificate: "HDS-TEST-1"}
}

func firstDevice(t *testing.T) (*practice.Practice, string) {
	t.Helper()
	p, rk, err := practice.Create(filepath.Join(t.TempDir(), "a"), pass, opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	ctx := context.Background()
	if err := p.SetPractitioner(ctx, billing.Practitioner{Name: "Dr Claire Martin", Profession: "Médecin généraliste",
		Address: "3 rue des Lilas\n69003 Lyon", RPPS: "10001234567", Place: "Lyon"}); err != nil {
		t.Fatal(err)
	}
	if err := p.SaveAct(ctx, billing.Act{Code: "C", Label: "Consultation", Price: 3000}); err != nil {
		t.Fatal(err)
	}
	return p, rk
}

func addPatient(t *testing.T, p *practice.Practice, name, phone string) patient.Patient {
	t.Helper()
	pt, err := p.AddPatient(context.Background(), patient.Patient{BirthName: name, FirstNames: "Camille", BirthDate: "1980-02-03",
		Sex: patient.Female, Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func syncNow(t *testing.T, p *practice.Practice) engine.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := syncer.Now(ctx, p, nil)
	if err != nil {
		t.Fatalf("sync now: %v", err)
	}
	return rep
}

func join(t *testing.T, acct practice.SyncAccount, rk, name string) *practice.Practice {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, _, err := syncer.Join(ctx, filepath.Join(t.TempDir(), name), pass, rk, acct, opts())
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestDevicesShareAPracticeThroughARealS3ServerOverTLS(t *testing.T) {
	srv := s3test.Start(t)
	acct := account(t, srv, srv.Endpoint)
	ctx := context.Background()
	a, rk := firstDevice(t)
	kept := addPatient(t, a, "Planted-Lambert", "0699887766")
	objector := addPatient(t, a, "Objector-Zyxwvut", "0611223344")
	if err := a.RecordConsent(ctx, privacy.Consent{PatientID: objector.ID, Purpose: privacy.HDSHosting, Decision: privacy.Refused, Date: "2026-11-01", Proof: privacy.Oral}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SaveConsultation(ctx, patient.Consultation{PatientID: kept.ID, Date: time.Now().UTC(), Reason: "Planted-Lombalgie"}); err != nil {
		t.Fatal(err)
	}
	na, err := a.IssueNote(ctx, practice.NoteRequest{PatientID: kept.ID, Acts: []practice.ActQty{{Code: "C", Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.Enable(ctx, a, acct); err != nil {
		t.Fatalf("enable: %v", err)
	}
	if st, _ := syncer.Status(a); !st.On || !st.FirstUpload {
		t.Fatalf("status after enable = %+v, want on with the first upload to do", st)
	}
	if rep := syncNow(t, a); rep.Held == 0 {
		t.Fatalf("first sync held %d records; the objector's must stay", rep.Held)
	}

	b := join(t, acct, rk, "b")
	if got, err := b.Patient(ctx, kept.ID); err != nil || got.BirthName != kept.BirthName {
		t.Fatalf("joined device: patient %v, %v", got.BirthName, err)
	}
	if _, err := b.Patient(ctx, objector.ID); err == nil {
		t.Fatal("the patient who objected to hosting reached the other device")
	}
	if hits, _ := b.Search(ctx, "planted", 10); len(hits) != 1 {
		t.Fatalf("search on the joined device found %d patients, want 1 (the index follows sync)", len(hits))
	}
	nb, err := b.IssueNote(ctx, practice.NoteRequest{PatientID: kept.ID, Acts: []practice.ActQty{{Code: "C", Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(nb.Number, "B-") || strings.HasPrefix(na.Number, "B-") {
		t.Fatalf("numbers %s (first device) and %s (joined): want one series per device", na.Number, nb.Number)
	}

	// Concurrent edits: the same field on both devices, and new records.
	pa, _ := a.Patient(ctx, kept.ID)
	pa.Phone = "0600000001"
	if _, err := a.UpdatePatient(ctx, pa); err != nil {
		t.Fatal(err)
	}
	pb, _ := b.Patient(ctx, kept.ID)
	pb.Phone = "0600000002"
	if _, err := b.UpdatePatient(ctx, pb); err != nil {
		t.Fatal(err)
	}
	addPatient(t, b, "Nouveau-Sur-B", "")
	syncNow(t, a)
	syncNow(t, b)
	syncNow(t, a)
	fa, _ := a.Patient(ctx, kept.ID)
	fb, _ := b.Patient(ctx, kept.ID)
	if fa.Phone != fb.Phone {
		t.Fatalf("devices did not converge: %s and %s", fa.Phone, fb.Phone)
	}
	for _, p := range []*practice.Practice{a, b} {
		cs, err := syncer.Conflicts(p)
		if err != nil || len(cs) == 0 {
			t.Fatalf("no conflict kept for review: %v", err)
		}
		if p.PatientCount() != 2 && p == b || p == a && p.PatientCount() != 3 {
			t.Fatalf("patient counts: a %d, b %d", a.PatientCount(), b.PatientCount())
		}
	}
	// Both notes are on both devices, each in its own series.
	for _, p := range []*practice.Practice{a, b} {
		notes, err := p.Notes(ctx, practice.NoteFilter{})
		if err != nil || len(notes) != 2 {
			t.Fatalf("notes on a device: %d, %v; want both", len(notes), err)
		}
	}

	c := join(t, acct, rk, "c")
	if c.PatientCount() != 2 {
		t.Fatalf("third device has %d patients, want 2", c.PatientCount())
	}
	if st, _ := syncer.Status(c); st.Series != "C" {
		t.Fatalf("third device's series = %q, want C", st.Series)
	}

	// A withdrawal on one device removes the patient from every device's
	// log at the host (the other device learns it from the exclusion
	// record, which carries only the random id).
	if err := a.RecordConsent(ctx, privacy.Consent{PatientID: kept.ID, Purpose: privacy.HDSHosting, Decision: privacy.Withdrawn, Date: "2026-11-20", Proof: privacy.Oral}); err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	syncNow(t, b)
	syncNow(t, b)
	syncNow(t, c)
	if _, err := b.Patient(ctx, kept.ID); err != nil {
		t.Fatal("a withdrawal on another device removed the patient locally")
	}

	// What the host holds: nothing in clear, and nothing of the patients
	// who objected even once decrypted.
	key, err := a.Vault().SyncKey()
	if err != nil {
		t.Fatal(err)
	}
	objs := srv.Objects(t)
	if len(objs) < 4 {
		t.Fatalf("%d objects in the bucket", len(objs))
	}
	for name, obj := range objs {
		for _, planted := range []string{"Planted", "Lambert", "0699887766", "Lombalgie", "Zyxwvut", "Camille", "Claire Martin"} {
			if bytes.Contains(obj, []byte(planted)) || strings.Contains(name, planted) {
				t.Fatalf("object %s holds %q in clear", name, planted)
			}
		}
		cs, err := engine.Inspect(key, name, obj)
		if err != nil {
			t.Fatalf("object %s: %v", name, err)
		}
		for _, ch := range cs {
			if ch.Bucket == "hosting-exclusions" || ch.Del {
				continue
			}
			for _, who := range []string{objector.ID, kept.ID} {
				if ch.ID.String() == who || bytes.Contains(ch.Value, []byte(who)) {
					t.Fatalf("object %s holds a record of a patient who objected (%s)", name, ch.Bucket)
				}
			}
			for _, planted := range []string{"Zyxwvut", "Lambert"} {
				if bytes.Contains(ch.Value, []byte(planted)) {
					t.Fatalf("object %s holds %q once decrypted", name, planted)
				}
			}
		}
	}

	// The register of processing names the host as a recipient.
	cfg, err := a.PrivacyConfig(ctx)
	if err != nil || !cfg.SyncOn || !strings.Contains(cfg.SyncHost, "HDS-TEST-1") {
		t.Fatalf("register config: %+v, %v", cfg.SyncOn, err)
	}

	// Forget the remote copy: the bucket is empty, local data intact.
	if _, err := syncer.Disable(ctx, a, true); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Objects(t)); n != 0 {
		t.Fatalf("%d objects left after forgetting the remote copy", n)
	}
	if a.PatientCount() != 3 {
		t.Fatalf("local patients after forgetting the remote: %d", a.PatientCount())
	}
	if _, err := syncer.Now(ctx, a, nil); err == nil {
		t.Fatal("sync ran after being turned off")
	}
}

func TestBadAccountsGetClearMessages(t *testing.T) {
	srv := s3test.Start(t)
	a, _ := firstDevice(t)
	ctx := context.Background()
	good := account(t, srv, srv.Endpoint)
	cases := map[string]func(*practice.SyncAccount){
		"plain http":     func(x *practice.SyncAccount) { x.Endpoint = strings.Replace(x.Endpoint, "https", "http", 1) },
		"unknown CA":     func(x *practice.SyncAccount) { x.CA = "" },
		"wrong secret":   func(x *practice.SyncAccount) { x.SecretKey = "wrong-secret-key" },
		"missing bucket": func(x *practice.SyncAccount) { x.Bucket = "no-such-bucket" },
	}
	for name, breakIt := range cases {
		x := good
		breakIt(&x)
		_, err := syncer.Enable(ctx, a, x)
		if err == nil {
			t.Fatalf("%s: enable succeeded", name)
		}
		var m interface{ Error() string }
		if !errors.As(err, &m) || strings.Contains(err.Error(), x.SecretKey) {
			t.Fatalf("%s: %v", name, err)
		}
		if st, _ := syncer.Status(a); st.On {
			t.Fatalf("%s: sync is on after a failed enable", name)
		}
	}
}

// A proxy that drops connections and truncates responses sits between the
// devices and the server; after it heals, the devices converge with
// nothing lost and nothing duplicated.
func TestDevicesConvergeAfterAFlakyNetwork(t *testing.T) {
	srv := s3test.Start(t)
	proxy := s3test.NewProxy(t, strings.TrimPrefix(srv.Endpoint, "https://"))
	acct := account(t, srv, proxy.Endpoint())
	ctx := context.Background()
	a, rk := firstDevice(t)
	if _, err := syncer.Enable(ctx, a, acct); err != nil {
		t.Fatal(err)
	}
	syncNow(t, a)
	b := join(t, acct, rk, "b")

	proxy.SetFaults(0.3, 0.3, 1)
	failures := 0
	for range 6 {
		addPatient(t, a, "Flaky-A", "")
		addPatient(t, b, "Flaky-B", "")
		for _, p := range []*practice.Practice{a, b} {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			if _, err := syncer.Now(ctx, p, nil); err != nil {
				failures++
			}
			cancel()
		}
	}
	proxy.SetFaults(0, 0, 1)
	for range 2 {
		syncNow(t, a)
		syncNow(t, b)
	}
	if dropped, truncated := proxy.Faults(); dropped+truncated == 0 {
		t.Fatal("the proxy injected no fault")
	}
	for _, p := range []*practice.Practice{a, b} {
		if n := p.PatientCount(); n != 12 {
			t.Fatalf("a device has %d patients after the network healed, want 12 (nothing lost, nothing doubled)", n)
		}
		if st, _ := syncer.Status(p); st.Pending != 0 {
			t.Fatalf("%d changes still pending after the network healed", st.Pending)
		}
		if rep, err := p.VerifyAudit(); err != nil || rep.Break != nil {
			t.Fatalf("audit chain after flaky syncs: %v %+v", err, rep.Break)
		}
	}
	t.Logf("%d of 12 runs failed under faults", failures)
}

// Turning sync off during a long first upload stops it at once, and the
// device's data stays whole.
func TestTurningSyncOffStopsARunInProgress(t *testing.T) {
	srv := s3test.Start(t)
	acct := account(t, srv, srv.Endpoint)
	ctx := context.Background()
	a, _ := firstDevice(t)
	for i := range 300 {
		addPatient(t, a, "Long-"+strings.Repeat("x", i%7), "")
	}
	if _, err := syncer.Enable(ctx, a, acct); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once bool
		_, err := syncer.Now(ctx, a, func(int64, int64) {
			if !once {
				once = true
				close(started)
				time.Sleep(200 * time.Millisecond) // the run is mid-upload
			}
		})
		done <- err
	}()
	<-started
	stopAt := time.Now()
	if _, err := syncer.Disable(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Log("the run finished before it could be stopped")
	}
	if d := time.Since(stopAt); d > 5*time.Second {
		t.Fatalf("turning sync off took %v", d)
	}
	if st, _ := syncer.Status(a); st.On {
		t.Fatal("sync still on")
	}
	if a.PatientCount() != 300 {
		t.Fatalf("%d patients after stopping a run, want 300", a.PatientCount())
	}
	if rep, err := a.VerifyAudit(); err != nil || rep.Break != nil {
		t.Fatalf("audit after a stopped run: %v %+v", err, rep.Break)
	}
}
