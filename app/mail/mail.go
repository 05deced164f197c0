// Package mail takes in the practice's mailbox over IMAP (go-imap v2):
// messages from a patient's address go to their record with their
// attachments, sealed; others wait in an intake list; messages that read
// like a GDPR request are flagged so that a rights request is opened on
// time. It is an adapter: network here, use cases in app/practice.
package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
)

// Error is a failure worded for the practitioner, by stage.
type Error struct {
	Stage string // "dns", "connect", "tls", "auth", "folder", "fetch"
	Err   error
}

func (e *Error) Error() string {
	what := map[string]string{"dns": "server name not found", "connect": "server unreachable", "tls": "TLS certificate refused",
		"auth": "login refused (user or password)", "folder": "folder not found", "fetch": "reading messages failed"}[e.Stage]
	return what + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// French words the failure for the GUI.
func (e *Error) French() string {
	return map[string]string{"dns": "Serveur introuvable : vérifiez le nom du serveur IMAP.", "connect": "Serveur injoignable : vérifiez le port et la connexion.",
		"tls":  "Certificat TLS refusé : le serveur n'est pas celui attendu, ou son autorité n'est pas reconnue.",
		"auth": "Connexion refusée : vérifiez l'identifiant et le mot de passe.", "folder": "Dossier introuvable sur le serveur.",
		"fetch": "Lecture des messages interrompue : elle reprendra au prochain relevé."}[e.Stage]
}

func dial(a practice.MailAccount) (*imapclient.Client, error) {
	cfg := &tls.Config{ServerName: a.Host, MinVersion: tls.VersionTLS12}
	if len(a.CAPEM) > 0 {
		pool, _ := x509.SystemCertPool()
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(a.CAPEM) {
			return nil, &Error{"tls", errors.New("the CA file holds no certificate")}
		}
		cfg.RootCAs = pool
	}
	if _, err := net.LookupHost(a.Host); err != nil {
		return nil, &Error{"dns", err}
	}
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	opts := &imapclient.Options{TLSConfig: cfg, Dialer: &net.Dialer{Timeout: 15 * time.Second}}
	var c *imapclient.Client
	var err error
	if a.StartTLS {
		c, err = imapclient.DialStartTLS(addr, opts)
	} else {
		c, err = imapclient.DialTLS(addr, opts)
	}
	if err != nil {
		var cerr *tls.CertificateVerificationError
		if errors.As(err, &cerr) || strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "tls:") {
			return nil, &Error{"tls", err}
		}
		return nil, &Error{"connect", err}
	}
	if err := c.Login(a.User, a.Password).Wait(); err != nil {
		c.Close()
		return nil, &Error{"auth", err}
	}
	return c, nil
}

// Check connects, logs in and opens the folder, and says what failed.
func Check(a practice.MailAccount) error {
	c, err := dial(a)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Select(a.Folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return &Error{"folder", err}
	}
	return c.Logout().Wait()
}

// Report counts what a run did; it never holds contents.
type Report struct {
	New       int `json:"new"`
	Routed    int `json:"routed"`     // to a patient's record
	Intake    int `json:"intake"`     // waiting for the practitioner
	Rights    int `json:"rights"`     // flagged as GDPR requests
	Duplicate int `json:"duplicates"` // already taken in (UIDVALIDITY change)
}

// Batch is how many messages are fetched at once.
var Batch = 50

// Intake takes in the new messages. A dropped connection leaves the
// messages taken so far stored and the position saved: the next run
// resumes after them.
func Intake(ctx context.Context, p *practice.Practice, progress func(done, total int)) (Report, error) {
	var rep Report
	a, on, err := p.MailAccount(ctx)
	if err != nil || !on {
		return rep, err
	}
	st, err := p.MailState(ctx)
	if err != nil {
		return rep, err
	}
	emails, err := p.PatientsByEmail(ctx)
	if err != nil {
		return rep, err
	}
	byNIR, err := p.PatientsByNIR(ctx)
	if err != nil {
		return rep, err
	}
	c, err := dial(a)
	if err != nil {
		return rep, err
	}
	defer c.Close()
	sel, err := c.Select(a.Folder, nil).Wait()
	if err != nil {
		return rep, &Error{"folder", err}
	}
	if sel.UIDValidity != st.UIDValidity {
		// A new mailbox identity: UIDs restart; Message-IDs tell what was taken.
		st.UIDValidity, st.LastUID = sel.UIDValidity, 0
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(st.LastUID+1), 0)
	found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return rep, &Error{"fetch", err}
	}
	var uids []imap.UID
	for _, u := range found.AllUIDs() {
		if uint32(u) > st.LastUID {
			uids = append(uids, u)
		}
	}
	for i := 0; i < len(uids); i += Batch {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		batch := uids[i:min(i+Batch, len(uids))]
		msgs, err := c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil {
			return rep, &Error{"fetch", err}
		}
		for _, m := range msgs {
			if len(m.BodySection) == 0 {
				continue
			}
			raw := m.BodySection[0].Bytes
			msg, atts, key, perr := Parse(raw)
			st.LastUID = max(st.LastUID, uint32(m.UID))
			if perr != nil || st.Seen[key] {
				if st.Seen[key] {
					rep.Duplicate++
				}
				if err := p.SaveMailState(ctx, st); err != nil {
					return rep, err
				}
				continue
			}
			msg.PatientID = emails[strings.ToLower(msg.From)]
			if msg.PatientID == "" && msg.INS != "" {
				msg.PatientID = byNIR[msg.INS]
			}
			msg.RightsKind = DetectRights(msg.Subject + "\n" + msg.Body)
			if _, err := p.TakeInMail(ctx, msg, atts, st, key); err != nil {
				return rep, err
			}
			st.Seen[key] = true
			rep.New++
			if msg.PatientID != "" {
				rep.Routed++
			} else {
				rep.Intake++
			}
			if msg.RightsKind != "" {
				rep.Rights++
			}
			switch {
			case a.After == "seen":
				c.Store(imap.UIDSetNum(m.UID), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
			case strings.HasPrefix(a.After, "move:"):
				if _, err := c.Move(imap.UIDSetNum(m.UID), strings.TrimPrefix(a.After, "move:")).Wait(); err != nil {
					return rep, &Error{"folder", err}
				}
			}
		}
		if progress != nil {
			progress(min(i+Batch, len(uids)), len(uids))
		}
	}
	st.LastRun = time.Now().UTC()
	if err := p.SaveMailState(ctx, st); err != nil {
		return rep, err
	}
	p.Audit("mail.intake", "", fmt.Sprintf("new=%d routed=%d intake=%d rights=%d duplicates=%d", rep.New, rep.Routed, rep.Intake, rep.Rights, rep.Duplicate))
	return rep, c.Logout().Wait()
}

var words = new(mime.WordDecoder)

// MaxMessage bounds a message taken in.
const MaxMessage = 50 << 20

// Parse reads a raw message: sender, subject (RFC 2047 words decoded),
// date, the text body and the attachments. key identifies the message
// across UIDVALIDITY changes (a hash of its Message-ID, or of the message).
func Parse(raw []byte) (practice.MailMessage, []practice.MailAttachment, string, error) {
	var m practice.MailMessage
	if len(raw) > MaxMessage {
		return m, nil, "", errors.New("message too large")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m, nil, "", err
	}
	h := msg.Header
	if from, err := mail.ParseAddress(h.Get("From")); err == nil {
		m.From = strings.ToLower(from.Address)
	}
	m.Subject, _ = words.DecodeHeader(h.Get("Subject"))
	m.Date, _ = h.Date()
	id := h.Get("Message-Id")
	if id == "" {
		id = string(raw)
	}
	sum := sha256.Sum256([]byte(id))
	key := hex.EncodeToString(sum[:16])
	var atts []practice.MailAttachment
	var body strings.Builder
	x := &xdmInfo{}
	if err := walk(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), msg.Body, &body, &atts, x, 0); err != nil {
		return m, nil, "", err
	}
	m.INS = x.ins
	m.Body = strings.TrimSpace(body.String())
	if len(m.Body) > 100_000 {
		m.Body = m.Body[:100_000]
	}
	return m, atts, key, nil
}

// walk reads a MIME part: text goes to body, files to atts, XDM zips are
// unpacked.
func walk(ctype, cte string, r io.Reader, body *strings.Builder, atts *[]practice.MailAttachment, x *xdmInfo, depth int) error {
	if depth > 10 {
		return errors.New("MIME parts nested too deep")
	}
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || ctype == "" {
		mt, params = "text/plain", map[string]string{}
	}
	r = decodeTransfer(cte, r)
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			name := part.FileName()
			if name != "" || strings.HasPrefix(part.Header.Get("Content-Disposition"), "attachment") {
				data, err := io.ReadAll(io.LimitReader(decodeTransfer(part.Header.Get("Content-Transfer-Encoding"), part), MaxMessage))
				if err != nil {
					return err
				}
				addAttachment(atts, x, name, data)
				continue
			}
			if err := walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part, body, atts, x, depth+1); err != nil {
				return err
			}
		}
	}
	if mt == "text/plain" || mt == "text/html" && body.Len() == 0 {
		data, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			return err
		}
		text := string(data)
		if mt == "text/html" {
			text = stripTags(text)
		}
		body.WriteString(toUTF8(text, params["charset"]))
	}
	return nil
}

// xdmInfo is what XDM metadata tells about the patient.
type xdmInfo struct{ ins string }

func addAttachment(atts *[]practice.MailAttachment, x *xdmInfo, name string, data []byte) {
	if d, err := words.DecodeHeader(name); err == nil {
		name = d
	}
	if strings.HasSuffix(strings.ToLower(name), ".zip") {
		if docs, ins, err := readXDM(data); err == nil && len(docs) > 0 {
			*atts = append(*atts, docs...)
			if x.ins == "" {
				x.ins = ins
			}
			return
		}
	}
	*atts = append(*atts, practice.MailAttachment{Name: name, Data: data})
}

func decodeTransfer(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64Reader(r)
	case "quoted-printable":
		return qpReader(r)
	}
	return r
}

func toUTF8(s, charset string) string {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "windows-1252", "iso-8859-15":
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			b.WriteRune(rune(s[i]))
		}
		return b.String()
	}
	return s
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// rightsWords are phrases of GDPR requests, French and English.
var rightsWords = []struct {
	kind  privacy.Kind
	words []string
}{
	{privacy.Erasure, []string{"droit à l'effacement", "droit a l'effacement", "effacer mes données", "supprimer mes données", "suppression de mes données", "right to erasure", "delete my data", "erase my data"}},
	{privacy.Portability, []string{"portabilité", "portabilite", "data portability"}},
	{privacy.Rectification, []string{"rectification", "rectify", "corriger mes données"}},
	{privacy.Objection, []string{"je m'oppose", "droit d'opposition", "opposition au traitement", "i object", "right to object"}},
	{privacy.RecordAccess, []string{"copie de mon dossier médical", "accès à mon dossier médical", "acces a mon dossier medical", "my medical record"}},
	{privacy.Access, []string{"droit d'accès", "droit d'acces", "accès à mes données", "copie de mes données", "right of access", "access to my data", "subject access request", "rgpd", "gdpr"}},
}

// DetectRights tells whether a message reads like a GDPR request, and of
// which kind.
func DetectRights(text string) privacy.Kind {
	t := strings.ToLower(text)
	t = strings.ReplaceAll(t, "’", "'")
	for _, rw := range rightsWords {
		for _, w := range rw.words {
			if strings.Contains(t, w) {
				return rw.kind
			}
		}
	}
	return ""
}
