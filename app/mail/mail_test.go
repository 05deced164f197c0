package mail

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
)

// testCA makes a throw-away certificate for localhost, and its PEM.
func testCA(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Len()) }

// server runs go-imap's in-memory IMAP server over TLS on loopback.
func server(t *testing.T) (*imapmemserver.User, int, []byte) {
	t.Helper()
	cert, caPEM := testCA(t)
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("cabinet", "mot de passe imap")
	user.Create("INBOX", nil)
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return user, ln.Addr().(*net.TCPAddr).Port, caPEM
}

func deliver(t *testing.T, u *imapmemserver.User, raw string) {
	t.Helper()
	if _, err := u.Append("INBOX", literal{bytes.NewReader([]byte(strings.ReplaceAll(raw, "\n", "\r\n")))}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

func fromPatient(id, subject string) string {
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 compte rendu"))
	return `From: =?utf-8?q?H=C3=A9l=C3=A8ne_Dupont?= <helene.dl@example.com>
To: cabinet@example.fr
Subject: ` + subject + `
Message-ID: <` + id + `@example.com>
Date: Mon, 02 Mar 2026 10:00:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Bonjour Docteur,
je vous envoie le compte rendu. Pourriez-vous m'envoyer une copie de mes donn=C3=A9es ?

--b1
Content-Type: application/pdf; name="compte-rendu.pdf"
Content-Disposition: attachment; filename="compte-rendu.pdf"
Content-Transfer-Encoding: base64

` + pdf + `
--b1--
`
}

const fromStranger = `From: laboratoire@example.org
Subject: Résultats
Message-ID: <lab-1@example.org>
Content-Type: text/plain

Résultats disponibles.
`

func practiceWithMail(t *testing.T, port int, caPEM []byte) (*practice.Practice, patient.Patient) {
	t.Helper()
	p, _, err := practice.Create(t.TempDir(), []byte("correct horse battery staple"), &practice.Options{Store: &store.Options{KDF: &store.TestKDF}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	h, err := p.AddPatient(context.Background(), patient.Patient{BirthName: "Dupont", FirstNames: "Hélène", BirthDate: "1972-09-14", Email: "helene.dl@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetMailAccount(context.Background(), practice.MailAccount{Host: "localhost", Port: port, User: "cabinet", Password: "mot de passe imap", CAPEM: caPEM, After: "seen"}); err != nil {
		t.Fatal(err)
	}
	return p, h
}

func TestIntakeRoutesFlagsAndNeverDuplicates(t *testing.T) {
	user, port, ca := server(t)
	p, h := practiceWithMail(t, port, ca)
	ctx := context.Background()
	deliver(t, user, fromPatient("m1", "Compte rendu et demande RGPD"))
	deliver(t, user, fromStranger)
	rep, err := Intake(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.New != 2 || rep.Routed != 1 || rep.Intake != 1 || rep.Rights != 1 {
		t.Fatalf("first run %+v", rep)
	}
	docs, _ := p.Documents(ctx, h.ID)
	if len(docs) != 1 || docs[0].Name != "compte-rendu.pdf" {
		t.Errorf("attachment not in the record: %+v", docs)
	}
	msgs, _ := p.MailMessages(ctx, false)
	var routed practice.MailMessage
	for _, m := range msgs {
		if m.PatientID == h.ID {
			routed = m
		}
	}
	if routed.RightsKind != privacy.Access || !strings.Contains(routed.Body, "copie de mes données") || routed.From != "helene.dl@example.com" {
		t.Errorf("routed message %+v", routed)
	}
	if intake, _ := p.MailMessages(ctx, true); len(intake) != 1 || intake[0].Subject != "Résultats" {
		t.Errorf("intake list %+v", intake)
	}
	// A second run takes nothing new.
	if rep, err := Intake(ctx, p, nil); err != nil || rep.New != 0 {
		t.Fatalf("second run %+v %v", rep, err)
	}
	// The server's mailbox is rebuilt (new UIDVALIDITY) with the same messages.
	user.Delete("INBOX")
	user.Create("INBOX", nil)
	deliver(t, user, fromPatient("m1", "Compte rendu et demande RGPD"))
	deliver(t, user, fromStranger)
	deliver(t, user, fromPatient("m2", "Merci"))
	rep, err = Intake(ctx, p, nil)
	if err != nil || rep.New != 1 || rep.Duplicate != 2 {
		t.Fatalf("after a UIDVALIDITY change %+v %v", rep, err)
	}
	found := false
	p.AuditEntries(func(e store.AuditEntry) error {
		if e.Action == "mail.intake" && strings.Contains(e.Detail, "new=1") && !strings.Contains(e.Detail, "Dupont") {
			found = true
		}
		return nil
	})
	if !found {
		t.Error("intake runs are not audited with counts")
	}
}

func TestCheckSaysWhatFailed(t *testing.T) {
	_, port, ca := server(t)
	good := practice.MailAccount{Host: "localhost", Port: port, User: "cabinet", Password: "mot de passe imap", Folder: "INBOX", CAPEM: ca}
	if err := Check(good); err != nil {
		t.Fatalf("good account: %v", err)
	}
	stage := func(a practice.MailAccount) string {
		var e *Error
		if err := Check(a); errors.As(err, &e) {
			return e.Stage
		}
		return "none"
	}
	bad := good
	bad.Password = "faux"
	if s := stage(bad); s != "auth" {
		t.Errorf("wrong password: %s", s)
	}
	bad = good
	bad.Folder = "Nope"
	if s := stage(bad); s != "folder" {
		t.Errorf("missing folder: %s", s)
	}
	bad = good
	bad.CAPEM = nil
	if s := stage(bad); s != "tls" {
		t.Errorf("unknown CA: %s", s)
	}
	bad = good
	bad.Host = "no-such-host.invalid"
	if s := stage(bad); s != "dns" {
		t.Errorf("unknown host: %s", s)
	}
	bad = good
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	bad.Port, _ = strconv.Atoi(strings.Split(ln.Addr().String(), ":")[1])
	ln.Close()
	if s := stage(bad); s != "connect" {
		t.Errorf("closed port: %s", s)
	}
}

func TestDetectRightsInFrenchAndEnglish(t *testing.T) {
	for text, want := range map[string]privacy.Kind{
		"Je souhaite exercer mon droit à l'effacement":  privacy.Erasure,
		"Merci de supprimer mes données":                privacy.Erasure,
		"Please send me a copy: right of access (GDPR)": privacy.Access,
		"Je voudrais une copie de mon dossier médical":  privacy.RecordAccess,
		"Je m’oppose à l'envoi de rappels":              privacy.Objection,
		"Rendez-vous de mardi":                          "",
	} {
		if got := DetectRights(text); got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(strings.ReplaceAll(fromPatient("x", "s"), "\n", "\r\n")))
	f.Add([]byte(fromStranger))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, atts, key, err := Parse(raw)
		if err != nil {
			return
		}
		if key == "" {
			t.Fatal("message without a key")
		}
		_ = m
		for _, a := range atts {
			if len(a.Data) > MaxMessage {
				t.Fatal("attachment over the bound")
			}
		}
	})
}

func FuzzReadXDM(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := ReadXDM(data)
		if err != nil {
			return
		}
		var total int
		for _, d := range docs {
			total += len(d.Data)
		}
		if total > maxXDM {
			t.Fatal("expanded over the bound")
		}
	})
}

func TestIntakeListAssignAndRightsRequest(t *testing.T) {
	user, port, ca := server(t)
	p, h := practiceWithMail(t, port, ca)
	ctx := context.Background()
	deliver(t, user, strings.Replace(fromStranger, "Résultats disponibles.", "Je souhaite exercer mon droit à l'effacement.", 1))
	if _, err := Intake(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	intake, _ := p.MailMessages(ctx, true)
	if len(intake) != 1 || intake[0].RightsKind != privacy.Erasure {
		t.Fatalf("intake %+v", intake)
	}
	if _, err := p.OpenRightFromMail(ctx, intake[0].ID, ""); err == nil {
		t.Error("a request opened from a message filed nowhere")
	}
	if _, err := p.AssignMail(ctx, intake[0].ID, h.ID); err != nil {
		t.Fatal(err)
	}
	r, err := p.OpenRightFromMail(ctx, intake[0].ID, "")
	if err != nil || r.Kind != privacy.Erasure || r.PatientID != h.ID || r.Channel != "e-mail" || r.Due == "" {
		t.Fatalf("request %+v %v", r, err)
	}
	if left, _ := p.MailMessages(ctx, true); len(left) != 0 {
		t.Errorf("assigned message still in the intake list")
	}
	all, _ := p.MailMessages(ctx, false)
	if err := p.DiscardMail(ctx, all[0].ID); err != nil {
		t.Fatal(err)
	}
	if all, _ = p.MailMessages(ctx, false); len(all) != 0 {
		t.Error("discarded message kept")
	}
}

func xdmZip(t *testing.T, nir string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("IHE_XDM/SUBSET01/METADATA.XML")
	w.Write([]byte(`<?xml version="1.0"?><SubmitObjectsRequest><ExtrinsicObject>
<Slot name="sourcePatientId"><ValueList><Value>` + nir + `^^^&amp;1.2.250.1.213.1.4.8&amp;ISO</Value></ValueList></Slot>
<Slot name="URI"><ValueList><Value>DOC0001.PDF</Value></ValueList></Slot></ExtrinsicObject></SubmitObjectsRequest>`))
	w, _ = z.Create("IHE_XDM/SUBSET01/DOC0001.PDF")
	w.Write([]byte("%PDF-1.4 résultats"))
	w, _ = z.Create("IHE_XDM/SUBSET01/OTHER.PDF") // not listed: left out
	w.Write([]byte("%PDF-1.4 autre"))
	z.Close()
	return b.Bytes()
}

func TestMSSanteXDMIsMatchedByINS(t *testing.T) {
	user, port, ca := server(t)
	p, _ := practiceWithMail(t, port, ca)
	ctx := context.Background()
	jean, err := p.AddPatient(ctx, patient.Patient{BirthName: "Martin", FirstNames: "Jean", BirthDate: "1985-05-12", Sex: patient.Male, NIR: "185057800608491"})
	if err != nil {
		t.Fatal(err)
	}
	zipB64 := base64.StdEncoding.EncodeToString(xdmZip(t, "185057800608491"))
	deliver(t, user, `From: labo@mssante.example.fr
Subject: Résultats
Message-ID: <xdm-1@mssante.example.fr>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="z"

--z
Content-Type: text/plain

Ci-joint.
--z
Content-Type: application/zip; name="IHE_XDM.ZIP"
Content-Disposition: attachment; filename="IHE_XDM.ZIP"
Content-Transfer-Encoding: base64

`+zipB64+`
--z--
`)
	rep, err := Intake(ctx, p, nil)
	if err != nil || rep.Routed != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	docs, _ := p.Documents(ctx, jean.ID)
	if len(docs) != 1 || docs[0].Name != "DOC0001.PDF" {
		t.Errorf("XDM documents filed: %+v", docs)
	}
}

func TestInterruptedIntakeResumesWithoutDuplicates(t *testing.T) {
	user, port, ca := server(t)
	p, _ := practiceWithMail(t, port, ca)
	for i := 0; i < 5; i++ {
		deliver(t, user, strings.Replace(fromStranger, "lab-1", fmt.Sprintf("lab-%d", i), 1))
	}
	old := Batch
	Batch = 2
	defer func() { Batch = old }()
	ctx, cancel := context.WithCancel(context.Background())
	rep, err := Intake(ctx, p, func(done, total int) {
		if done >= 2 {
			cancel() // the connection drops after the first batch
		}
	})
	if err == nil || rep.New != 2 {
		t.Fatalf("interrupted run %+v %v", rep, err)
	}
	rep, err = Intake(context.Background(), p, nil)
	if err != nil || rep.New != 3 || rep.Duplicate != 0 {
		t.Fatalf("resumed run %+v %v", rep, err)
	}
	if all, _ := p.MailMessages(context.Background(), false); len(all) != 5 {
		t.Errorf("%d messages stored, want 5", len(all))
	}
}

func TestMoveAfterImport(t *testing.T) {
	user, port, ca := server(t)
	p, _ := practiceWithMail(t, port, ca)
	user.Create("Cabinet", nil)
	ctx := context.Background()
	a, _, _ := p.MailAccount(ctx)
	a.After = "move:Cabinet"
	p.SetMailAccount(ctx, a)
	deliver(t, user, fromStranger)
	if _, err := Intake(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	st, err := user.Status("INBOX", &imap.StatusOptions{NumMessages: true})
	if err != nil || *st.NumMessages != 0 {
		t.Errorf("message not moved out of INBOX: %+v %v", st, err)
	}
}
