package support

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/term"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

// Options of a grant.
type Options struct {
	Duration     time.Duration // default 30 minutes, at most 4 hours
	Listen       string        // address to listen on, default 127.0.0.1:0... see Grant
	AllowPatient bool          // the practitioner ticked "allow viewing patient data"
	Expected     string        // the support person the practitioner expects, for the log
	Version      string
	Logs         func() []string
	Config       func() map[string]string
	// OnEvent receives the live transcript and the session's life, for
	// the practitioner's mirror. It must not block.
	OnEvent func(Event)
	// FailDelay slows each failed login; default 1 s.
	FailDelay time.Duration
	// Relay, when set, replaces listening: Cabinet dials the relay and asks
	// it to forward a port back (as ssh -R does); nothing listens on the
	// practice's network.
	Relay *Relay
}

// Relay is a support organisation's SSH relay.
type Relay struct {
	User, Addr  string // user name and HOST:PORT
	Fingerprint string // the relay's pinned host key (SHA256:...)
	Key         ed25519.PrivateKey
}

// ParseRelay reads USER@HOST:PORT.
func ParseRelay(s string) (user, addr string, err error) {
	user, addr, ok := strings.Cut(s, "@")
	if !ok || user == "" {
		return "", "", errors.New("relais : USER@HOST:PORT attendu")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", "", errors.New("relais : USER@HOST:PORT attendu")
	}
	return user, addr, nil
}

// dialRelay connects to the relay, checking its pinned key, and asks it
// to forward a port on its loopback to us.
func dialRelay(r *Relay) (*ssh.Client, net.Listener, error) {
	if r.Fingerprint == "" {
		return nil, nil, errors.New("relais : l'empreinte de sa clé doit être épinglée dans les réglages")
	}
	signer, err := ssh.NewSignerFromKey(r.Key)
	if err != nil {
		return nil, nil, err
	}
	c, err := ssh.Dial("tcp", r.Addr, &ssh.ClientConfig{User: r.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, Timeout: 15 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if subtle.ConstantTimeCompare([]byte(ssh.FingerprintSHA256(key)), []byte(r.Fingerprint)) != 1 {
				return errors.New("relais : la clé du serveur ne correspond pas à l'empreinte épinglée")
			}
			return nil
		}})
	if err != nil {
		return nil, nil, fmt.Errorf("relais %s : %w", r.Addr, err)
	}
	ln, err := c.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("relais : redirection refusée : %w", err)
	}
	return c, ln, nil
}

// Event is one line of the live mirror.
type Event struct {
	Time   time.Time
	Person string // "" before login
	Kind   string // "login", "login-failed", "command", "output", "logout", "end"
	Text   string
}

// MaxFailures closes a grant.
const MaxFailures = 5

// Grant is an open remote-support session.
type Grant struct {
	p      *practice.Practice
	o      Options
	ln     net.Listener
	relay  *ssh.Client // when the grant goes through a relay
	signer ssh.Signer
	env    *Env

	mu        sync.Mutex
	passwords map[[32]byte]bool // sha256 → still unused
	failures  int
	logins    int
	conns     map[*ssh.ServerConn]bool
	log       practice.SupportSession
	ended     bool
	done      chan struct{}
	timer     *time.Timer
}

// Start opens a grant: it generates a host key and a first one-time
// password, then listens.
func Start(p *practice.Practice, o Options) (*Grant, string, error) {
	if !p.Unlocked() {
		return nil, "", store.ErrLocked
	}
	if o.Duration <= 0 {
		o.Duration = 30 * time.Minute
	}
	if o.Duration > 4*time.Hour {
		return nil, "", errors.New("une session de support dure au plus 4 heures")
	}
	if o.Listen == "" {
		o.Listen = ":2222"
	}
	if o.FailDelay == 0 {
		o.FailDelay = time.Second
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, "", err
	}
	var ln net.Listener
	var relay *ssh.Client
	if o.Relay != nil {
		if relay, ln, err = dialRelay(o.Relay); err != nil {
			return nil, "", err
		}
	} else if ln, err = net.Listen("tcp", o.Listen); err != nil {
		return nil, "", fmt.Errorf("écoute impossible sur %s : %w", o.Listen, err)
	}
	host, _ := os.Hostname()
	g := &Grant{p: p, o: o, ln: ln, relay: relay, signer: signer, passwords: map[[32]byte]bool{}, conns: map[*ssh.ServerConn]bool{},
		done: make(chan struct{}),
		env:  &Env{P: p, Version: o.Version, AllowPatient: o.AllowPatient, Logs: o.Logs, Config: o.Config},
		log: practice.SupportSession{ID: store.NewID().String(), Start: time.Now().UTC(), Host: host, OS: runtime.GOOS + "/" + runtime.GOARCH,
			Version: o.Version, VaultID: p.VaultID(), Tool: "Cabinet support console over SSH (golang.org/x/crypto/ssh), Cabinet " + o.Version,
			PatientView: o.AllowPatient, Person: o.Expected}}
	pw := g.NewPassword()
	p.Audit("support.grant", g.log.ID, fmt.Sprintf("minutes=%d patient_view=%v", int(o.Duration.Minutes()), o.AllowPatient))
	g.save()
	g.mu.Lock()
	g.timer = time.AfterFunc(o.Duration, func() { g.End("expiry") })
	g.mu.Unlock()
	go g.serve()
	return g, pw, nil
}

// Addr is the address support connects to: ours, or the relay's
// forwarded port (on the relay's loopback).
func (g *Grant) Addr() string {
	if g.relay != nil {
		_, port, _ := net.SplitHostPort(g.ln.Addr().String())
		host, _, _ := net.SplitHostPort(g.o.Relay.Addr)
		return net.JoinHostPort(host, port)
	}
	return g.ln.Addr().String()
}

// Fingerprint is the host key's SHA256 fingerprint, to read out on the phone.
func (g *Grant) Fingerprint() string { return ssh.FingerprintSHA256(g.signer.PublicKey()) }

// Done is closed when the grant ends.
func (g *Grant) Done() <-chan struct{} { return g.done }

// Log is the session log so far.
func (g *Grant) Log() practice.SupportSession {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.log
	l.Commands = append([]practice.SupportCommand(nil), g.log.Commands...)
	return l
}

var pwEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewPassword issues another one-time password for this grant (a second
// support person): 100 random bits, in five groups of four.
func (g *Grant) NewPassword() string {
	b := make([]byte, 13)
	rand.Read(b)
	s := pwEncoding.EncodeToString(b)[:20]
	pw := strings.Join([]string{s[0:4], s[4:8], s[8:12], s[12:16], s[16:20]}, "-")
	g.mu.Lock()
	g.passwords[sha256.Sum256([]byte(pw))] = true
	g.mu.Unlock()
	return pw
}

func (g *Grant) event(person, kind, text string) {
	if g.o.OnEvent != nil {
		g.o.OnEvent(Event{Time: time.Now(), Person: person, Kind: kind, Text: text})
	}
}

// checkPassword consumes a one-time password; comparisons are constant
// time over the hashes.
func (g *Grant) checkPassword(pw []byte) bool {
	h := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(string(pw)))))
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ended {
		return false
	}
	ok := false
	var match [32]byte
	for k, unused := range g.passwords {
		if subtle.ConstantTimeCompare(k[:], h[:]) == 1 && unused {
			ok, match = true, k
		}
	}
	if ok {
		g.passwords[match] = false
	}
	return ok
}

func (g *Grant) config() *ssh.ServerConfig {
	c := &ssh.ServerConfig{
		MaxAuthTries: 3,
		PasswordCallback: func(meta ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if g.checkPassword(pw) {
				return &ssh.Permissions{}, nil
			}
			time.Sleep(g.o.FailDelay)
			g.mu.Lock()
			g.failures++
			n := g.failures
			g.mu.Unlock()
			g.p.Audit("support.login-failed", g.log.ID, fmt.Sprintf("from=%s attempt=%d", hostOnly(meta.RemoteAddr()), n))
			g.event("", "login-failed", fmt.Sprintf("échec de connexion depuis %s (%d/%d)", hostOnly(meta.RemoteAddr()), n, MaxFailures))
			if n >= MaxFailures {
				go g.End("too many failed logins")
			}
			return nil, errors.New("refused")
		},
		ServerVersion: "SSH-2.0-CabinetSupport",
	}
	c.AddHostKey(g.signer)
	return c
}

func hostOnly(a net.Addr) string {
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

func (g *Grant) serve() {
	cfg := g.config()
	for {
		nc, err := g.ln.Accept()
		if err != nil {
			return
		}
		go g.handle(nc, cfg)
	}
}

func (g *Grant) handle(nc net.Conn, cfg *ssh.ServerConfig) {
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	conn, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		nc.Close()
		return
	}
	nc.SetDeadline(time.Time{})
	g.mu.Lock()
	if g.ended {
		g.mu.Unlock()
		conn.Close()
		return
	}
	g.conns[conn] = true
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.conns, conn)
		g.mu.Unlock()
		conn.Close()
	}()
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.Prohibited, "only the support console is available")
			continue
		}
		ch, requests, err := nch.Accept()
		if err != nil {
			continue
		}
		go func() {
			started := false
			for req := range requests {
				switch req.Type {
				case "pty-req", "env", "window-change":
					req.Reply(true, nil)
				case "shell":
					req.Reply(!started, nil)
					if !started {
						started = true
						go func() {
							g.console(ch)
							ch.SendRequest("exit-status", false, []byte{0, 0, 0, 0})
							ch.Close()
						}()
					}
				default: // exec, subsystem (sftp), x11, port forwarding: refused
					req.Reply(false, nil)
				}
			}
		}()
	}
}

// console runs the restricted command loop on one channel.
func (g *Grant) console(ch io.ReadWriter) {
	t := term.NewTerminal(ch, "")
	fmt.Fprintf(t, "Cabinet — console de support. Session accordée par le praticien, observée et journalisée.\r\n")
	var person string
	for person == "" {
		t.SetPrompt("Votre nom et votre organisation : ")
		line, err := t.ReadLine()
		if err != nil {
			return
		}
		person = strings.TrimSpace(line)
		if len(person) > 120 {
			person = person[:120]
		}
	}
	g.mu.Lock()
	switch {
	case g.logins == 0:
		g.log.Person = person // the first to log in is the person in charge
	case person != g.log.Person && !slices.Contains(g.log.Others, person):
		g.log.Others = append(g.log.Others, person)
	}
	g.logins++
	g.mu.Unlock()
	g.p.Audit("support.login", g.log.ID, "person="+person)
	g.event(person, "login", person+" est connecté(e)")
	g.save()
	fmt.Fprintf(t, "Bonjour %s. Tapez help pour la liste des commandes.\r\n", person)
	t.SetPrompt("cabinet> ")
	for {
		line, err := t.ReadLine()
		if err != nil {
			break
		}
		cmd, args, perr := Parse(line)
		if cmd == "" && perr == nil {
			continue
		}
		g.mu.Lock()
		g.log.Commands = append(g.log.Commands, practice.SupportCommand{Time: time.Now().UTC(), Person: person, Command: truncate(line, maxLine)})
		g.mu.Unlock()
		g.event(person, "command", line)
		if perr != nil {
			fmt.Fprintf(t, "%v\r\n", perr)
			g.event(person, "output", perr.Error())
			continue
		}
		if cmd == "exit" || cmd == "quit" {
			t.SetPrompt("Décrivez brièvement les tâches effectuées : ")
			if desc, err := t.ReadLine(); err == nil && strings.TrimSpace(desc) != "" {
				g.mu.Lock()
				if g.log.Description != "" {
					g.log.Description += " / "
				}
				g.log.Description += person + " : " + truncate(strings.TrimSpace(desc), 500)
				g.mu.Unlock()
			}
			break
		}
		var out strings.Builder
		g.env.Run(context.Background(), &out, person, cmd, args)
		io.WriteString(t, out.String())
		g.event(person, "output", strings.TrimRight(out.String(), "\r\n"))
		g.save()
	}
	g.event(person, "logout", person+" s'est déconnecté(e)")
	g.save()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (g *Grant) save() {
	l := g.Log()
	if !l.End.IsZero() {
		l.Duration = l.End.Sub(l.Start).Round(time.Second).String()
	}
	g.p.SaveSupportSession(context.Background(), l)
}

// End closes the grant: the listener, every connection, and the
// passwords. It is safe to call more than once.
func (g *Grant) End(reason string) {
	g.mu.Lock()
	if g.ended {
		g.mu.Unlock()
		return
	}
	g.ended = true
	for k := range g.passwords {
		g.passwords[k] = false
	}
	conns := make([]*ssh.ServerConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.log.End = time.Now().UTC()
	g.log.EndReason = reason
	timer := g.timer
	g.mu.Unlock()
	if timer != nil {
		timer.Stop()
	}
	g.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	if g.relay != nil {
		g.relay.Close()
	}
	g.save()
	g.p.Audit("support.end", g.log.ID, "reason="+reason)
	g.event("", "end", "session terminée : "+reason)
	close(g.done)
}

// Annotate lets the practitioner complete the log afterwards: the
// description, the critical flag and the staff consulted.
func Annotate(p *practice.Practice, id, description string, critical bool, consulted []string) error {
	ls, err := p.SupportSessions(context.Background())
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.ID == id {
			if description != "" {
				l.Description = description
			}
			l.Critical, l.Consulted = critical, consulted
			return p.SaveSupportSession(context.Background(), l)
		}
	}
	return store.ErrNotFound
}
