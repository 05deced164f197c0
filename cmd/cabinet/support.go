package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/support"
)

// supportSocket is where a running grant hands out extra passwords.
func supportSocket(vault string) string { return filepath.Join(vault, ".support.sock") }

func cmdSupport(c *cli, args []string) error {
	usage := errors.New("usage: cabinet support grant [--minutes N] [--listen ADDR | --relay USER@HOST:PORT [--relay-fingerprint SHA256:...]] [--allow-patient-view] [--expect NAME] | support password | support log [--json] | support key | support annotate ID")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	fs := c.flags("support " + sub)
	switch sub {
	case "grant":
		minutes := fs.Int("minutes", 30, "how long the grant lasts (at most 240)")
		listen := fs.String("listen", ":2222", "address to listen on")
		relay := fs.String("relay", "", "USER@HOST:PORT of the support organisation's relay: dial out instead of listening")
		relayFP := fs.String("relay-fingerprint", "", "the relay's host key fingerprint (SHA256:...), pinned for next times")
		allow := fs.Bool("allow-patient-view", false, "let the support person view patient records (read-only, audited)")
		expect := fs.String("expect", "", "name of the expected support person")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		if *minutes < 1 || *minutes > 240 {
			return errors.New("--minutes must be between 1 and 240")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		var rel *support.Relay
		if *relay != "" {
			user, addr, err := support.ParseRelay(*relay)
			if err != nil {
				return err
			}
			pin, err := p.RelayPinned(context.Background())
			if err != nil {
				return err
			}
			if *relayFP != "" {
				pin = practice.RelayPin{Address: *relay, Fingerprint: *relayFP}
				if err := p.SetRelayPin(context.Background(), pin); err != nil {
					return err
				}
			}
			key, err := p.SupportClientKey(context.Background())
			if err != nil {
				return err
			}
			rel = &support.Relay{User: user, Addr: addr, Fingerprint: pin.Fingerprint, Key: key}
		}
		g, pw, err := support.Start(p, support.Options{Duration: time.Duration(*minutes) * time.Minute, Listen: *listen, Relay: rel,
			AllowPatient: *allow, Expected: *expect, Version: version,
			OnEvent: func(e support.Event) {
				fmt.Fprintf(c.stderr, "[%s] %s %s: %s\n", e.Time.Format("15:04:05"), e.Person, e.Kind, e.Text)
			}})
		if err != nil {
			return err
		}
		sock := supportSocket(p.Dir())
		os.Remove(sock)
		ln, err := net.Listen("unix", sock)
		if err == nil {
			os.Chmod(sock, 0o600)
			defer os.Remove(sock)
			defer ln.Close()
			go func() {
				for {
					conn, err := ln.Accept()
					if err != nil {
						return
					}
					fmt.Fprintln(conn, g.NewPassword())
					conn.Close()
				}
			}()
		}
		fmt.Fprintf(c.stdout, "address: %s\nfingerprint: %s\npassword: %s\n", g.Addr(), g.Fingerprint(), pw)
		if f, ok := c.stdout.(*os.File); ok {
			f.Sync()
		}
		fmt.Fprintln(c.stderr, c.t("Session de support ouverte. Ctrl-C pour y mettre fin.", "Support session open. Ctrl-C to end it."))
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sig)
		select {
		case <-sig:
			g.End("ended by the practitioner")
		case <-g.Done():
		}
		l := g.Log()
		fmt.Fprintf(c.stderr, c.t("Session terminée (%s), %d commande(s).\n", "Session ended (%s), %d command(s).\n"), l.EndReason, len(l.Commands))
		return nil
	case "key":
		p, err := c.parseOpen(fs, args)
		if err != nil {
			return err
		}
		defer p.Close()
		key, err := p.SupportClientKey(context.Background())
		if err != nil {
			return err
		}
		pub, err := ssh.NewPublicKey(key.Public())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s cabinet-%s\n", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))), p.VaultID())
		return nil
	case "annotate":
		desc := fs.String("description", "", "what was done")
		critical := fs.Bool("critical", false, "a critical intervention")
		consulted := fs.String("consulted", "", "additional qualified staff consulted, comma separated")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: cabinet support annotate SESSION-ID [--description D] [--critical --consulted \"A, B\"]")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		var names []string
		for _, n := range strings.Split(*consulted, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		if err := support.Annotate(p, pos[0], *desc, *critical, names); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, c.t("Journal complété.", "Log updated."))
		return nil
	case "password":
		if _, err := parse(fs, args); err != nil {
			return err
		}
		conn, err := net.Dial("unix", supportSocket(c.vault))
		if err != nil {
			return errors.New(c.t("aucune session de support en cours pour ce coffre", "no support session is running for this vault"))
		}
		defer conn.Close()
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "password: %s\n", strings.TrimSpace(line))
		return nil
	case "log":
		asJSON := fs.Bool("json", false, "JSON output")
		p, err := c.parseOpen(fs, args)
		if err != nil {
			return err
		}
		defer p.Close()
		ls, err := p.SupportSessions(context.Background())
		if err != nil {
			return err
		}
		if *asJSON {
			if ls == nil {
				return writeJSON(c, []any{})
			}
			return writeJSON(c, ls)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, l := range ls {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d commandes\t%s\n", l.Start.Local().Format("02/01/2006 15:04"), l.Duration, l.Person, len(l.Commands), l.Description)
		}
		return tw.Flush()
	}
	return usage
}
